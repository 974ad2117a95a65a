import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { type PollRig, pollRig, until } from './setup.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let rig: PollRig;
beforeEach(async () => {
  rig = await pollRig();
});
afterEach(async () => {
  await rig.close();
});

/**
 * How many of `refs` are still alive after a collection. A `WeakRef`'s target read in a turn of
 * the event loop is kept until that turn ends, so the collection runs in a fresh turn first.
 */
async function alive(refs: ReadonlyArray<WeakRef<object>>): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return refs.filter((ref) => ref.deref() !== undefined).length;
}

// What a client has handled is garbage: nothing of the poll may keep it while the poll runs on.
// The scheduler's queue kept every job it had started until 1024 of them piled up; in answer
// mode a job is a whole answer, so a fetcher held up to 1024 answers (100k updates, ~100 MB).

test('answers handled by startAnswers are not kept while the poll runs', async () => {
  const poll = rig.poll();
  const refs: Array<WeakRef<object>> = [];
  await poll.startAnswers((updates) => {
    refs.push(new WeakRef(updates));
  });
  for (let index = 0; index < 30; index += 1) {
    rig.vk.user(100_000_001).send(`answer ${index}`);
    await until(() => refs.length === index + 1);
  }
  // The last answers may still be on the way through the poll's own frames; the older ones not.
  expect(await alive(refs.slice(0, 25))).toBe(0);
});

test('updates handled by on() handlers are not kept while the poll runs', async () => {
  const poll = rig.poll();
  const refs: Array<WeakRef<object>> = [];
  poll.on('message_new', (update) => {
    refs.push(new WeakRef(update));
  });
  await poll.start();
  for (let index = 0; index < 30; index += 1) {
    rig.vk.user(100_000_001 + index).send(`update ${index}`);
    await until(() => refs.length === index + 1);
  }
  expect(await alive(refs.slice(0, 25))).toBe(0);
});
