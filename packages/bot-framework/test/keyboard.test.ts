import type { VkButtonColor, VkKeyboardButtonInput, VkKeyboardInput } from '@vkwire/api-client';
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  button,
  type ColoredButtonOptions,
  Keyboard,
  KeyboardError,
  type KeyboardErrorCode,
  validateKeyboard,
} from '../src/keyboard/index.js';

/** Runs `build` and returns the KeyboardError it throws (fails the test when it throws nothing else). */
function keyboardError(build: () => unknown): KeyboardError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyboardError);
    return error as KeyboardError;
  }
  throw new Error('expected a KeyboardError, nothing was thrown');
}

function expectKeyboardError(build: () => unknown, code: KeyboardErrorCode, message: RegExp): KeyboardError {
  const error = keyboardError(build);
  expect(error.name).toBe('KeyboardError');
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  return error;
}

const texts = (keyboard: Keyboard, count: number, perRow = 5): Keyboard => {
  for (let index = 0; index < count; index += 1) {
    if (index > 0 && index % perRow === 0) keyboard.row();
    keyboard.text(`b${index}`);
  }
  return keyboard;
};

describe('building', () => {
  test('every button type becomes the VK object, payloads encoded as JSON once', () => {
    const keyboard = new Keyboard({ oneTime: true })
      .text('Yes', { payload: { cmd: 'yes' }, color: 'positive' })
      .callback('Like', { payload: '{"c":["like",1]}', color: 'primary' })
      .link('Site', 'https://example.com/a?b=1')
      .row()
      .location({ payload: { where: true } })
      .row()
      .vkpay({ action: 'pay-to-group', group_id: 1, amount: 100, description: 'Coffee and tea' })
      .row()
      .vkpay('action=transfer-to-group&group_id=1&aid=10')
      .row()
      .app('Open', { appId: 6232540, ownerId: -1, hash: 'start', payload: [1, 2] });
    expect(keyboard.build()).toEqual({
      one_time: true,
      inline: false,
      buttons: [
        [
          { action: { type: 'text', label: 'Yes', payload: '{"cmd":"yes"}' }, color: 'positive' },
          { action: { type: 'callback', label: 'Like', payload: '{"c":["like",1]}' }, color: 'primary' },
          { action: { type: 'open_link', link: 'https://example.com/a?b=1', label: 'Site' } },
        ],
        [{ action: { type: 'location', payload: '{"where":true}' } }],
        [
          {
            action: {
              type: 'vkpay',
              hash: 'action=pay-to-group&group_id=1&amount=100&description=Coffee+and+tea',
            },
          },
        ],
        [{ action: { type: 'vkpay', hash: 'action=transfer-to-group&group_id=1&aid=10' } }],
        [
          {
            action: {
              type: 'open_app',
              app_id: 6232540,
              owner_id: -1,
              hash: 'start',
              label: 'Open',
              payload: '[1,2]',
            },
          },
        ],
      ],
    } satisfies VkKeyboardInput);
  });

  test('an inline keyboard is marked inline and carries no one_time', () => {
    expect(Keyboard.inline().callback('A').build()).toEqual({
      inline: true,
      buttons: [[{ action: { type: 'callback', label: 'A' } }]],
    });
    expect(new Keyboard({ inline: true }).text('A').build().inline).toBe(true);
  });

  test('toJSON gives the built keyboard, so a Keyboard can be stringified as is', () => {
    const keyboard = new Keyboard().text('A');
    expect(JSON.parse(JSON.stringify(keyboard))).toEqual(keyboard.build());
    expect(JSON.parse(JSON.stringify({ keyboard })).keyboard.buttons[0][0].action.label).toBe('A');
  });

  test('a trailing or repeated row() adds no empty row', () => {
    expect(new Keyboard().row().text('A').row().row().text('B').row().build().buttons).toHaveLength(2);
  });

  test('a built keyboard does not change when the builder goes on', () => {
    const keyboard = new Keyboard().text('A');
    const first = keyboard.build();
    keyboard.text('B').row().text('C');
    expect(first.buttons).toEqual([[{ action: { type: 'text', label: 'A' } }]]);
  });

  test('Keyboard.remove() is the empty keyboard that hides a standard one', () => {
    expect(Keyboard.remove()).toEqual({ buttons: [] });
    expect(validateKeyboard(Keyboard.remove())).toEqual({ buttons: [] });
  });

  test('Keyboard.from builds from rows of button.* helpers, with options', () => {
    const keyboard = Keyboard.from(
      [
        [button.text('Yes', { color: 'positive' }), button.callback('No', { payload: { no: 1 } })],
        [button.link('Docs', 'https://dev.vk.com')],
        [button.location()],
        [button.vkpay('action=transfer-to-user&user_id=1')],
        [button.app('App', { appId: 1 })],
      ],
      { oneTime: true },
    );
    const built = keyboard.build();
    expect(built.one_time).toBe(true);
    expect(built.buttons.map((row) => row.map((item) => item.action.type))).toEqual([
      ['text', 'callback'],
      ['open_link'],
      ['location'],
      ['vkpay'],
      ['open_app'],
    ]);
    expect(built.buttons[0]![1]!.action.payload).toBe('{"no":1}');
  });

  test('add() takes buttons written as VK objects and checks them', () => {
    const raw: VkKeyboardButtonInput = { action: { type: 'text', label: 'Raw' }, color: 'negative' };
    expect(new Keyboard().add(raw).build().buttons[0]).toEqual([raw]);
    expectKeyboardError(
      () => new Keyboard().add({ action: { type: 'text', label: '' } }),
      'empty_label',
      /buttons\[0\]\[0\].*needs a non-empty label/,
    );
  });
});

describe('VK limits', () => {
  test('a sixth button in a row is refused when added, naming the position and the limit', () => {
    const keyboard = texts(new Keyboard(), 5);
    const error = expectKeyboardError(
      () => keyboard.text('sixth'),
      'too_many_buttons_in_row',
      /buttons\[0\]\[5\] \(text button "sixth"\).*6 buttons.*at most 5 per row/,
    );
    expect(error.limit).toBe(5);
    expectKeyboardError(
      () => Keyboard.inline().text('1').text('2').text('3').text('4').text('5').text('6'),
      'too_many_buttons_in_row',
      /at most 5/,
    );
  });

  test('a standard keyboard takes 10 rows and 40 buttons, no more', () => {
    expect(texts(new Keyboard(), 10, 1).build().buttons).toHaveLength(10);
    expectKeyboardError(
      () => texts(new Keyboard(), 11, 1).build(),
      'too_many_rows',
      /11 rows.*at most 10 in a standard keyboard/,
    );
    expect(texts(new Keyboard(), 40, 4).build().buttons.flat()).toHaveLength(40);
    const error = expectKeyboardError(
      () => texts(new Keyboard(), 41, 5).build(),
      'too_many_buttons',
      /41 buttons.*at most 40 in a standard keyboard/,
    );
    expect(error.limit).toBe(40);
  });

  test('an inline keyboard takes 6 rows and 10 buttons, no more', () => {
    expect(texts(Keyboard.inline(), 6, 1).build().buttons).toHaveLength(6);
    expectKeyboardError(
      () => texts(Keyboard.inline(), 7, 1).build(),
      'too_many_rows',
      /7 rows.*at most 6 in an inline keyboard/,
    );
    expect(texts(Keyboard.inline(), 10, 5).build().buttons.flat()).toHaveLength(10);
    expectKeyboardError(
      () => texts(Keyboard.inline(), 11, 5).build(),
      'too_many_buttons',
      /11 buttons.*at most 10 in an inline keyboard/,
    );
  });

  test('a label of 40 characters passes, 41 is refused when the button is added', () => {
    expect(new Keyboard().text('x'.repeat(40)).build().buttons[0]![0]!.action).toMatchObject({
      label: 'x'.repeat(40),
    });
    const error = expectKeyboardError(
      () => new Keyboard().text('ok').callback('y'.repeat(41)),
      'label_too_long',
      /buttons\[0\]\[1\] \(callback button "y+"\): the label is 41 characters; VK allows at most 40/,
    );
    expect(error.limit).toBe(40);
    expectKeyboardError(
      () => button.link('z'.repeat(41), 'https://a.b'),
      'label_too_long',
      /open_link button.*41 characters/,
    );
    expectKeyboardError(() => new Keyboard().app('', { appId: 1 }), 'empty_label', /open_app button/);
  });

  test('a payload of 255 characters passes, 256 is refused with its length', () => {
    // {"k":"…"} is 8 characters around the value.
    const fits = { k: 'a'.repeat(247) };
    expect(new Keyboard().text('A', { payload: fits }).build().buttons[0]![0]!.action.payload).toHaveLength(
      255,
    );
    const error = expectKeyboardError(
      () =>
        new Keyboard()
          .text('A')
          .row()
          .text('B', { payload: { k: 'a'.repeat(248) } }),
      'payload_too_long',
      /buttons\[1\]\[0\] \(text button "B"\): the payload is 256 characters once encoded; VK allows at most 255/,
    );
    expect(error.limit).toBe(255);
    expectKeyboardError(
      () => button.location({ payload: 'x'.repeat(300).replace(/^x/, '"').replace(/x$/, '"') }),
      'payload_too_long',
      /location button.*300 characters/,
    );
  });

  test('a string payload must already be JSON; a payload JSON cannot encode is refused', () => {
    expectKeyboardError(
      () => new Keyboard().text('A', { payload: 'menu' }),
      'invalid_payload',
      /must be JSON/,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expectKeyboardError(
      // @ts-expect-error a cyclic object is not JSON
      () => new Keyboard().text('A', { payload: cyclic }),
      'invalid_payload',
      /cannot be encoded as JSON/,
    );
    expectKeyboardError(
      () => validateKeyboard({ buttons: [[{ action: { type: 'text', label: 'A', payload: '{bad' } }]] }),
      'invalid_payload',
      /buttons\[0\]\[0\]/,
    );
  });

  test('location, vkpay and open_app buttons must be alone in their row', () => {
    expectKeyboardError(
      () => new Keyboard().text('A').location(),
      'full_width_not_alone',
      /buttons\[0\]\[1\] \(location button\): a location button is shown full width and must be alone/,
    );
    expectKeyboardError(
      () => new Keyboard().vkpay('action=transfer-to-group&group_id=1').text('B'),
      'full_width_not_alone',
      /a vkpay button.*alone/,
    );
    expectKeyboardError(
      () => new Keyboard().app('App', { appId: 1 }).app('App2', { appId: 2 }),
      'full_width_not_alone',
      /open_app/,
    );
    expectKeyboardError(
      () =>
        validateKeyboard({
          buttons: [[{ action: { type: 'text', label: 'A' } }, { action: { type: 'location' } }]],
        }),
      'full_width_not_alone',
      /buttons\[0\]\[1\]/,
    );
  });

  test('one_time is refused for inline keyboards', () => {
    expectKeyboardError(
      () => new Keyboard({ inline: true, oneTime: true }),
      'one_time_inline',
      /oneTime is not supported for inline/,
    );
    expectKeyboardError(
      () =>
        validateKeyboard({
          inline: true,
          one_time: true,
          buttons: [[{ action: { type: 'text', label: 'A' } }]],
        }),
      'one_time_inline',
      /one_time/,
    );
  });

  test('colors go on text and callback buttons only, and only VK colors', () => {
    expectKeyboardError(
      () =>
        new Keyboard().add({
          action: { type: 'open_link', label: 'L', link: 'https://a.b' },
          color: 'primary',
        }),
      'invalid_color',
      /open_link button "L".*only text and callback buttons take a color/,
    );
    expectKeyboardError(
      // @ts-expect-error 'default' is the schema's name, VK's docs use 'secondary'
      () => new Keyboard().text('A', { color: 'default' }),
      'invalid_color',
      /one of primary, secondary, negative, positive/,
    );
  });

  test('empty rows and empty keyboards are refused', () => {
    expectKeyboardError(() => Keyboard.from([[button.text('A')], []]), 'empty_row', /row 1 is empty/);
    expectKeyboardError(() => validateKeyboard({ buttons: [[]] }), 'empty_row', /buttons\[0\]/);
    expectKeyboardError(() => new Keyboard().build(), 'empty_keyboard', /Keyboard\.remove\(\)/);
    expectKeyboardError(() => Keyboard.inline().build(), 'empty_keyboard', /no buttons/);
    expectKeyboardError(
      () => validateKeyboard({ inline: true, buttons: [] }),
      'empty_keyboard',
      /inline keyboard needs/,
    );
  });

  test('malformed buttons are refused: unknown type, bad link, bad app id, empty vkpay hash', () => {
    expectKeyboardError(
      // @ts-expect-error not a VK button type
      () => new Keyboard().add({ action: { type: 'intent_subscribe', label: 'x' } }),
      'invalid_button',
      /not a button VK knows/,
    );
    expectKeyboardError(() => new Keyboard().link('L', 'example.com'), 'invalid_button', /http\(s\) URL/);
    expectKeyboardError(
      () => new Keyboard().app('A', { appId: 0 }),
      'invalid_button',
      /app_id must be a positive integer/,
    );
    expectKeyboardError(
      () => new Keyboard().app('A', { appId: 1, ownerId: 1.5 }),
      'invalid_button',
      /owner_id/,
    );
    expectKeyboardError(() => new Keyboard().vkpay(''), 'invalid_button', /non-empty hash/);
  });

  test('a huge label is cut in the message', () => {
    const error = keyboardError(() => new Keyboard().text('q'.repeat(5000)));
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('types', () => {
  test('the builder chains and builds VK keyboard objects', () => {
    const keyboard = new Keyboard().text('A').row().callback('B');
    expectTypeOf(keyboard).toEqualTypeOf<Keyboard>();
    expectTypeOf(keyboard.build()).toEqualTypeOf<VkKeyboardInput>();
    expectTypeOf(keyboard.toJSON()).toEqualTypeOf<VkKeyboardInput>();
    expectTypeOf(Keyboard.remove()).toEqualTypeOf<VkKeyboardInput>();
    expectTypeOf(button.text('A')).toEqualTypeOf<VkKeyboardButtonInput>();
    expectTypeOf(keyboard.text).parameter(1).toEqualTypeOf<ColoredButtonOptions | undefined>();
    expectTypeOf<ColoredButtonOptions['color']>().toEqualTypeOf<VkButtonColor | undefined>();
    // Compiled, never run: the checks are the @ts-expect-error lines.
    const wrongUses = () => {
      // @ts-expect-error links take no color
      new Keyboard().link('L', 'https://a.b', { color: 'primary' });
      // @ts-expect-error open_app needs an appId
      new Keyboard().app('A', {});
      // @ts-expect-error a payload is JSON: no functions
      new Keyboard().text('A', { payload: { run: () => 1 } });
    };
    expectTypeOf(wrongUses).toBeFunction();
  });
});
