import type {
  CallOptions,
  DocUploadOptions,
  MessagesSendInput,
  MessagesSendRecipient,
  UploadSource,
  VkApi,
  VkCarouselTemplate,
  VkEventData,
  VkForward,
  VkKeyboardInput,
} from '@vkwire/api-client';
import type { UpdateContext, UpdateTransport } from '@vkwire/core';
import {
  chatIdOf,
  normalizeSync,
  type VkMessage,
  type VkParsedUpdate,
  type VkwireEvent,
} from '@vkwire/events-schema';
import { type CommandCall, type CommandSettings, parseCommandCall } from './commands/parse.js';
import { validateKeyboard } from './keyboard/keyboard.js';
import { parsePayload } from './keyboard/payload.js';
import type { View } from './state/view/view.js';
import type { WaitFilter, WaitResult } from './state/wait/filter.js';
import { type WaitOptions, waitFor } from './state/wait/registry.js';

/** A keyboard as `reply` takes it: VK's JSON, or a builder with `build()` (a `Keyboard`). */
export type KeyboardLike = VkKeyboardInput | { build(): VkKeyboardInput };

/**
 * What `ctx.reply` and `ctx.send` take besides the text: every `messages.send` parameter but the
 * recipient and `random_id` (filled in), and `quote` to choose whether a reply in a chat quotes the
 * message it answers.
 *
 * @example
 * await ctx.reply({ message: 'Pick one', keyboard: new Keyboard().text('Yes').text('No') });
 */
export type SendOptions = Omit<
  MessagesSendInput,
  MessagesSendRecipient | 'random_id' | 'keyboard' | 'template'
> & {
  /** A keyboard: VK's JSON or a `Keyboard` builder. */
  keyboard?: KeyboardLike;
  /** A carousel: VK's JSON or a `Carousel` builder. */
  template?: VkCarouselTemplate | { build(): VkCarouselTemplate };
};

/** What `ctx.reply` takes: a text, or the message's options. */
export type ReplyInput = string | (SendOptions & { quote?: boolean });

/** What `ctx.edit` takes: a new text, or the message's new options. */
export type EditInput =
  | string
  | {
      message?: string;
      keyboard?: KeyboardLike;
      attachment?: string | readonly string[];
      keep_forward_messages?: boolean;
      keep_snippets?: boolean;
      dont_parse_links?: boolean;
      disable_mentions?: boolean;
    };

/**
 * Where a message-like update is: who wrote, in which conversation, what. Built once per context
 * from the update (a message, a message edit, a button press).
 */
export interface MessageView {
  readonly peerId: number;
  readonly senderId: number;
  readonly text: string | undefined;
  /** The message's id in the conversation (`conversation_message_id`). */
  readonly cmid: number | undefined;
  /** The payload as VK sent it (a JSON string in messages, a value in button presses). */
  readonly rawPayload: unknown;
}

/** What a bot gives each context: its API, its community and the bot's own services. */
export interface ContextEnv {
  /** The API client of the community (or user) the update belongs to. */
  readonly api: VkApi;
  /** The community the update belongs to (undefined for a user account's bot). */
  readonly groupId: number | undefined;
}

const noSignal = new AbortController().signal;

/** Commands as a bot reads them when it was not told otherwise. */
export const DEFAULT_COMMAND_SETTINGS: CommandSettings = Object.freeze({
  prefixes: Object.freeze(['/']),
  caseSensitive: false,
  strict: false,
  onArgumentError: 'reply',
});

/** The command a `command` handler was called for. */
export interface CommandMatch {
  /** The command's name as declared (its full path for a sub-command: `'admin ban'`). */
  readonly name: string;
  /** What the user typed for it (an alias, in the user's case). */
  readonly invokedAs: string;
  /** The prefix the user typed. */
  readonly prefix: string;
  /** The text after the command's name: what its arguments were read from. */
  readonly argsText: string;
}

/**
 * The delivery of a context: a transport's own context as it is (its signal may be made on first
 * read, so it is not copied), or what a `handleUpdate` caller gave completed with defaults.
 */
export function deliveryOf(
  given: Partial<UpdateContext> | undefined,
  defaults: {
    groupId: number | undefined;
    eventId: string | undefined;
    signal?: AbortSignal;
    transport?: UpdateTransport;
  },
): UpdateContext {
  if (given !== undefined && isComplete(given)) return given;
  return {
    transport: given?.transport ?? defaults.transport ?? 'direct',
    signal: given?.signal ?? defaults.signal ?? noSignal,
    groupId: given?.groupId ?? defaults.groupId,
    eventId: given?.eventId ?? defaults.eventId,
    retryCounter: given?.retryCounter ?? 0,
  };
}

function isComplete(given: Partial<UpdateContext>): given is UpdateContext {
  // `in`, not a read: a transport's signal may be a getter that creates it.
  return (
    'transport' in given &&
    'signal' in given &&
    'groupId' in given &&
    'eventId' in given &&
    'retryCounter' in given
  );
}

/**
 * What every bot context has, whatever the transport and the kind of bot: the update, the API, the
 * conversation, and the ways to answer. {@link Context} (communities) and `UserContext` (a user
 * account over User Long Poll) extend it.
 */
export abstract class BaseContext<U extends { type: string } = { type: string }> {
  /** Set by `hears` with a regular expression: the match. */
  match?: RegExpExecArray;
  /** Set by `command` with arguments: the parsed arguments (typed by the command's declaration). */
  args?: unknown;
  /** Set by `button` with callback data: the unpacked data (typed by the callback data). */
  data?: unknown;
  /**
   * Per-update scratch space for middleware: what one middleware leaves for the next. Plugins give
   * their own fields types by extending the context class (see the README).
   */
  get state(): Record<string, unknown> {
    this.scratch ??= {};
    return this.scratch;
  }
  private scratch: Record<string, unknown> | undefined;
  /** Set by `command`: which command was called and how. */
  command?: CommandMatch;
  /** Whether a button press has been answered (`ctx.answer`): the bot answers the rest itself. */
  answered = false;
  /** How commands are read (the bot's prefixes and case rule); set by the bot. */
  commandSettings: CommandSettings = DEFAULT_COMMAND_SETTINGS;
  private call: CommandCall | null | undefined;
  private messageView: MessageView | null | undefined;
  private parsedPayload: unknown;
  private payloadParsed = false;

  constructor(
    /** The update as the transport delivered it. */
    readonly update: U,
    /** The API client of the community (or user account) the update belongs to. */
    readonly api: VkApi,
    /** How it was delivered: transport, signal (aborted when the handler must give up), event id. */
    readonly delivery: UpdateContext,
  ) {}

  /** Builds the view of the conversation; null for updates that are not about a message. */
  protected abstract view(): MessageView | null;

  /** The community the update belongs to; undefined for a user account's bot. */
  get groupId(): number | undefined {
    return this.delivery.groupId;
  }

  /** Which transport delivered the update. */
  get transport(): UpdateTransport {
    return this.delivery.transport;
  }

  /** Aborted when the handler must give up (the bot's stop timeout, a Callback API deadline). */
  get signal(): AbortSignal {
    return this.delivery.signal;
  }

  private get conversation(): MessageView | null {
    if (this.messageView === undefined) this.messageView = this.view();
    return this.messageView;
  }

  /** The conversation the update is in (user id, 2000000000 + chat id, or -group id); undefined if none. */
  get peerId(): number | undefined {
    return this.conversation?.peerId;
  }

  /** Who wrote the message or pressed the button; undefined when the update has no author. */
  get senderId(): number | undefined {
    return this.conversation?.senderId;
  }

  /** The chat id (peer id − 2000000000) in a group chat; null in a private conversation or without one. */
  get chatId(): number | null {
    const peer = this.peerId;
    return peer === undefined ? null : chatIdOf(peer);
  }

  /** Whether the update is in a group chat. */
  get isChat(): boolean {
    return this.chatId !== null;
  }

  /** The message's text; undefined when the update is not a message. */
  get text(): string | undefined {
    return this.conversation?.text;
  }

  /** The message's `conversation_message_id`, or the pressed button's message's. */
  get conversationMessageId(): number | undefined {
    return this.conversation?.cmid;
  }

  /**
   * The payload: of the pressed text button (parsed from VK's JSON string), or of the callback
   * button. Undefined without one or when it is not valid JSON. User-controlled: validate it.
   */
  get payload(): unknown {
    if (!this.payloadParsed) {
      this.parsedPayload = parsePayload(this.conversation?.rawPayload);
      this.payloadParsed = true;
    }
    return this.parsedPayload;
  }

  /**
   * The message's text read as a command call (prefix, words), or null when it is not one: parsed
   * once per update, whatever number of commands look at it.
   */
  get commandCall(): CommandCall | null {
    if (this.call === undefined) {
      const text = this.update.type === 'message_new' ? this.text : undefined;
      this.call = text === undefined ? null : parseCommandCall(text, this.commandSettings, this.groupId);
    }
    return this.call;
  }

  /** The peer to answer to, or a clear error when the update is not in a conversation. */
  protected requirePeer(what: string): number {
    const peer = this.peerId;
    if (peer === undefined)
      throw new TypeError(`ctx.${what}() needs an update in a conversation; ${this.update.type} has none`);
    return peer;
  }

  /**
   * Sends a message to the update's conversation. In a chat it quotes the message it answers
   * (`quote: false` to not); in a private conversation it does not.
   *
   * @example
   * await ctx.reply('pong');
   * await ctx.reply({ message: 'Menu', keyboard: menu });
   */
  reply(input: ReplyInput, options?: CallOptions): Promise<number> {
    const peer = this.requirePeer('reply');
    const { quote, ...rest } = typeof input === 'string' ? { message: input, quote: undefined } : input;
    const forward = (quote ?? this.isChat) ? this.quote(peer) : undefined;
    return this.sendTo(peer, forward === undefined ? rest : { ...rest, forward }, options);
  }

  /**
   * Sends a message to the update's conversation without quoting anything.
   *
   * @example
   * await ctx.send('Done.');
   */
  send(input: string | SendOptions, options?: CallOptions): Promise<number> {
    const peer = this.requirePeer('send');
    return this.sendTo(peer, typeof input === 'string' ? { message: input } : input, options);
  }

  private sendTo(peer: number, input: SendOptions, options: CallOptions | undefined): Promise<number> {
    const { keyboard, template, ...rest } = input;
    return this.api.messages.send(
      {
        ...rest,
        ...(keyboard === undefined ? {} : { keyboard: keyboardJson(keyboard) }),
        ...(template === undefined ? {} : { template: 'build' in template ? template.build() : template }),
        peer_id: peer,
      } as MessagesSendInput,
      { signal: this.signal, ...options },
    );
  }

  /**
   * Edits the message the update is about: the message whose button was pressed, or the message of
   * a `message_new`/`message_edit` (only the bot's own messages can be edited).
   *
   * @example
   * bot.button(vote.filter(), (ctx) => ctx.edit(`Thanks for voting ${ctx.data.choice}`));
   */
  async edit(input: EditInput, options?: CallOptions): Promise<void> {
    const peer = this.requirePeer('edit');
    const ref = this.messageRef();
    if (ref === undefined) throw new TypeError(`ctx.edit() needs a message; ${this.update.type} names none`);
    const { keyboard, attachment, ...rest } = typeof input === 'string' ? { message: input } : input;
    await this.api.messages.edit(
      {
        ...rest,
        ...(keyboard === undefined ? {} : { keyboard: keyboardJson(keyboard) }),
        ...(attachment === undefined
          ? {}
          : { attachment: typeof attachment === 'string' ? attachment : attachment.join(',') }),
        peer_id: peer,
        ...('cmid' in ref ? { cmid: ref.cmid } : { message_id: ref.id }),
      },
      { signal: this.signal, ...options },
    );
  }

  /**
   * Deletes the message the update is about for everyone (the bot must be allowed to: its own
   * messages, or any in a chat where it is an admin).
   */
  async delete(options?: CallOptions): Promise<void> {
    const peer = this.requirePeer('delete');
    const ref = this.messageRef();
    if (ref === undefined)
      throw new TypeError(`ctx.delete() needs a message; ${this.update.type} names none`);
    await this.api.messages.delete(
      {
        peer_id: peer,
        ...('cmid' in ref ? { cmids: [ref.cmid] } : { message_ids: [ref.id] }),
        delete_for_all: 1,
        ...(this.groupId === undefined ? {} : { group_id: this.groupId }),
      },
      { signal: this.signal, ...options },
    );
  }

  /** Shows "typing…" in the conversation for a few seconds. */
  async typing(options?: CallOptions): Promise<void> {
    const peer = this.requirePeer('typing');
    await this.api.messages.setActivity(
      { peer_id: peer, type: 'typing', ...(this.groupId === undefined ? {} : { group_id: this.groupId }) },
      { signal: this.signal, ...options },
    );
  }

  /**
   * Uploads a photo and sends it to the conversation (quoting in chats, as `reply` does).
   *
   * @example
   * await ctx.replyWithPhoto(await readFile('chart.png'), { message: 'Today' });
   */
  async replyWithPhoto(
    source: UploadSource,
    input: Exclude<ReplyInput, string> = {},
    options?: CallOptions,
  ): Promise<number> {
    const peer = this.requirePeer('replyWithPhoto');
    const attachment = await this.api.upload.messagePhoto(peer, source, { signal: this.signal, ...options });
    return this.reply({ ...input, attachment: joinAttachments(attachment, input.attachment) }, options);
  }

  /** Uploads a document and sends it to the conversation (quoting in chats, as `reply` does). */
  async replyWithDoc(
    source: UploadSource,
    input: Exclude<ReplyInput, string> & { title?: string } = {},
    options?: CallOptions,
  ): Promise<number> {
    const peer = this.requirePeer('replyWithDoc');
    const { title, ...rest } = input;
    const upload: DocUploadOptions = {
      signal: this.signal,
      ...options,
      ...(title === undefined ? {} : { title }),
    };
    const attachment = await this.api.upload.messageDoc(peer, source, upload);
    return this.reply({ ...rest, attachment: joinAttachments(attachment, rest.attachment) }, options);
  }

  /**
   * Answers a callback button press (`message_event`): a snackbar, a link to open, an app to open,
   * or nothing (just stops the spinner). A press nobody answered is answered after the handlers.
   *
   * @example
   * bot.button(like.filter(), (ctx) => ctx.answer({ type: 'show_snackbar', text: 'Liked' }));
   */
  async answer(data?: VkEventData, options?: CallOptions): Promise<void> {
    const press = this.buttonPress();
    if (press === undefined)
      throw new TypeError(`ctx.answer() answers a callback button press; ${this.update.type} is not one`);
    this.answered = true;
    await this.api.messages.sendMessageEventAnswer(
      { ...press, ...(data === undefined ? {} : { event_data: data }) },
      { signal: this.signal, ...options },
    );
  }

  /**
   * How `edit` and `delete` name the message: by `conversation_message_id` (communities), or by
   * its id in the account's mailbox (a user account's events carry no cmid).
   */
  protected messageRef(): { cmid: number } | { id: number } | undefined {
    const cmid = this.conversationMessageId;
    return cmid === undefined ? undefined : { cmid };
  }

  /** How a reply quotes the message it answers; undefined when the update is no message. */
  protected quote(peer: number): VkForward | undefined {
    const cmid = this.conversationMessageId;
    if (cmid === undefined || this.update.type === 'message_event') return undefined;
    return { peer_id: peer, conversation_message_ids: [cmid], is_reply: true };
  }

  /** The incoming community message, for argument parsers (replied-to author, attachments); none in the base. */
  sourceMessage(): VkMessage | undefined {
    return undefined;
  }

  /** The ids `messages.sendMessageEventAnswer` needs, when the update is a callback button press. */
  buttonPress(): { event_id: string; user_id: number; peer_id: number } | undefined {
    return undefined;
  }
}

/**
 * The context of a community bot's update: the update (typed from the event map and narrowed by
 * `on`, `command`, filters), the normalized event, the community's API, and the ways to answer.
 *
 * @example
 * bot.on('message_new', async (ctx) => {
 *   console.log(ctx.update.object.message.text, ctx.peerId, ctx.isChat);
 *   await ctx.reply('Got it');
 * });
 */
export class Context<U extends VkParsedUpdate = VkParsedUpdate> extends BaseContext<U> {
  private normalized: VkwireEvent | undefined;

  /** The update as vkwire's normalized event (built on first read). */
  get event(): VkwireEvent {
    this.normalized ??= normalizeSync(this.update as VkParsedUpdate);
    return this.normalized;
  }

  /** The message of a `message_new`, `message_reply` or `message_edit`; undefined otherwise. */
  get message(): MessageOf<U> {
    const update = this.update as VkParsedUpdate;
    switch (update.type) {
      case 'message_new':
        return update.object.message as MessageOf<U>;
      case 'message_reply':
      case 'message_edit':
        return update.object as MessageOf<U>;
      default:
        return undefined as MessageOf<U>;
    }
  }

  /**
   * Waits for the next update of this update's user in this conversation that matches `filter`
   * (an update type as `bot.on` takes it, a predicate, or a filter object) and resolves with its
   * context, narrowed by the filter. Other users' updates and other conversations are not looked
   * at. The matched update is consumed: it goes to this wait and to no handler. While the handler
   * waits, the conversation's other updates are handled as usual (the waiting handler no longer
   * holds its conversation's queue). Lives in process memory: a restart forgets it.
   *
   * @throws WaitTimeoutError (`wait_timeout`) when nothing matched within `timeout` (default 5 min)
   * @throws WaitCancelledError (`wait_cancelled`) when the bot stops meanwhile
   * @example
   * bot.command('register', async (ctx) => {
   *   await ctx.reply('Your name?');
   *   const answer = await ctx.waitFor('message', { timeout: 60_000 });
   *   await answer.reply(`Hello, ${answer.text}`);
   * });
   */
  waitFor<const F extends WaitFilter>(filter: F, options?: WaitOptions): Promise<WaitResult<F>> {
    return waitFor(this as Context, filter, options) as Promise<WaitResult<F>>;
  }

  /**
   * Sends a view (`bot.view`) to this conversation: its text and buttons made from `state` (default
   * the view's initial state); a view that allows `'author'` answers only this update's user.
   * Resolves with the message id.
   *
   * @example
   * bot.command('poll', (ctx) => ctx.replyView(poll, { yes: 0, no: 0 }));
   */
  replyView<S>(view: View<S>, state?: S, extra?: Omit<SendOptions, 'keyboard'>): Promise<number> {
    return view.reply(this as Context, state, extra);
  }

  protected view(): MessageView | null {
    const update = this.update as VkParsedUpdate;
    switch (update.type) {
      case 'message_new':
      case 'message_reply':
      case 'message_edit': {
        const message = update.type === 'message_new' ? update.object.message : update.object;
        return {
          peerId: message.peer_id,
          senderId: message.from_id,
          text: message.text,
          cmid: message.conversation_message_id,
          rawPayload: message.payload,
        };
      }
      case 'message_event':
        return {
          peerId: update.object.peer_id,
          senderId: update.object.user_id,
          text: undefined,
          cmid: update.object.conversation_message_id,
          rawPayload: update.object.payload,
        };
      default:
        return null;
    }
  }

  override sourceMessage(): VkMessage | undefined {
    const update = this.update as VkParsedUpdate;
    return update.type === 'message_new' ? update.object.message : undefined;
  }

  override buttonPress(): { event_id: string; user_id: number; peer_id: number } | undefined {
    const update = this.update as VkParsedUpdate;
    if (update.type !== 'message_event') return undefined;
    return {
      event_id: update.object.event_id,
      user_id: update.object.user_id,
      peer_id: update.object.peer_id,
    };
  }
}

/** The message type of an update type's context. */
export type MessageOf<U> = U extends { type: 'message_new'; object: { message: infer M } }
  ? M
  : U extends { type: 'message_reply' | 'message_edit'; object: infer M }
    ? M
    : VkMessage | undefined;

/** VK's JSON of a keyboard; a plain one is checked against VK's limits as the builder's are. */
function keyboardJson(keyboard: KeyboardLike): VkKeyboardInput {
  return 'build' in keyboard && typeof keyboard.build === 'function'
    ? keyboard.build()
    : validateKeyboard(keyboard as VkKeyboardInput);
}

function joinAttachments(
  first: string,
  rest: string | number | readonly (string | number)[] | undefined,
): string {
  if (rest === undefined) return first;
  const more = typeof rest === 'object' ? rest.join(',') : String(rest);
  return more === '' ? first : `${first},${more}`;
}
