import type { VkApi } from '@vkwire/api-client';
import { errorText, untilAborted, VkwireConfigError } from '@vkwire/core';
import type { VkEventType, VkParsedUpdate, VkUpdateOf } from '@vkwire/events-schema';
// The zod-free list: the schemas are loaded when the poll starts, not at import.
import { isKnownEventType } from '@vkwire/events-schema/event-types';
import { BotsLongPollSource } from './bots-source.js';
import { LongPollClient, type LongPollClientOptions, type LongPollHandler } from './client.js';
import type { PollSource } from './engine.js';
import { checkGroupId, checkOption, requireApi } from './options.js';
import { refusal } from './refusal.js';
import { ensureLongPollSettings } from './settings.js';

/** Options of `new GroupLongPoll(...)`. Only `api` is required. */
export interface GroupLongPollOptions extends LongPollClientOptions<VkParsedUpdate> {
  /** A community token's client. */
  api: VkApi;
  /** The community (a positive integer). @default detected from the token (`api.tokenInfo()`) */
  groupId?: number;
  /** Check each update against events-schema (off only for trusted input). @default true */
  validate?: boolean;
  /**
   * Before starting, make the community's Long Poll deliver what the handlers need: `true` enables
   * Bots Long Poll at vkwire's API version with exactly the handled event types; `false` only
   * checks and warns (through the logger: stderr without one).
   * @default false
   */
  ensureSettings?: boolean;
  /**
   * The event types the consumer waits for, when its handlers do not tell (a catch-all handler
   * that routes by itself, as a bot does): what the settings check and `ensureSettings` use.
   * Every update still reaches the handlers. @default the types of `on(type, ...)` handlers; every type
   * when there is a catch-all handler
   */
  eventTypes?: readonly VkEventType[];
}

const COMPONENT = 'GroupLongPoll';

/** Checks what only a Bots Long Poll client takes. */
function checkOptions(options: GroupLongPollOptions): void {
  requireApi(COMPONENT, options?.api);
  checkGroupId(COMPONENT, options.groupId);
  checkOption(
    COMPONENT,
    'validate',
    options.validate,
    (value) => typeof value === 'boolean',
    'true or false',
  );
  checkOption(
    COMPONENT,
    'ensureSettings',
    options.ensureSettings,
    (value) => typeof value === 'boolean',
    'true or false',
  );
  checkOption(
    COMPONENT,
    'eventTypes',
    options.eventTypes,
    (value) =>
      Array.isArray(value) && value.every((type) => typeof type === 'string' && isKnownEventType(type)),
    'an array of event types of the event map (e.g. ["message_new"])',
  );
}

/**
 * A Bots Long Poll client: every handler awaited with a context (`signal`, `groupId`, `eventId`,
 * `retryCounter`), concurrency bounded and ordered per conversation, `failed` 1/2/3 handled as VK
 * says, checkpoints after handling, a `stop()` that aborts the held request and waits for running
 * handlers, and `finished` telling how the poll ended. Implements core's `UpdateSource`.
 *
 * @example
 * const poll = new GroupLongPoll({ api, checkpoint: { store, stream: 'group:1' } });
 * poll.on('message_new', async ({ object }, { signal }) => {
 *   if (object.message.text === 'ping')
 *     await api.messages.send({ peer_id: object.message.peer_id, message: 'pong', random_id: 0 }, { signal });
 * });
 * await poll.start();
 * // ...
 * const { abandoned } = await poll.stop();
 *
 * @example
 * for await (const update of new GroupLongPoll({ api })) console.log(update.type);
 */
export class GroupLongPoll extends LongPollClient<VkParsedUpdate> {
  private groupId: number | undefined;

  constructor(private readonly options: GroupLongPollOptions) {
    checkOptions(options);
    super(options, COMPONENT, 'long_poll');
    this.groupId = options.groupId;
    this.contextGroupId = options.groupId;
  }

  /** Handles every update (typed by `type`; narrow with `isUpdateOf` or a check on `type`). */
  on(handler: LongPollHandler<VkParsedUpdate>): this;
  /** Handles updates of one type, typed from the event map. */
  on<Type extends VkEventType>(type: Type, handler: LongPollHandler<VkUpdateOf<Type>>): this;
  on(typeOrHandler: string | LongPollHandler<VkParsedUpdate>, handler?: LongPollHandler<never>): this {
    if (typeof typeOrHandler === 'function') this.addHandler(undefined, typeOrHandler);
    else if (handler) this.addHandler(typeOrHandler, handler as LongPollHandler<VkParsedUpdate>);
    return this;
  }

  protected createSource(): PollSource<VkParsedUpdate> {
    return new BotsLongPollSource({
      api: this.options.api,
      groupId: () => this.resolveGroupId(),
      wait: this.options.wait ?? 25,
      validate: this.options.validate ?? true,
      http: this.http,
    });
  }

  protected eventIdOf(update: VkParsedUpdate): string | undefined {
    return update.event_id;
  }

  /** Finds the community, then checks (and with `ensureSettings`, fixes) its Long Poll settings. */
  protected override async prepare(signal: AbortSignal): Promise<void> {
    const groupId = await this.resolveGroupId(signal);
    this.contextGroupId = groupId;
    // A catch-all handler, a `for await` loop, or no handler yet: every type is wanted.
    const typed = this.handlers.length > 0 && this.handlers.every((entry) => entry.type !== undefined);
    const types =
      this.options.eventTypes ??
      (typed ? [...new Set(this.handlers.map((entry) => entry.type as VkEventType))] : undefined);
    const result = await ensureLongPollSettings(this.options.api, groupId, {
      types,
      apply: this.options.ensureSettings ?? false,
      signal,
    }).catch((error: unknown) => {
      if (signal.aborted) throw error;
      const fatal = refusal(error, { component: COMPONENT, groupId });
      // Reading settings needs the manage right; without it the poll can still run.
      if (fatal?.code !== 'long_poll_auth') {
        this.logger.warn(
          { error: errorText(error), groupId },
          `${COMPONENT}: could not read the community's Long Poll settings; handled events may be switched off there`,
        );
        return undefined;
      }
      throw fatal;
    });
    for (const warning of result?.warnings ?? []) this.logger.warn({ groupId }, warning);
  }

  /** The configured community, or the token's (`signal` ends the wait for VK's answer). */
  private async resolveGroupId(signal?: AbortSignal): Promise<number> {
    if (this.groupId !== undefined) return this.groupId;
    const asking = this.options.api.tokenInfo();
    const info = await (signal ? untilAborted(asking, signal) : asking).catch((error: unknown) => {
      throw refusal(error, { component: COMPONENT, groupId: undefined }) ?? error;
    });
    if (info.type !== 'group')
      throw new VkwireConfigError(
        COMPONENT,
        'groupId',
        `given with a ${info.type} token (a community token tells its own community; a user token must be an admin's)`,
      );
    this.groupId = info.groupId;
    return info.groupId;
  }
}
