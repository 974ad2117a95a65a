/** One stream entry as Redis returns it: its id and its fields. */
export interface StreamEntry {
  readonly id: string;
  readonly fields: Record<string, string>;
}

/** One row of `XPENDING key group - + count`. */
export interface PendingRow {
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveries: number;
}

function pairs(value: unknown): [unknown, unknown][] {
  if (value instanceof Map) return [...value.entries()];
  if (Array.isArray(value)) {
    // RESP2: [[key, value], ...] for XREADGROUP streams; a flat [f, v, f, v] for fields.
    return value.map((item) => (Array.isArray(item) ? [item[0], item[1]] : [item, undefined]));
  }
  if (typeof value === 'object' && value !== null) return Object.entries(value);
  return [];
}

function fieldsOf(value: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (let i = 0; i + 1 < value.length; i += 2) fields[String(value[i])] = String(value[i + 1]);
  } else if (value instanceof Map) {
    for (const [k, v] of value) fields[String(k)] = String(v);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) fields[k] = String(v);
  }
  return fields;
}

/** Entries of an XRANGE / XCLAIM reply (deleted entries, answered as null, are left out). */
export function entriesOf(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: StreamEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || item[1] === null || item[1] === undefined) continue;
    entries.push({ id: String(item[0]), fields: fieldsOf(item[1]) });
  }
  return entries;
}

/** Entries per stream of an XREADGROUP reply, RESP2 (arrays) or RESP3 (a map). */
export function streamsOf(reply: unknown): [string, StreamEntry[]][] {
  if (reply === null || reply === undefined) return [];
  return pairs(reply).map(([name, entries]) => [String(name), entriesOf(entries)]);
}

/** Rows of an extended XPENDING reply. */
export function pendingOf(reply: unknown): PendingRow[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((row: unknown[]) => ({
    id: String(row[0]),
    consumer: String(row[1]),
    idleMs: Number(row[2]),
    deliveries: Number(row[3]),
  }));
}
