import { RedisScript } from '../connection.js';

/** The stream fields of one entry, in the order they are written. */
export const ENTRY_FIELDS = ['event_id', 'event_type', 'peer', 'v', 'data'] as const;

/** The values of {@link ENTRY_FIELDS} for one event. */
export type EntryValues = readonly [
  eventId: string,
  eventType: string,
  peer: string,
  v: string,
  data: string,
];

/**
 * Publishes a batch of one partition with dedupe, in one step. KEYS[1] is the partition's stream,
 * KEYS[1 + i] the dedupe mark of entry i (same hash tag). ARGV: TTL in ms, MAXLEN ('' for none),
 * then the five field values of each entry. For each entry it returns a flag (1 written, 0 a
 * duplicate) and the entry id (for a duplicate, the id of the entry first written).
 */
export const PUBLISH_DEDUPE = new RedisScript(`local ttl = ARGV[1]
local maxlen = ARGV[2]
local out = {}
for i = 1, #KEYS - 1 do
  local first = redis.call('GET', KEYS[i + 1])
  if first then
    out[2 * i - 1] = 0
    out[2 * i] = first
  else
    local b = 2 + (i - 1) * 5
    local id
    if maxlen == '' then
      id = redis.call('XADD', KEYS[1], '*', 'event_id', ARGV[b + 1], 'event_type', ARGV[b + 2], 'peer', ARGV[b + 3], 'v', ARGV[b + 4], 'data', ARGV[b + 5])
    else
      id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'event_id', ARGV[b + 1], 'event_type', ARGV[b + 2], 'peer', ARGV[b + 3], 'v', ARGV[b + 4], 'data', ARGV[b + 5])
    end
    redis.call('SET', KEYS[i + 1], id, 'PX', ttl)
    out[2 * i - 1] = 1
    out[2 * i] = id
  end
end
return out`);

/**
 * Publishes a batch of one partition without dedupe: the XADDs of several entries in one command
 * (node-redis spends more per command than Redis spends per XADD). KEYS[1] is the stream; ARGV:
 * MAXLEN ('' for none), then the five field values of each entry. Returns the entry ids.
 */
export const PUBLISH_BATCH = new RedisScript(`local maxlen = ARGV[1]
local out = {}
local n = (#ARGV - 1) / 5
for i = 1, n do
  local b = 1 + (i - 1) * 5
  if maxlen == '' then
    out[i] = redis.call('XADD', KEYS[1], '*', 'event_id', ARGV[b + 1], 'event_type', ARGV[b + 2], 'peer', ARGV[b + 3], 'v', ARGV[b + 4], 'data', ARGV[b + 5])
  else
    out[i] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'event_id', ARGV[b + 1], 'event_type', ARGV[b + 2], 'peer', ARGV[b + 3], 'v', ARGV[b + 4], 'data', ARGV[b + 5])
  end
end
return out`);

/** The XADD command of one entry without dedupe. */
export function xaddArgs(key: string, maxLen: number | undefined, values: EntryValues): (string | number)[] {
  const args: (string | number)[] = ['XADD', key];
  if (maxLen !== undefined) args.push('MAXLEN', '~', maxLen);
  args.push('*');
  for (let index = 0; index < ENTRY_FIELDS.length; index++)
    args.push(ENTRY_FIELDS[index] as string, values[index] as string);
  return args;
}
