import { randomInt } from 'node:crypto';

const INT32_MAX = 2_147_483_647;

// One counter per process: VK silently drops a send whose random_id it saw recently in the same
// dialog, so ids must never repeat across VkApi instances either. A random start keeps two
// processes from walking the same range.
let next = randomInt(1, INT32_MAX);

/**
 * A `random_id` for `messages.send`: unique within the process (until 2^31 sends), positive,
 * within signed int32 as VK expects.
 */
export function nextRandomId(): number {
  const id = next;
  next = next >= INT32_MAX ? 1 : next + 1;
  return id;
}
