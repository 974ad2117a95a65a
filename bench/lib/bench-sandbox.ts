/**
 * A sandbox process for the fetcher benchmarks: `--groups N` communities in one sandbox, driven by
 * JSON lines on stdin, answering JSON lines on stdout. Started by `startBenchSandbox`
 * (./bench-sandbox-client.ts); not run by hand.
 *
 * Commands (one JSON object a line; each is answered by one line with the same `op`):
 *   { op: 'bulk', count, groupId?, users, text }  count message_new at once, spread over `users`
 *                                                  users, to one community (default the first)
 *   { op: 'bulkEach', perGroup, groups?, users, text }  perGroup message_new to each of the first
 *                                                  `groups` communities (default all), at once
 *   { op: 'steady', rate, seconds, groups?, users } `rate` message_new a second for `seconds`,
 *        spread round-robin over the first `groups` communities (default 1) and `users` users; the
 *        text of each carries `[at:<ms>]`, the wall-clock time (performance.timeOrigin + now(),
 *        sub-ms) at which the sandbox enqueued it. Answers `{ op, emitted, ticks, lateTicks }` at the end.
 * The first line out is `{ op: 'ready', url, apiUrl, groups: [{ id, token }] }`.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createSandbox } from '@vkwire/sandbox';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '1' },
    'history-size': { type: 'string', default: '1000000' },
  },
});
const GROUPS = Number(values.groups);
const FIRST_USER = 100_000_001;
/** The steady load's tick: events due are enqueued every this many ms. */
const TICK_MS = 2;

const vk = await createSandbox({
  groups: Array.from({ length: GROUPS }, () => ({})),
  longPoll: { historySize: Number(values['history-size']) },
  recordEvents: false,
  callLogSize: 1000,
});
const groups = vk.groups.map((group) => ({ id: group.id, token: group.token }));

/** Wall-clock ms with sub-ms precision, comparable across processes of this machine. */
const wallNow = () => performance.timeOrigin + performance.now();

const users = (from: number, count: number, total: number): number[] =>
  Array.from({ length: count }, (_, index) => FIRST_USER + ((from + index) % total));

interface BulkCommand {
  op: 'bulk';
  count: number;
  groupId?: number;
  users: number;
  text: string;
}

interface BulkEachCommand {
  op: 'bulkEach';
  perGroup: number;
  groups?: number;
  users: number;
  text: string;
}

interface SteadyCommand {
  op: 'steady';
  rate: number;
  seconds: number;
  groups?: number;
  users: number;
  text: string;
}

let userCursor = 0;

function bulk(command: BulkCommand): { fromTs: number; toTs: number } {
  // Each user of the call writes count / users messages: the call's own rotation over userIds.
  const userIds = users(0, Math.min(command.users, command.count), command.users);
  return vk.bulk.messages(command.count, {
    ...(command.groupId === undefined ? {} : { groupId: command.groupId }),
    userIds,
    text: command.text,
  });
}

function bulkEach(command: BulkEachCommand): { emitted: number } {
  const targets = groups.slice(0, command.groups ?? groups.length);
  const userIds = users(0, Math.min(command.users, command.perGroup), command.users);
  for (const target of targets)
    vk.bulk.messages(command.perGroup, { groupId: target.id, userIds, text: command.text });
  return { emitted: command.perGroup * targets.length };
}

async function steady(
  command: SteadyCommand,
): Promise<{ emitted: number; ticks: number; lateTicks: number }> {
  const targets = groups.slice(0, command.groups ?? 1);
  const total = Math.round(command.rate * command.seconds);
  const started = performance.now();
  let emitted = 0;
  let ticks = 0;
  let lateTicks = 0;
  let groupCursor = 0;
  let last = started;
  while (emitted < total) {
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    const now = performance.now();
    if (now - last > TICK_MS * 5) lateTicks += 1;
    last = now;
    ticks += 1;
    const due = Math.min(total, Math.floor(((now - started) / 1000) * command.rate)) - emitted;
    if (due <= 0) continue;
    const text = `${command.text} [at:${wallNow().toFixed(3)}]`;
    if (targets.length === 1) {
      vk.bulk.messages(due, {
        groupId: (targets[0] as { id: number }).id,
        userIds: users(userCursor, due, command.users),
        text,
      });
      userCursor += due;
    } else {
      for (let n = 0; n < due; n++) {
        const target = targets[groupCursor % targets.length] as { id: number };
        groupCursor += 1;
        vk.bulk.messages(1, { groupId: target.id, userIds: users(userCursor, 1, command.users), text });
        userCursor += 1;
      }
    }
    emitted += due;
  }
  return { emitted, ticks, lateTicks };
}

const send = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
send({ op: 'ready', url: vk.url, apiUrl: vk.apiUrl, groups });

// One command at a time, in order.
let queue = Promise.resolve();
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const command = JSON.parse(line) as BulkCommand | BulkEachCommand | SteadyCommand;
  queue = queue.then(async () => {
    try {
      if (command.op === 'bulk') send({ op: 'bulk', ...bulk(command) });
      else if (command.op === 'bulkEach') send({ op: 'bulkEach', ...bulkEach(command) });
      else if (command.op === 'steady') send({ op: 'steady', ...(await steady(command)) });
      else send({ op: 'error', error: `unknown op ${(command as { op: string }).op}` });
    } catch (error) {
      send({ op: 'error', error: String(error) });
    }
  });
});
input.on('close', () => {
  void queue.then(() => vk.close()).then(() => process.exit(0));
});
const stop = () => void vk.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
