// A reader of every partition of the bus, on its own connection, blocking in XREAD: it records each
// entry the moment it becomes readable, with the age of the events whose text carries the
// sandbox's enqueue stamp `[at:<wall-clock ms>]` (./bench-sandbox.ts).
import { createClient, type RedisClientType } from 'redis';

/** One entry read from the bus. */
export interface BusRecord {
  eventId: string;
  groupId: number;
  /** Wall-clock ms the sandbox enqueued the event (NaN without a stamp). */
  enqueuedAt: number;
  /** Wall-clock ms the reader got it. */
  readAt: number;
}

/** A running reader. */
export interface BusReader {
  /** Every entry read so far, in the order read. */
  readonly records: readonly BusRecord[];
  /** Resolves once `count` entries were read in all (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  /** Stops reading; resolves once the connection is closed. */
  stop(): Promise<void>;
}

/** Wall-clock ms with sub-ms precision, comparable with the sandbox's stamps. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** XREAD's answer through sendCommand: node-redis gives a map by stream (an array of pairs in RESP2 terms). */
type XReadReply =
  | Record<string, Array<[string, string[]]>>
  | Array<[string, Array<[string, string[]]>]>
  | null;

function streamsOf(reply: XReadReply): Array<[string, Array<[string, string[]]>]> {
  if (reply === null) return [];
  return Array.isArray(reply) ? reply : Object.entries(reply);
}

const STAMP = /\[at:(\d+\.\d+)\]/;
const GROUP = /"group_id":(\d+)/;

/**
 * Starts reading `keys` (the partitions' streams) after the entries they hold now, so only what is
 * published from here on is recorded.
 */
export async function startBusReader(url: string, keys: readonly string[]): Promise<BusReader> {
  const reader = createClient({ url }) as RedisClientType;
  await reader.connect();
  const ids = await Promise.all(
    keys.map(async (key) => {
      const last = (await reader.sendCommand(['XREVRANGE', key, '+', '-', 'COUNT', '1'])) as Array<
        [string, string[]]
      >;
      return last[0]?.[0] ?? '0-0';
    }),
  );
  const records: BusRecord[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const reply = (await reader.sendCommand([
        'XREAD',
        'COUNT',
        '1000',
        'BLOCK',
        '250',
        'STREAMS',
        ...keys,
        ...ids,
      ])) as XReadReply;
      const readAt = wallNow();
      for (const [key, entries] of streamsOf(reply)) {
        const partition = keys.indexOf(key);
        for (const [id, fields] of entries) {
          ids[partition] = id;
          const data = fields[fields.indexOf('data') + 1] ?? '';
          records.push({
            eventId: fields[fields.indexOf('event_id') + 1] ?? '',
            groupId: Number(GROUP.exec(data)?.[1] ?? Number.NaN),
            enqueuedAt: Number(STAMP.exec(data)?.[1] ?? Number.NaN),
            readAt,
          });
        }
      }
      for (let index = waiters.length - 1; index >= 0; index--) {
        const waiter = waiters[index] as (typeof waiters)[number];
        if (records.length >= waiter.count) {
          waiters.splice(index, 1);
          waiter.resolve();
        }
      }
    }
  })();
  return {
    records,
    waitFor: (count, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (records.length >= count) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`bus reader: ${records.length} of ${count} entries in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    stop: async () => {
      stopped = true;
      await loop;
      await reader.close();
    },
  };
}

/** The `p`th percentile (0–100) of ascending `sorted`. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Ages (read − enqueued, ms) of the stamped records, ascending. */
export function agesOf(records: readonly BusRecord[]): Float64Array {
  const ages = new Float64Array(records.length);
  let count = 0;
  for (const record of records)
    if (!Number.isNaN(record.enqueuedAt)) ages[count++] = record.readAt - record.enqueuedAt;
  return ages.slice(0, count).sort();
}
