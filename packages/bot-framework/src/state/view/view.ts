import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  errorText,
  type KeyValueStore,
  type Logger,
  MemoryKeyValueStore,
  VkwireConfigError,
} from '@vkwire/core';
import type { ButtonContext, PayloadQuery } from '../../composer.js';
import type { Context, SendOptions } from '../../context.js';
import { type CallbackData, defineCallbackData } from '../../keyboard/callback-data.js';
import { CallbackDataError } from '../../keyboard/errors.js';
import { Keyboard } from '../../keyboard/keyboard.js';
import type { ViewHandle } from './handle.js';
import type { ViewAllow, ViewButtonOptions, ViewHandler, ViewLabel, ViewOptions } from './options.js';

const COMPONENT = 'View';
const DEFAULT_TTL_MS = 3_600_000;
/** The views' signing key when none is given: this process's only (a restart changes it). */
const PROCESS_KEY = randomBytes(32);
/** Characters of the (base64url) HMAC kept in a payload: 96 bits. */
const SIGNATURE_LENGTH = 16;

/**
 * What a view's buttons carry: the button (`b`), the expiry (`e`, ms since the epoch), the author
 * (`a`, 0 for none), the state inline as JSON (`s`) or its storage id (`k`), and their signature
 * (`h`: an HMAC of all of it and the chat, with the view's secret).
 */
export interface ViewData {
  b: string;
  e: number;
  a: number;
  s?: string;
  k?: string;
  h?: string;
}

interface ViewButton<S> {
  readonly id: string;
  readonly label: ViewLabel<S>;
  readonly handler: ViewHandler<S>;
  readonly options: ViewButtonOptions;
}

/** Lays out a view's buttons: `button` adds one to the current row, `row` starts the next. */
export class ViewBuilder<S> {
  /** @internal the rows as declared */
  readonly rows: Array<Array<ViewButton<S>>> = [[]];
  private readonly ids = new Set<string>();

  constructor(private readonly name: string) {}

  /**
   * Adds a callback button: `id` names it in payloads (keep it short), `label` is its text (or made
   * from the state), `handler` runs on an allowed press of an unexpired view.
   *
   * @throws VkwireConfigError for an empty or repeated id
   */
  button(id: string, label: ViewLabel<S>, handler: ViewHandler<S>, options: ViewButtonOptions = {}): this {
    if (typeof id !== 'string' || id === '' || this.ids.has(id))
      throw new VkwireConfigError(
        COMPONENT,
        `${this.name}.button`,
        'a non-empty id not used yet in the view',
        {
          got: id,
        },
      );
    this.ids.add(id);
    (this.rows.at(-1) as Array<ViewButton<S>>).push({ id, label, handler, options });
    return this;
  }

  /** Starts a new row of buttons. */
  row(): this {
    if ((this.rows.at(-1) as Array<ViewButton<S>>).length > 0) this.rows.push([]);
    return this;
  }
}

/** Where a sent view is: what `update` and `close` need. */
interface Sent<S> {
  state: S;
  author: number;
  expiresAt: number;
  key: string | undefined;
}

/**
 * A message with callback buttons bound to handlers and state (vkflow's View): made by `bot.view`,
 * sent by `ctx.replyView(view, state)`. Each press is checked (expired? allowed?) before its
 * handler runs; a refused or expired press gets a snackbar and runs nothing. The state rides in
 * the buttons' payloads; a state too big for VK's 255 characters is kept in the store under a
 * short id.
 */
export class View<S> {
  /** Matches the presses of this view's buttons (what the bot routes to `press`). */
  readonly query: PayloadQuery<ViewData>;
  private readonly codec: CallbackData<ViewData>;
  private readonly rows: ReadonlyArray<ReadonlyArray<ViewButton<S>>>;
  private readonly buttons = new Map<string, ViewButton<S>>();
  private readonly ttlMs: number;
  private readonly allow: ViewAllow<S>;
  private readonly store: KeyValueStore;
  private readonly key: Uint8Array;

  /**
   * @param name the view's name (in its payloads)
   * @param options its state, text, buttons' access and expiry, store and secret
   * @param build lays out its buttons
   * @param logger where a forged press is reported
   * @param defaultSecret the bot's `viewSecret`, for a view without its own `secret`
   */
  constructor(
    readonly name: string,
    private readonly options: ViewOptions<S>,
    build: (view: ViewBuilder<S>) => void,
    private readonly logger?: Logger,
    defaultSecret?: string | Uint8Array,
  ) {
    if (typeof name !== 'string' || name === '')
      throw new VkwireConfigError(COMPONENT, 'name', 'a non-empty string', { got: name });
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    if (!Number.isFinite(this.ttlMs) || this.ttlMs <= 0)
      throw new VkwireConfigError(COMPONENT, `${name}.ttlMs`, 'a positive number of milliseconds', {
        got: options.ttlMs,
      });
    this.allow = options.allow ?? 'anyone';
    this.store = options.store ?? new MemoryKeyValueStore();
    const secret = options.secret ?? defaultSecret;
    if (secret !== undefined && !(typeof secret === 'string' ? secret.length > 0 : secret.byteLength > 0))
      throw new VkwireConfigError(COMPONENT, `${name}.secret`, 'a non-empty string or bytes', {
        got: secret,
        secret: true,
      });
    if (
      secret === undefined &&
      options.store !== undefined &&
      !(options.store instanceof MemoryKeyValueStore)
    )
      throw new VkwireConfigError(
        COMPONENT,
        `${name}.secret`,
        "a stable secret shared by every worker (the view's `secret` or the bot's `viewSecret`): with a shared `store`, another process must accept this one's buttons",
      );
    this.key = secret === undefined ? PROCESS_KEY : typeof secret === 'string' ? Buffer.from(secret) : secret;
    const builder = new ViewBuilder<S>(name);
    build(builder);
    this.rows = builder.rows.filter((row) => row.length > 0);
    for (const row of this.rows) for (const button of row) this.buttons.set(button.id, button);
    if (this.buttons.size === 0)
      throw new VkwireConfigError(COMPONENT, name, 'at least one button (view.button(...) in build)');
    this.codec = defineCallbackData(`v:${name}`, {
      b: 'string',
      e: 'number',
      a: 'number',
      s: { type: 'string', optional: true },
      k: { type: 'string', optional: true },
      h: { type: 'string', optional: true },
    });
    this.query = this.codec.filter();
  }

  /**
   * Sends the view in reply to `ctx` (its text and buttons made from `state`, default the view's
   * initial state); `'author'` views then answer only `ctx`'s user. Resolves with the message id.
   */
  async reply(
    ctx: Context,
    state: S = this.options.state,
    extra: Omit<SendOptions, 'keyboard'> = {},
  ): Promise<number> {
    const sent: Sent<S> = {
      state,
      author: ctx.senderId ?? 0,
      expiresAt: Date.now() + this.ttlMs,
      key: undefined,
    };
    const keyboard = await this.render(ctx, sent);
    return ctx.send({ ...extra, message: this.text(state), keyboard });
  }

  /** Handles a press of one of this view's buttons (the bot routes them here). */
  async press(ctx: ButtonContext<Context, ViewData>): Promise<void> {
    // A view's buttons are callback buttons: a text message carrying such a payload runs nothing.
    if (ctx.buttonPress() === undefined) return;
    const data = ctx.data;
    if (!this.verify(ctx, data)) {
      this.logger?.warn(
        { view: this.name, peer_id: ctx.peerId, user_id: ctx.senderId, event_id: ctx.delivery.eventId },
        'a view button press carried a payload this bot did not sign: refused (forged, or signed with another secret)',
      );
      await this.snackbar(ctx, this.options.refusedText ?? 'This is not for you');
      return;
    }
    const button = this.buttons.get(data.b);
    const live = Date.now() <= data.e && button !== undefined && !(await this.isClosed(ctx));
    const state = live ? await this.stateOf(ctx, data) : undefined;
    if (state === undefined || button === undefined) {
      await this.snackbar(ctx, this.options.expiredText ?? 'This has expired');
      return;
    }
    if (!this.allows(ctx, state.value, data.a)) {
      await this.snackbar(ctx, this.options.refusedText ?? 'This is not for you');
      return;
    }
    const sent: Sent<S> = { state: state.value, author: data.a, expiresAt: data.e, key: data.k };
    await button.handler(ctx, this.handle(ctx, sent));
  }

  private handle(ctx: Context, sent: Sent<S>): ViewHandle<S> {
    return {
      name: this.name,
      state: sent.state,
      author: sent.author === 0 ? undefined : sent.author,
      expiresAt: sent.expiresAt,
      update: async (state) => {
        const next = { ...sent, state };
        await ctx.edit({ message: this.text(state), keyboard: await this.render(ctx, next) });
        sent.state = state;
        sent.key = next.key;
      },
      close: async (text) => {
        // Closed first: a press racing the edit finds the view expired.
        const ttlMs = Math.max(1, sent.expiresAt - Date.now());
        await this.store.set(this.closedKey(ctx), true, { ttlMs });
        if (sent.key !== undefined) await this.store.delete(this.storeKey(ctx, sent.key));
        // An edit that names no keyboard leaves the message without one.
        await ctx.edit({ message: text ?? this.text(sent.state) });
      },
    };
  }

  /** The inline keyboard of a sent view; stores the state when it does not fit in the payloads. */
  private async render(ctx: Context, sent: Sent<S>): Promise<Keyboard> {
    const json = JSON.stringify(sent.state);
    if (json === undefined)
      throw new VkwireConfigError(COMPONENT, `${this.name} state`, 'a JSON-compatible value', {
        got: sent.state,
      });
    let inline = sent.key === undefined;
    if (inline) {
      try {
        for (const row of this.rows) for (const button of row) this.pack(ctx, button.id, sent, { s: json });
      } catch (error) {
        if (!(error instanceof CallbackDataError && error.code === 'payload_too_long')) throw error;
        inline = false;
      }
    }
    if (!inline) {
      sent.key ??= randomBytes(9).toString('base64url');
      const ttlMs = Math.max(1, sent.expiresAt - Date.now());
      await this.store.set(this.storeKey(ctx, sent.key), sent.state, { ttlMs });
    }
    const keyboard = Keyboard.inline();
    this.rows.forEach((row, index) => {
      if (index > 0) keyboard.row();
      for (const button of row) {
        const label = typeof button.label === 'function' ? button.label(sent.state) : button.label;
        const payload = this.pack(ctx, button.id, sent, inline ? { s: json } : { k: sent.key as string });
        keyboard.callback(label, {
          payload,
          ...(button.options.color === undefined ? {} : { color: button.options.color }),
        });
      }
    });
    return keyboard;
  }

  private pack(ctx: Context, id: string, sent: Sent<S>, state: { s: string } | { k: string }): string {
    const data: ViewData = { b: id, e: sent.expiresAt, a: sent.author, ...state };
    return this.codec.pack({ ...data, h: this.sign(ctx, data) });
  }

  /** The signature of a payload's fields and the chat it is in. */
  private sign(ctx: Context, data: ViewData): string {
    const text = [
      this.name,
      ctx.groupId ?? 0,
      ctx.peerId ?? 0,
      data.b,
      data.e,
      data.a,
      data.s ?? '',
      data.k ?? '',
    ];
    return createHmac('sha256', this.key)
      .update(JSON.stringify(text))
      .digest('base64url')
      .slice(0, SIGNATURE_LENGTH);
  }

  /** Whether a pressed payload carries this bot's signature (compared in constant time). */
  private verify(ctx: Context, data: ViewData): boolean {
    if (typeof data.h !== 'string' || data.h.length !== SIGNATURE_LENGTH) return false;
    try {
      return timingSafeEqual(Buffer.from(data.h), Buffer.from(this.sign(ctx, data)));
    } catch (error) {
      this.logger?.warn({ view: this.name, error: errorText(error) }, 'could not check a view payload');
      return false;
    }
  }

  /** The pressed message's state: inline, or from the store (undefined once expired there). */
  private async stateOf(ctx: Context, data: ViewData): Promise<{ value: S } | undefined> {
    if (data.s !== undefined) {
      try {
        return { value: JSON.parse(data.s) as S };
      } catch {
        return undefined;
      }
    }
    if (data.k === undefined) return undefined;
    const entry = await this.store.get(this.storeKey(ctx, data.k));
    return entry === undefined ? undefined : { value: entry.value as S };
  }

  private allows(ctx: Context, state: S, author: number): boolean {
    const user = ctx.senderId;
    const allow = this.allow;
    if (allow === 'anyone') return true;
    if (allow === 'author') return user !== undefined && user === author;
    if (typeof allow === 'function') return allow(ctx, state);
    return user !== undefined && allow.includes(user);
  }

  /** Whether `close()` closed the pressed message. */
  private async isClosed(ctx: Context): Promise<boolean> {
    if (ctx.conversationMessageId === undefined) return false;
    return (await this.store.get(this.closedKey(ctx))) !== undefined;
  }

  private closedKey(ctx: Context): string {
    return `${ctx.groupId ?? 0}:view:${this.name}:closed:${ctx.peerId}:${ctx.conversationMessageId}`;
  }

  private storeKey(ctx: Context, key: string): string {
    return `${ctx.groupId ?? 0}:view:${this.name}:${key}`;
  }

  private text(state: S): string {
    return typeof this.options.text === 'function' ? this.options.text(state) : this.options.text;
  }

  private snackbar(ctx: Context, text: string): Promise<void> {
    return ctx.answer({ type: 'show_snackbar', text });
  }
}
