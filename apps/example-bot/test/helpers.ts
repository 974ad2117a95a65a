import {
  type CreateChatOptions,
  createSandbox,
  type Sandbox,
  type SentMessage,
  type SimChat,
} from '@vkwire/sandbox';
import { afterEach } from 'vitest';
import { createExampleBot, type ExampleBotOptions } from '../src/bot.js';
import type { ExampleBot } from '../src/context.js';

const stops: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** Runs `stop` after the test (last registered, first run). */
export function cleanup(stop: () => Promise<unknown>): void {
  stops.push(stop);
}

/** What a test logger collected. */
export interface MemoryLogger {
  logger: {
    debug(): void;
    info(): void;
    warn(o: object, m?: string): void;
    error(o: object, m?: string): void;
  };
  errors: Array<{ fields: object; message: string | undefined }>;
  warnings: Array<{ fields: object; message: string | undefined }>;
}

/** A logger that keeps what it gets. */
export function memoryLogger(): MemoryLogger {
  const errors: MemoryLogger['errors'] = [];
  const warnings: MemoryLogger['warnings'] = [];
  return {
    errors,
    warnings,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (fields, message) => warnings.push({ fields, message }),
      error: (fields, message) => errors.push({ fields, message }),
    },
  };
}

/** A sandbox and the example bot running on it over long poll (both stopped after the test). */
export async function startBot(
  options: Omit<ExampleBotOptions, 'token' | 'apiUrl'> = {},
): Promise<{ vk: Sandbox; bot: ExampleBot; log: MemoryLogger }> {
  const vk = await createSandbox({ rateLimit: false });
  cleanup(() => vk.close());
  const log = memoryLogger();
  const bot = createExampleBot({ token: vk.group.token, apiUrl: vk.apiUrl, logger: log.logger, ...options });
  cleanup(() => bot.stop());
  await bot.start();
  return { vk, bot, log };
}

/**
 * Resolves with what `probe` finds once it finds something, polling (after `refresh`, when given).
 * It waits up to 15 s, a bound for a test that would hang, not a measured time; the failure names
 * what was seen.
 */
export async function eventually<T>(
  probe: () => T | undefined,
  describe: () => string,
  refresh?: () => Promise<void>,
): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await refresh?.();
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not found: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The first message sent to `peer` after the first `after` messages that `match` accepts. */
export function reply(
  vk: Sandbox,
  peer: number,
  match: string | RegExp | ((message: SentMessage) => boolean),
  after = 0,
): Promise<SentMessage> {
  const test =
    typeof match === 'function'
      ? match
      : (message: SentMessage) =>
          typeof match === 'string' ? message.text === match : match.test(message.text);
  return eventually(
    () => vk.sent({ peer }).slice(after).find(test),
    () =>
      `a message to ${peer} matching ${String(match)}; sent: ${JSON.stringify(vk.sent({ peer }).map((m) => m.text))}`,
  );
}

/**
 * A user says `text` (in `peerId`, or privately) and the bot's next message there is returned.
 */
export async function ask(
  vk: Sandbox,
  userId: number,
  text: string,
  options: { peerId?: number; payload?: unknown } = {},
): Promise<SentMessage> {
  const peer = options.peerId ?? userId;
  const before = vk.sent({ peer }).length;
  vk.user(userId).send(text, {
    ...(options.peerId === undefined ? {} : { peerId: options.peerId }),
    ...(options.payload === undefined ? {} : { payload: options.payload }),
  });
  return reply(vk, peer, () => true, before);
}

/** The labels of a sent keyboard, row by row. */
export function labels(message: SentMessage): string[][] {
  const buttons = (message.keyboard?.buttons ?? []) as Array<Array<{ action: { label?: string } }>>;
  return buttons.map((row) => row.map((button) => button.action.label ?? ''));
}

/** The payload of the button with this label in a sent keyboard (parsed). */
export function payloadOf(message: SentMessage, label: string): unknown {
  const buttons = (message.keyboard?.buttons ?? []) as Array<
    Array<{ action: { label?: string; payload?: string } }>
  >;
  const button = buttons.flat().find((candidate) => candidate.action.label === label);
  if (!button?.action.payload)
    throw new Error(`no button "${label}" with a payload in: ${JSON.stringify(labels(message))}`);
  return JSON.parse(button.action.payload);
}

/** A group chat with the bot in it, once the bot has greeted it (so its greeting is out of the way). */
export async function chatWithBot(vk: Sandbox, options: CreateChatOptions): Promise<SimChat> {
  const chat = vk.createChat(options);
  await reply(vk, chat.peerId, /^Hi all!/);
  return chat;
}
