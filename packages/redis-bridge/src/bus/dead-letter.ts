import type { RedisHandle } from '../connection.js';
import { deadLetterKey } from './layout.js';

/** Why an entry went to the dead-letter stream. */
export type DeadLetterReason =
  /** The entry is not a vkwire event (a foreign writer, a newer schema, broken JSON). */
  | 'bad_input'
  /** The handler failed (or its consumer died) on every one of `maxDeliveries` deliveries. */
  | 'max_deliveries';

/** What is known about an entry that is dead-lettered. */
export interface DeadLetter {
  /** The partition stream it was read from, e.g. `{vkwire:events:3}`. */
  readonly source: string;
  /** Its entry id there. */
  readonly id: string;
  /** Its fields as written. */
  readonly fields: Readonly<Record<string, string>>;
  readonly group: string;
  readonly consumer: string;
  readonly reason: DeadLetterReason;
  /** The last error (`Name: message`), or why the entry is bad input. */
  readonly error: string;
  /** How many times it was delivered. */
  readonly deliveries: number;
}

/**
 * Appends `letter` to `<stream>:dead`: the entry's own fields, plus `dead_source`, `dead_id`,
 * `dead_group`, `dead_consumer`, `dead_reason`, `dead_error`, `dead_deliveries` and `dead_at` (Unix
 * ms). The stream is capped near `maxLen` entries (oldest dropped).
 *
 * @internal used by the bus consumer
 */
export async function deadLetter(
  redis: RedisHandle,
  stream: string,
  letter: DeadLetter,
  maxLen: number,
): Promise<void> {
  const key = deadLetterKey(stream);
  const args: (string | number)[] = ['XADD', key, 'MAXLEN', '~', maxLen, '*'];
  for (const [field, value] of Object.entries(letter.fields))
    if (!field.startsWith('dead_')) args.push(field, value);
  args.push(
    'dead_source',
    letter.source,
    'dead_id',
    letter.id,
    'dead_group',
    letter.group,
    'dead_consumer',
    letter.consumer,
    'dead_reason',
    letter.reason,
    'dead_error',
    letter.error.slice(0, 2000),
    'dead_deliveries',
    letter.deliveries,
    'dead_at',
    Date.now(),
  );
  await redis.run(key, args);
}
