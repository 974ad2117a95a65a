import type { VkButtonColor } from '@vkwire/api-client';
import type { KeyValueStore } from '@vkwire/core';
import type { Context } from '../../context.js';
import type { ViewHandle } from './handle.js';

/**
 * Who may press a view's buttons: `'author'` (the user the view was sent in reply to), `'anyone'`,
 * a list of user ids, or a test of the press and the view's state.
 */
export type ViewAllow<S> = 'author' | 'anyone' | readonly number[] | ((ctx: Context, state: S) => boolean);

/** Options of `bot.view(name, options, build)`. */
export interface ViewOptions<S> {
  /** The state a view starts with when `replyView` is given none (JSON-compatible). */
  state: S;
  /** The message's text, or how it is made from the state. */
  text: string | ((state: S) => string);
  /** Milliseconds a sent view can be pressed; later presses get `expiredText`. @default 3600000 (1 hour) */
  ttlMs?: number;
  /** Who may press its buttons; the others get `refusedText` and nothing runs. @default 'anyone' */
  allow?: ViewAllow<S>;
  /**
   * Where a state too big for the buttons' payloads (VK allows 255 characters) is kept, under a
   * short id, for `ttlMs`: core's `KeyValueStore` (redis-bridge's for several workers).
   * @default a MemoryKeyValueStore of this view
   */
  store?: KeyValueStore;
  /** The snackbar a refused user sees. @default 'This is not for you' */
  refusedText?: string;
  /** The snackbar a press of an expired view gets. @default 'This has expired' */
  expiredText?: string;
  /**
   * The key the buttons' payloads are signed with (HMAC-SHA256): a press whose payload was not made
   * by this bot (a changed state, author or expiry) is refused with `refusedText` and a warning.
   * Give the same stable secret to every worker and keep it across restarts (required with a
   * `store` other than a `MemoryKeyValueStore`). @default the bot's `viewSecret`, else a random key
   * of this process (views sent before a restart are then refused)
   */
  secret?: string | Uint8Array;
}

/** A button handler of a view: the press, and the view with its state. */
export type ViewHandler<S> = (ctx: Context, view: ViewHandle<S>) => unknown;

/** Options of a view's button. */
export interface ViewButtonOptions {
  /** @default 'secondary' */
  color?: VkButtonColor;
}

/** A button's label: a text, or how it is made from the state. */
export type ViewLabel<S> = string | ((state: S) => string);
