import type { VkKeyboardButtonInput, VkKeyboardInput } from '@vkwire/api-client';
import {
  type AppButtonOptions,
  type ButtonOptions,
  type ColoredButtonOptions,
  checkButton,
  describeButton,
  FULL_WIDTH_BUTTON_TYPES,
  makeButton,
  quote,
  type VkPayAction,
} from './button.js';
import { KeyboardError } from './errors.js';
import { KEYBOARD_LIMITS } from './limits.js';

/** Options of `new Keyboard()`. */
export interface KeyboardOptions {
  /** Show the keyboard inside the message instead of below the input field. @default false */
  inline?: boolean;
  /** Hide a standard keyboard after a text or location button is pressed; not for inline ones. @default false */
  oneTime?: boolean;
}

const isFullWidth = (button: VkKeyboardButtonInput): boolean =>
  FULL_WIDTH_BUTTON_TYPES.has(button.action.type);
const kindOf = (inline: boolean): string => (inline ? 'an inline' : 'a standard');

/** Throws when `button` may not go into `row` (full, or a full-width button with company). */
function checkRowRoom(
  row: readonly VkKeyboardButtonInput[],
  button: VkKeyboardButtonInput,
  where: string,
): void {
  const { buttonsPerRow } = KEYBOARD_LIMITS.standard;
  if (row.length >= buttonsPerRow) {
    throw new KeyboardError(
      'too_many_buttons_in_row',
      `${where}: the row would hold ${row.length + 1} buttons; VK allows at most ${buttonsPerRow} per row`,
      buttonsPerRow,
    );
  }
  const wide = isFullWidth(button) ? button : row.find(isFullWidth);
  if (wide !== undefined && row.length > 0) {
    throw new KeyboardError(
      'full_width_not_alone',
      `${where}: a ${wide.action.type} button is shown full width and must be alone in its row, but the row would hold ${row.length + 1} buttons`,
      1,
    );
  }
}

/**
 * Checks a whole keyboard against VK's rules (vk-protocol §8.1) and returns it; throws a
 * `KeyboardError` for the first problem. `{ buttons: [] }` (hide the keyboard) is valid.
 * `Keyboard#build()` runs it; use it for keyboards written as plain objects.
 *
 * @example
 * await api.messages.send({ peer_id, random_id: 0, message: 'Pick', keyboard: validateKeyboard(raw) });
 */
export function validateKeyboard(keyboard: VkKeyboardInput): VkKeyboardInput {
  const inline = keyboard.inline === true;
  if (inline && keyboard.one_time === true)
    throw new KeyboardError('one_time_inline', 'Keyboard: one_time is not supported for inline keyboards');
  if (!Array.isArray(keyboard.buttons))
    throw new KeyboardError('invalid_button', 'Keyboard: buttons must be an array of rows');
  const limits = inline ? KEYBOARD_LIMITS.inline : KEYBOARD_LIMITS.standard;
  let total = 0;
  keyboard.buttons.forEach((row, rowIndex) => {
    if (!Array.isArray(row))
      throw new KeyboardError('invalid_button', `Keyboard: buttons[${rowIndex}] must be an array of buttons`);
    if (row.length === 0)
      throw new KeyboardError(
        'empty_row',
        `Keyboard: buttons[${rowIndex}] is an empty row; every row needs a button`,
      );
    const seen: VkKeyboardButtonInput[] = [];
    row.forEach((button, index) => {
      const where = `buttons[${rowIndex}][${index}]`;
      checkButton(button, where);
      checkRowRoom(seen, button, `${where} (${describeButton(button)})`);
      seen.push(button);
    });
    total += row.length;
  });
  if (inline && keyboard.buttons.length === 0)
    throw new KeyboardError('empty_keyboard', 'Keyboard: an inline keyboard needs at least one button');
  if (keyboard.buttons.length > limits.rows) {
    throw new KeyboardError(
      'too_many_rows',
      `Keyboard: ${keyboard.buttons.length} rows; VK allows at most ${limits.rows} in ${kindOf(inline)} keyboard`,
      limits.rows,
    );
  }
  if (total > limits.buttons) {
    throw new KeyboardError(
      'too_many_buttons',
      `Keyboard: ${total} buttons; VK allows at most ${limits.buttons} in ${kindOf(inline)} keyboard`,
      limits.buttons,
    );
  }
  return keyboard;
}

/**
 * Builds a VK keyboard row by row. Every button is checked when it is added (label, payload, row
 * room) and the whole keyboard on `build()` (rows, totals), so an invalid keyboard throws a
 * `KeyboardError` here instead of being refused by VK (error 911). `toJSON()` returns the built
 * keyboard, so a `Keyboard` can be given wherever a keyboard is encoded as JSON.
 *
 * @example
 * const keyboard = Keyboard.inline()
 *   .callback('👍', { payload: like.pack({ id: 1 }), color: 'positive' })
 *   .link('Site', 'https://example.com')
 *   .row()
 *   .text('Menu', { payload: { cmd: 'menu' } });
 * await api.messages.send({ peer_id, random_id: 0, message: 'Hi', keyboard: keyboard.build() });
 */
export class Keyboard {
  /** Shown inside the message. */
  readonly inline: boolean;
  /** Hidden after a press (standard keyboards). */
  readonly oneTime: boolean;
  readonly #rows: VkKeyboardButtonInput[][] = [[]];

  /** @throws KeyboardError `one_time_inline` when both `inline` and `oneTime` are set. */
  constructor(options: KeyboardOptions = {}) {
    this.inline = options.inline ?? false;
    this.oneTime = options.oneTime ?? false;
    if (this.inline && this.oneTime)
      throw new KeyboardError('one_time_inline', 'Keyboard: oneTime is not supported for inline keyboards');
  }

  /** An inline keyboard (shown inside the message): `new Keyboard({ inline: true })`. */
  static inline(): Keyboard {
    return new Keyboard({ inline: true });
  }

  /**
   * The keyboard that hides a standard keyboard: `{ buttons: [] }`.
   *
   * @example
   * await ctx.reply({ message: 'Done', keyboard: Keyboard.remove() });
   */
  static remove(): VkKeyboardInput {
    return { buttons: [] };
  }

  /**
   * A keyboard from rows of buttons (made with `button.*` or written as VK objects), checked as
   * `add()` checks them; an empty row throws `empty_row`.
   *
   * @example
   * Keyboard.from([[button.text('Yes'), button.text('No')], [button.location()]], { oneTime: true });
   */
  static from(
    rows: ReadonlyArray<ReadonlyArray<VkKeyboardButtonInput>>,
    options: KeyboardOptions = {},
  ): Keyboard {
    const keyboard = new Keyboard(options);
    rows.forEach((row, rowIndex) => {
      if (row.length === 0)
        throw new KeyboardError(
          'empty_row',
          `Keyboard.from: row ${rowIndex} is empty; every row needs a button`,
        );
      for (const item of row) keyboard.add(item);
      keyboard.row();
    });
    return keyboard;
  }

  /** Adds a text button: the user sends `label` as a message, with the payload. */
  text(label: string, options: ColoredButtonOptions = {}): this {
    return this.add(makeButton.text(label, options, () => this.#where(`text button ${quote(label)}`)));
  }

  /** Adds a callback button: no message is sent, the bot gets a `message_event` with the payload. */
  callback(label: string, options: ColoredButtonOptions = {}): this {
    return this.add(
      makeButton.callback(label, options, () => this.#where(`callback button ${quote(label)}`)),
    );
  }

  /** Adds an open_link button that opens `url` (http or https). */
  link(label: string, url: string, options: ButtonOptions = {}): this {
    return this.add(
      makeButton.link(label, url, options, () => this.#where(`open_link button ${quote(label)}`)),
    );
  }

  /** Adds a location button; it is full width, so it must be alone in its row. */
  location(options: ButtonOptions = {}): this {
    return this.add(makeButton.location(options, () => this.#where('location button')));
  }

  /**
   * Adds a VK Pay button (full width, alone in its row); `hash` is VK's query string or a
   * `VkPayAction` it is built from.
   *
   * @example
   * keyboard.vkpay({ action: 'transfer-to-group', group_id: 1, aid: 10 });
   */
  vkpay(hash: string | VkPayAction, options: ButtonOptions = {}): this {
    return this.add(makeButton.vkpay(hash, options, () => this.#where('vkpay button')));
  }

  /** Adds an open_app button that opens a VK Mini App (full width, alone in its row). */
  app(label: string, options: AppButtonOptions): this {
    return this.add(makeButton.app(label, options, () => this.#where(`open_app button ${quote(label)}`)));
  }

  /** Adds any button (e.g. from `button.*`) to the current row, checking it. */
  add(button: VkKeyboardButtonInput): this {
    const row = this.#rows.at(-1)!;
    const where = this.#where(describeButton(button));
    checkButton(button, where);
    checkRowRoom(row, button, where);
    row.push(button);
    return this;
  }

  /** Starts a new row. Does nothing when the current row is still empty, so a trailing `row()` is harmless. */
  row(): this {
    if (this.#rows.at(-1)!.length > 0) this.#rows.push([]);
    return this;
  }

  /**
   * The keyboard as VK takes it, checked: `one_time`/`inline` set, rows copied (changing the
   * builder later does not change it).
   *
   * @throws KeyboardError `empty_keyboard` without buttons (use `Keyboard.remove()` to hide a
   *   keyboard), `too_many_rows`, `too_many_buttons`.
   */
  build(): VkKeyboardInput {
    const rows = this.#rows.filter((row) => row.length > 0).map((row) => [...row]);
    if (rows.length === 0) {
      throw new KeyboardError(
        'empty_keyboard',
        'Keyboard: no buttons were added; to hide a keyboard send Keyboard.remove()',
      );
    }
    const keyboard: VkKeyboardInput = this.inline
      ? { inline: true, buttons: rows }
      : { one_time: this.oneTime, inline: false, buttons: rows };
    return validateKeyboard(keyboard);
  }

  /** Same as `build()`: lets `JSON.stringify` (and API parameter encoding) take a `Keyboard`. */
  toJSON(): VkKeyboardInput {
    return this.build();
  }

  #where(what: string): string {
    const rowIndex = this.#rows.length - 1;
    return `buttons[${rowIndex}][${this.#rows[rowIndex]!.length}] (${what})`;
  }
}
