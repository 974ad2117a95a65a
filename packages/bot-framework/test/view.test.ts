import { MemoryKeyValueStore } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import type { Sandbox } from '@vkwire/sandbox';
import { expect, test, vi } from 'vitest';
import { Bot } from '../src/bot.js';
import type { View } from '../src/state/view/view.js';
import { cleanup, memoryLogger, sandbox, startedBot, texts } from './helpers.js';
import { inbox, say } from './state-helpers.js';

const ANNA = 193847562;
const BORIS = 55501;

interface Poll {
  question: string;
  yes: number;
  no: number;
}

/** The payloads of the buttons of the last message the bot sent to `peer`, by label. */
function buttons(vk: Sandbox, peer: number): Record<string, Record<string, unknown>> {
  const message = vk.sent({ peer }).at(-1);
  if (message?.keyboard === undefined) throw new Error(`no keyboard in the last message to ${peer}`);
  const rows = (message.keyboard as { buttons: Array<Array<{ action: { label: string; payload: string } }>> })
    .buttons;
  return Object.fromEntries(
    rows
      .flat()
      .map((button) => [button.action.label, JSON.parse(button.action.payload) as Record<string, unknown>]),
  );
}

async function pollBot(vk: Sandbox, options: { ttlMs?: number; store?: MemoryKeyValueStore } = {}) {
  const pressed: string[] = [];
  let poll: View<Poll> | undefined;
  const started = await startedBot(vk, (bot) => {
    poll = bot.view(
      'poll',
      {
        state: { question: 'Tea?', yes: 0, no: 0 },
        text: (state) => `${state.question} yes ${state.yes}, no ${state.no}`,
        allow: 'author',
        ...options,
      },
      (v) => {
        v.button(
          'y',
          (state) => `Yes (${state.yes})`,
          async (ctx, view) => {
            pressed.push(`yes by ${ctx.senderId}`);
            await view.update({ ...view.state, yes: view.state.yes + 1 });
          },
        );
        v.button('n', 'No', async (ctx, view) => {
          pressed.push(`no by ${ctx.senderId}`);
          await view.close(`closed with ${view.state.yes} yes`);
        });
      },
    );
    bot.command('poll', (ctx) =>
      ctx.replyView(poll as View<Poll>, { question: ctx.text.slice(6) || 'Tea?', yes: 0, no: 0 }),
    );
  });
  return { ...started, pressed };
}

test('a view answers the allowed user with its state, refuses a stranger, and edits the message', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [ANNA, BORIS] });
  const { pressed, log } = await pollBot(vk);
  vk.user(ANNA).send('/poll Coffee?', { peerId: chat.peerId });
  await vi.waitFor(() => expect(texts(vk, chat.peerId)).toEqual(['Coffee? yes 0, no 0']));
  const cmid = vk.sent({ peer: chat.peerId })[0]?.cmid ?? 0;
  const first = buttons(vk, chat.peerId);
  expect(Object.keys(first)).toEqual(['Yes (0)', 'No']);

  const stranger = vk.user(BORIS).pressCallbackButton(chat.peerId, cmid, first['Yes (0)']);
  await vi.waitFor(() =>
    expect(vk.eventAnswers({ eventId: stranger })).toEqual([
      expect.objectContaining({ snackbar: 'This is not for you' }),
    ]),
  );
  expect(pressed).toEqual([]);

  vk.user(ANNA).pressCallbackButton(chat.peerId, cmid, first['Yes (0)']);
  await vi.waitFor(() => expect(texts(vk, chat.peerId)).toEqual(['Coffee? yes 1, no 0']));
  expect(pressed).toEqual([`yes by ${ANNA}`]);
  // The edited buttons carry the new state.
  const second = buttons(vk, chat.peerId);
  expect(Object.keys(second)).toEqual(['Yes (1)', 'No']);
  const answered = vk.user(ANNA).pressCallbackButton(chat.peerId, cmid, second.No);
  await vi.waitFor(() => expect(texts(vk, chat.peerId)).toEqual(['closed with 1 yes']));
  // A press its handler did not answer is answered (the spinner stops).
  await vi.waitFor(() => expect(vk.eventAnswers({ eventId: answered })).toHaveLength(1));
  expect(pressed).toEqual([`yes by ${ANNA}`, `no by ${ANNA}`]);
  // Closed: the old buttons run nothing any more.
  const again = vk.user(ANNA).pressCallbackButton(chat.peerId, cmid, second['Yes (1)']);
  await vi.waitFor(() =>
    expect(vk.eventAnswers({ eventId: again })).toEqual([
      expect.objectContaining({ snackbar: 'This has expired' }),
    ]),
  );
  expect(pressed).toHaveLength(2);
  expect(log.errors).toEqual([]);
});

test('a press after the view expired gets a snackbar and runs nothing', async () => {
  const vk = await sandbox();
  const { pressed } = await pollBot(vk, { ttlMs: 300 });
  vk.user(ANNA).send('/poll');
  await vi.waitFor(() => expect(texts(vk, ANNA)).toHaveLength(1));
  const cmid = vk.sent({ peer: ANNA })[0]?.cmid ?? 0;
  const payloads = buttons(vk, ANNA);
  await new Promise((resolve) => setTimeout(resolve, 400));
  const late = vk.user(ANNA).pressCallbackButton(ANNA, cmid, payloads['Yes (0)']);
  await vi.waitFor(() =>
    expect(vk.eventAnswers({ eventId: late })).toEqual([
      expect.objectContaining({ snackbar: 'This has expired' }),
    ]),
  );
  expect(pressed).toEqual([]);
  expect(texts(vk, ANNA)).toEqual(['Tea? yes 0, no 0']);
});

test('a state too big for a payload is kept in the store under a short id, and expires with the view', async () => {
  const vk = await sandbox();
  const store = new MemoryKeyValueStore();
  const { pressed } = await pollBot(vk, { store, ttlMs: 1500 });
  const question = 'Which of these is the longest question anyone asked? '.repeat(6).trim();
  vk.user(ANNA).send(`/poll ${question}`);
  await vi.waitFor(() => expect(texts(vk, ANNA)).toHaveLength(1));
  const cmid = vk.sent({ peer: ANNA })[0]?.cmid ?? 0;
  const payloads = buttons(vk, ANNA);
  const yes = payloads['Yes (0)'] as { c: unknown[] };
  // The payload fits VK's limit and names no question: the state is in the store.
  expect(JSON.stringify(yes).length).toBeLessThanOrEqual(255);
  expect(JSON.stringify(yes)).not.toContain('longest question');
  const id = yes.c.at(-2) as string; // the last is the signature
  expect((await store.get(`${vk.group.id}:view:poll:${id}`))?.value).toEqual({
    question: question,
    yes: 0,
    no: 0,
  });

  vk.user(ANNA).pressCallbackButton(ANNA, cmid, yes);
  await vi.waitFor(() => expect(texts(vk, ANNA)).toEqual([`${question} yes 1, no 0`]));
  expect(pressed).toEqual([`yes by ${ANNA}`]);
  expect((await store.get(`${vk.group.id}:view:poll:${id}`))?.value).toMatchObject({ yes: 1 });

  await new Promise((resolve) => setTimeout(resolve, 1600));
  const late = vk.user(ANNA).pressCallbackButton(ANNA, cmid, buttons(vk, ANNA)['Yes (1)']);
  await vi.waitFor(() =>
    expect(vk.eventAnswers({ eventId: late })).toEqual([
      expect.objectContaining({ snackbar: 'This has expired' }),
    ]),
  );
  expect(pressed).toEqual([`yes by ${ANNA}`]);
});

test('allow takes a list of users or a test; a view needs buttons', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [ANNA, BORIS] });
  const ran: string[] = [];
  await startedBot(vk, (bot) => {
    const listed = bot.view('listed', { state: 1, text: 'listed', allow: [BORIS] }, (v) => {
      v.button('go', 'Go', (ctx) => {
        ran.push(`listed ${ctx.senderId}`);
      });
    });
    const tested = bot.view(
      'tested',
      { state: 2, text: 'tested', allow: (ctx, state) => state === 2 && ctx.senderId === ANNA },
      (v) => {
        v.button('go', 'Go', (ctx) => {
          ran.push(`tested ${ctx.senderId}`);
        });
      },
    );
    bot.command('listed', (ctx) => ctx.replyView(listed));
    bot.command('tested', (ctx) => ctx.replyView(tested));
    expect(() => bot.view('empty', { state: 0, text: 'x' }, () => {})).toThrow(/at least one button/);
  });
  vk.user(ANNA).send('/listed', { peerId: chat.peerId });
  await vi.waitFor(() => expect(texts(vk, chat.peerId)).toHaveLength(1));
  const listedGo = buttons(vk, chat.peerId).Go;
  vk.user(ANNA).send('/tested', { peerId: chat.peerId });
  await vi.waitFor(() => expect(texts(vk, chat.peerId)).toHaveLength(2));
  const testedGo = buttons(vk, chat.peerId).Go;
  const [one, two] = vk.sent({ peer: chat.peerId }).map((message) => message.cmid);
  const presses = [
    vk.user(ANNA).pressCallbackButton(chat.peerId, one ?? 0, listedGo),
    vk.user(BORIS).pressCallbackButton(chat.peerId, one ?? 0, listedGo),
    vk.user(BORIS).pressCallbackButton(chat.peerId, two ?? 0, testedGo),
    vk.user(ANNA).pressCallbackButton(chat.peerId, two ?? 0, testedGo),
  ];
  await vi.waitFor(() =>
    expect(presses.every((id) => vk.eventAnswers({ eventId: id }).length === 1)).toBe(true),
  );
  expect(ran.sort()).toEqual([`listed ${BORIS}`, `tested ${ANNA}`]);
  expect(vk.eventAnswers({ eventId: presses[0] }).map((answer) => answer.snackbar)).toEqual([
    'This is not for you',
  ]);
  expect(vk.eventAnswers({ eventId: presses[2] }).map((answer) => answer.snackbar)).toEqual([
    'This is not for you',
  ]);
});

test('a forged payload (another author, another state, another chat) is refused with a snackbar and a warning', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [ANNA, BORIS] });
  const { pressed, log } = await pollBot(vk);
  vk.user(ANNA).send('/poll', { peerId: chat.peerId });
  vk.user(BORIS).send('/poll');
  await vi.waitFor(() => expect(texts(vk, chat.peerId)).toHaveLength(1));
  await vi.waitFor(() => expect(texts(vk, BORIS)).toHaveLength(1));
  const cmid = vk.sent({ peer: chat.peerId })[0]?.cmid ?? 0;
  const yes = buttons(vk, chat.peerId)['Yes (0)'] as { c: unknown[] };
  const own = buttons(vk, BORIS)['Yes (0)'] as { c: unknown[] };
  // Boris makes himself the author; then sets the state; then replays his own view's button here.
  const values = yes.c;
  const author = { ...yes, c: values.map((value) => (value === ANNA ? BORIS : value)) };
  const state = {
    ...yes,
    c: values.map((value) =>
      typeof value === 'string' && value.includes('"yes"') ? value.replace('"yes":0', '"yes":99') : value,
    ),
  };
  expect(author).not.toEqual(yes);
  expect(state).not.toEqual(yes);
  const forged = [author, state, own].map((payload) =>
    vk.user(BORIS).pressCallbackButton(chat.peerId, cmid, payload),
  );
  for (const eventId of forged)
    await vi.waitFor(() =>
      expect(vk.eventAnswers({ eventId })).toEqual([
        expect.objectContaining({ snackbar: 'This is not for you' }),
      ]),
    );
  expect(pressed).toEqual([]);
  expect(log.warnings.filter((warning) => warning.message?.includes('did not sign'))).toHaveLength(3);
  // The genuine button still works for its author.
  vk.user(ANNA).pressCallbackButton(chat.peerId, cmid, yes);
  await vi.waitFor(() => expect(texts(vk, chat.peerId)).toEqual(['Tea? yes 1, no 0']));
});

test("views of workers sharing viewSecret accept each other's buttons; a shared store needs a secret", async () => {
  const vk = await sandbox();
  const make = (secret: string | undefined) => {
    const ran: string[] = [];
    const options = secret === undefined ? {} : { viewSecret: secret };
    const bot = new Bot({
      token: vk.group.token,
      baseUrl: vk.apiUrl,
      logger: memoryLogger().logger,
      ...options,
    });
    cleanup(() => bot.stop());
    const view = bot.view('v', { state: 1, text: (n) => `n=${n}` }, (v) => {
      v.button('x', 'x', (ctx, handle) => void ran.push(`${ctx.senderId} ${handle.state}`));
    });
    bot.command('v', (ctx) => ctx.replyView(view));
    return { bot, ran };
  };
  const first = make('a shared secret');
  const second = make('a shared secret');
  const stranger = make('another secret');
  const next = inbox(vk);
  await say(vk, first.bot, next, ANNA, '/v');
  const cmid = vk.sent({ peer: ANNA })[0]?.cmid ?? 0;
  const payload = buttons(vk, ANNA).x;
  vk.user(ANNA).pressCallbackButton(ANNA, cmid, payload);
  vk.user(ANNA).pressCallbackButton(ANNA, cmid, payload);
  const presses = vk
    .events()
    .filter((update) => update.type === 'message_event') as unknown as VkParsedUpdate[];
  await second.bot.handleUpdate(presses[0] as VkParsedUpdate);
  await stranger.bot.handleUpdate(presses[1] as VkParsedUpdate);
  expect(second.ran).toEqual([`${ANNA} 1`]);
  expect(stranger.ran).toEqual([]);

  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, logger: memoryLogger().logger });
  cleanup(() => bot.stop());
  const shared = { get: async () => undefined, set: async () => true, delete: async () => true };
  expect(() =>
    bot.view('w', { state: 0, text: 't', store: shared }, (v) => v.button('x', 'x', () => {})),
  ).toThrow(/stable secret/);
  expect(() =>
    bot.view('w', { state: 0, text: 't', store: shared, secret: 's' }, (v) => v.button('x', 'x', () => {})),
  ).not.toThrow();
});
