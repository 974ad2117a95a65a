import type { VkApi } from '@vkwire/api-client';
import type { VkEventType, VkParsedUpdate, VkUpdateOf } from '@vkwire/events-schema';
import { BotsLongPollSource } from './bots-source.js';
import { LongPollClient, type LongPollClientOptions, type UpdateHandler } from './client.js';
import type { PollSource } from './engine.js';
import { ensureLongPollSettings } from './settings.js';

/** Options of `new GroupLongPoll(...)`. Only `api` is required. */
export interface GroupLongPollOptions extends LongPollClientOptions<VkParsedUpdate> {
  /** A community token's client. */
  api: VkApi;
  /** The community. @default detected from the token (`api.tokenInfo()`) */
  groupId?: number;
  /** Check each update against events-schema (off only for trusted input). @default true */
  validate?: boolean;
  /**
   * Before starting, make the community's Long Poll deliver what the handlers need: `true` enables
   * Bots Long Poll at API 5.199 with exactly the handled event types; `false` only checks and warns.
   * @default false
   */
  ensureSettings?: boolean;
}

/**
 * A Bots Long Poll client: every handler awaited, concurrency bounded and ordered per
 * conversation, `failed` 1/2/3 handled as VK says, checkpoints after handling, a `stop()` that
 * aborts the held request and waits for running handlers.
 *
 * @example
 * const poll = new GroupLongPoll({ api, onCheckpoint: (ts) => store.save(ts) });
 * poll.on('message_new', async ({ object }) => {
 *   if (object.message.text === 'ping') await api.messages.send({ peer_id: object.message.peer_id, message: 'pong' });
 * });
 * await poll.start();
 * // ...
 * await poll.stop();
 *
 * @example
 * for await (const update of new GroupLongPoll({ api })) console.log(update.type);
 */
export class GroupLongPoll extends LongPollClient<VkParsedUpdate> {
  private groupId: number | undefined;

  constructor(private readonly options: GroupLongPollOptions) {
    super(options);
    this.groupId = options.groupId;
  }

  /** Handles every update (typed by `type`; narrow with `isUpdateOf` or a check on `type`). */
  on(handler: UpdateHandler<VkParsedUpdate>): this;
  /** Handles updates of one type, typed from the event map. */
  on<Type extends VkEventType>(type: Type, handler: UpdateHandler<VkUpdateOf<Type>>): this;
  on(typeOrHandler: string | UpdateHandler<VkParsedUpdate>, handler?: UpdateHandler<never>): this {
    if (typeof typeOrHandler === 'function') this.addHandler(undefined, typeOrHandler);
    else if (handler) this.addHandler(typeOrHandler, handler as UpdateHandler<VkParsedUpdate>);
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

  /** Checks (and with `ensureSettings`, fixes) the community's Long Poll settings. */
  protected override async prepare(): Promise<void> {
    // A catch-all handler, a `for await` loop, or no handler yet: every type is wanted.
    const typed = this.handlers.length > 0 && this.handlers.every((entry) => entry.type !== undefined);
    const types = typed ? [...new Set(this.handlers.map((entry) => entry.type as string))] : undefined;
    const result = await ensureLongPollSettings(this.options.api, await this.resolveGroupId(), {
      types,
      apply: this.options.ensureSettings ?? false,
    }).catch((error: unknown) => {
      // Reading settings needs the manage right; without it the poll can still run.
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'could not read Long Poll settings',
      );
      return undefined;
    });
    for (const warning of result?.warnings ?? []) this.logger.warn({ warning }, warning);
  }

  private async resolveGroupId(): Promise<number> {
    if (this.groupId !== undefined) return this.groupId;
    const info = await this.options.api.tokenInfo();
    if (info.type !== 'group')
      throw new TypeError('GroupLongPoll needs a community token (or pass groupId with an admin user token)');
    this.groupId = info.groupId;
    return info.groupId;
  }
}
