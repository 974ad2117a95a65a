import type { VkButtonColor, VkKeyboardButtonInput } from '@vkwire/api-client';
import { KeyboardError } from './errors.js';
import { KEYBOARD_LIMITS } from './limits.js';
import { type ButtonPayload, encodePayload, parsePayload } from './payload.js';

/** Options of buttons that take a color (text and callback). */
export interface ColoredButtonOptions {
  /** Sent back with the press: an object (encoded as JSON) or a JSON string such as `like.pack(...)`. */
  payload?: ButtonPayload;
  /** @default 'secondary' (VK's default, white) */
  color?: VkButtonColor;
}

/** Options of buttons without a color (open_link, location, vkpay). */
export interface ButtonOptions {
  /** Sent back with the press: an object (encoded as JSON) or a JSON string. */
  payload?: ButtonPayload;
}

/** Options of an open_app button (opens a VK Mini App). */
export interface AppButtonOptions extends ButtonOptions {
  /** The Mini App's id. */
  appId: number;
  /** The community or user whose Mini App it is (negative for a community). */
  ownerId?: number;
  /** Goes after `#` in the app's launch parameters. */
  hash?: string;
}

/**
 * A VK Pay action, turned into the button's `hash` (a query string). Keys are VK's.
 *
 * @example
 * keyboard.vkpay({ action: 'pay-to-group', group_id: 1, amount: 100, description: 'Coffee' });
 */
export type VkPayAction =
  | {
      action: 'pay-to-group';
      group_id: number;
      amount: number;
      description?: string;
      data?: string;
      aid?: number;
    }
  | { action: 'pay-to-user'; user_id: number; amount: number; description?: string; aid?: number }
  | { action: 'transfer-to-group'; group_id: number; aid?: number }
  | { action: 'transfer-to-user'; user_id: number; aid?: number };

/** Button types that VK shows across the whole keyboard width: alone in their row. */
export const FULL_WIDTH_BUTTON_TYPES: ReadonlySet<string> = new Set(['location', 'vkpay', 'open_app']);
const COLORED = new Set(['text', 'callback']);
const LABELLED = new Set(['text', 'callback', 'open_link', 'open_app']);
const KNOWN_TYPES = new Set([...LABELLED, ...FULL_WIDTH_BUTTON_TYPES]);
const COLORS: ReadonlySet<string> = new Set<VkButtonColor>(['primary', 'secondary', 'negative', 'positive']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text button "Like"` or `location button`: how a button is named in messages. */
export function describeButton(button: VkKeyboardButtonInput): string {
  const action: unknown = isObject(button) ? button.action : undefined;
  if (!isObject(action) || typeof action.type !== 'string') return 'button';
  return typeof action.label === 'string'
    ? `${action.type} button ${quote(action.label)}`
    : `${action.type} button`;
}

/** A label in quotes, cut to 50 characters so a huge one does not flood the message. */
export function quote(label: string): string {
  return JSON.stringify(label.length > 50 ? `${label.slice(0, 50)}…` : label);
}

function payloadOf(payload: ButtonPayload | undefined, where: () => string): { payload?: string } {
  if (payload === undefined) return {};
  const result = encodePayload(payload);
  if (result.ok) return { payload: result.encoded };
  if (result.problem.kind === 'invalid')
    throw new KeyboardError(
      'invalid_payload',
      `${where()}: the payload is not usable: ${result.problem.reason}`,
    );
  throw new KeyboardError(
    'payload_too_long',
    `${where()}: the payload is ${result.problem.length} characters once encoded; VK allows at most ${KEYBOARD_LIMITS.payload}`,
    KEYBOARD_LIMITS.payload,
  );
}

/**
 * Checks one button against VK's rules and throws a `KeyboardError` naming `where` (e.g.
 * `buttons[0][2] (text button "Like")`) for the first problem.
 */
export function checkButton(button: VkKeyboardButtonInput, where: string): void {
  const action: unknown = isObject(button) ? button.action : undefined;
  if (!isObject(action) || typeof action.type !== 'string' || !KNOWN_TYPES.has(action.type)) {
    throw new KeyboardError(
      'invalid_button',
      `${where}: not a button VK knows; expected { action: { type } } with type one of ${[...KNOWN_TYPES].join(', ')}`,
    );
  }
  const { type } = action;
  if (LABELLED.has(type)) {
    const { label } = action;
    if (typeof label !== 'string' || label.length === 0)
      throw new KeyboardError('empty_label', `${where}: a ${type} button needs a non-empty label`);
    if (label.length > KEYBOARD_LIMITS.label) {
      throw new KeyboardError(
        'label_too_long',
        `${where}: the label is ${label.length} characters; VK allows at most ${KEYBOARD_LIMITS.label}`,
        KEYBOARD_LIMITS.label,
      );
    }
  }
  if (action.payload !== undefined) {
    if (typeof action.payload !== 'string' || parsePayload(action.payload) === undefined) {
      throw new KeyboardError('invalid_payload', `${where}: the payload must be a JSON string`);
    }
    if (action.payload.length > KEYBOARD_LIMITS.payload) {
      throw new KeyboardError(
        'payload_too_long',
        `${where}: the payload is ${action.payload.length} characters; VK allows at most ${KEYBOARD_LIMITS.payload}`,
        KEYBOARD_LIMITS.payload,
      );
    }
  }
  if (type === 'open_link' && (typeof action.link !== 'string' || !/^https?:\/\/\S+$/i.test(action.link)))
    throw new KeyboardError('invalid_button', `${where}: the link must be an http(s) URL`);
  if (type === 'open_app') {
    if (!Number.isSafeInteger(action.app_id) || (action.app_id as number) <= 0)
      throw new KeyboardError('invalid_button', `${where}: app_id must be a positive integer`);
    if (action.owner_id !== undefined && !Number.isSafeInteger(action.owner_id))
      throw new KeyboardError('invalid_button', `${where}: owner_id must be an integer`);
  }
  if (type === 'vkpay' && (typeof action.hash !== 'string' || action.hash.length === 0))
    throw new KeyboardError('invalid_button', `${where}: a vkpay button needs a non-empty hash`);
  const { color } = button;
  if (color !== undefined) {
    if (!COLORED.has(type))
      throw new KeyboardError('invalid_color', `${where}: only text and callback buttons take a color`);
    if (!COLORS.has(color))
      throw new KeyboardError('invalid_color', `${where}: color must be one of ${[...COLORS].join(', ')}`);
  }
}

function vkPayHash(action: string | VkPayAction): string {
  if (typeof action === 'string') return action;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(action)) {
    if (value !== undefined) query.set(key, String(value));
  }
  return query.toString();
}

function colorOf(color: VkButtonColor | undefined): { color?: VkButtonColor } {
  return color === undefined ? {} : { color };
}

/**
 * Makes buttons without checking them (the caller checks with its own `where`); `where` names the
 * button in a payload error.
 */
export const makeButton = {
  text: (label: string, options: ColoredButtonOptions, where: () => string): VkKeyboardButtonInput => ({
    action: { type: 'text', label, ...payloadOf(options.payload, where) },
    ...colorOf(options.color),
  }),
  callback: (label: string, options: ColoredButtonOptions, where: () => string): VkKeyboardButtonInput => ({
    action: { type: 'callback', label, ...payloadOf(options.payload, where) },
    ...colorOf(options.color),
  }),
  link: (label: string, url: string, options: ButtonOptions, where: () => string): VkKeyboardButtonInput => ({
    action: { type: 'open_link', link: url, label, ...payloadOf(options.payload, where) },
  }),
  location: (options: ButtonOptions, where: () => string): VkKeyboardButtonInput => ({
    action: { type: 'location', ...payloadOf(options.payload, where) },
  }),
  vkpay: (
    hash: string | VkPayAction,
    options: ButtonOptions,
    where: () => string,
  ): VkKeyboardButtonInput => ({
    action: { type: 'vkpay', hash: vkPayHash(hash), ...payloadOf(options.payload, where) },
  }),
  app: (label: string, options: AppButtonOptions, where: () => string): VkKeyboardButtonInput => ({
    action: {
      type: 'open_app',
      app_id: options.appId,
      ...(options.ownerId === undefined ? {} : { owner_id: options.ownerId }),
      ...(options.hash === undefined ? {} : { hash: options.hash }),
      label,
      ...payloadOf(options.payload, where),
    },
  }),
};

function checked(button: VkKeyboardButtonInput): VkKeyboardButtonInput {
  checkButton(button, describeButton(button));
  return button;
}

const named = (name: string) => () => name;

/**
 * Single buttons, checked against VK's rules when made (`KeyboardError`). For `Keyboard.from()`,
 * `keyboard.add()` and carousel elements.
 *
 * @example
 * Keyboard.from([[button.text('Yes', { color: 'positive' }), button.text('No', { color: 'negative' })]]);
 */
export const button = {
  /** A text button: the user sends `label` as a message, with the payload. */
  text: (label: string, options: ColoredButtonOptions = {}): VkKeyboardButtonInput =>
    checked(makeButton.text(label, options, named(`text button ${quote(label)}`))),
  /** A callback button: no message is sent; the bot gets a `message_event` with the payload. */
  callback: (label: string, options: ColoredButtonOptions = {}): VkKeyboardButtonInput =>
    checked(makeButton.callback(label, options, named(`callback button ${quote(label)}`))),
  /** An open_link button: opens `url` (http or https). */
  link: (label: string, url: string, options: ButtonOptions = {}): VkKeyboardButtonInput =>
    checked(makeButton.link(label, url, options, named(`open_link button ${quote(label)}`))),
  /** A location button (full width): the user sends their location. */
  location: (options: ButtonOptions = {}): VkKeyboardButtonInput =>
    checked(makeButton.location(options, named('location button'))),
  /** A VK Pay button (full width); `hash` is VK's query string or a `VkPayAction` to build it from. */
  vkpay: (hash: string | VkPayAction, options: ButtonOptions = {}): VkKeyboardButtonInput =>
    checked(makeButton.vkpay(hash, options, named('vkpay button'))),
  /** An open_app button (full width): opens a VK Mini App. */
  app: (label: string, options: AppButtonOptions): VkKeyboardButtonInput =>
    checked(makeButton.app(label, options, named(`open_app button ${quote(label)}`))),
} as const;
