import type { VkCarouselTemplate } from '@vkwire/api-client';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { button, Carousel, Keyboard, KeyboardError, type KeyboardErrorCode } from '../src/keyboard/index.js';

function expectKeyboardError(build: () => unknown, code: KeyboardErrorCode, message: RegExp): void {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(KeyboardError);
  expect((thrown as KeyboardError).code).toBe(code);
  expect((thrown as KeyboardError).message).toMatch(message);
}

const card = (title: string) => ({ title, photoId: '-1_457240010', buttons: [button.callback('Buy')] });

describe('carousel', () => {
  test('elements become VK template objects; a Keyboard gives its buttons in order', () => {
    const template = new Carousel()
      .element({
        title: 'Tea',
        description: 'Green',
        photoId: '-218734561_457240010',
        action: { type: 'open_link', link: 'https://example.com/tea' },
        buttons: [button.text('Buy', { payload: { buy: 1 }, color: 'positive' })],
      })
      .element({
        title: 'Coffee',
        description: 'Black',
        photoId: '-218734561_457240011',
        action: { type: 'open_photo' },
        buttons: new Keyboard().text('Buy', { payload: { buy: 2 } }),
      })
      .build();
    expect(template).toEqual({
      type: 'carousel',
      elements: [
        {
          title: 'Tea',
          description: 'Green',
          photo_id: '-218734561_457240010',
          action: { type: 'open_link', link: 'https://example.com/tea' },
          buttons: [{ action: { type: 'text', label: 'Buy', payload: '{"buy":1}' }, color: 'positive' }],
        },
        {
          title: 'Coffee',
          description: 'Black',
          photo_id: '-218734561_457240011',
          action: { type: 'open_photo' },
          buttons: [{ action: { type: 'text', label: 'Buy', payload: '{"buy":2}' } }],
        },
      ],
    } satisfies VkCarouselTemplate);
    expectTypeOf(template).toEqualTypeOf<VkCarouselTemplate>();
    expect(JSON.parse(JSON.stringify(new Carousel().element(card('A'))))).toEqual(
      new Carousel().element(card('A')).build(),
    );
  });

  test('title and description take 80 characters, no more', () => {
    expect(() =>
      new Carousel().element({ ...card('t'.repeat(80)), description: 'd'.repeat(80) }).build(),
    ).not.toThrow();
    expectKeyboardError(
      () => new Carousel().element(card('t'.repeat(81))),
      'title_too_long',
      /elements\[0\]: the title is 81 characters; VK allows at most 80/,
    );
    expectKeyboardError(
      () => new Carousel().element({ ...card('A'), description: 'd'.repeat(81) }),
      'description_too_long',
      /description is 81 characters; VK allows at most 80/,
    );
  });

  test('an element takes 1 to 3 buttons', () => {
    const three = [button.text('1'), button.text('2'), button.text('3')];
    expect(new Carousel().element({ title: 'A', buttons: three }).build().elements[0]!.buttons).toHaveLength(
      3,
    );
    expectKeyboardError(
      () => new Carousel().element({ title: 'A', buttons: [...three, button.text('4')] }),
      'too_many_element_buttons',
      /elements\[0\] has 4 buttons; VK allows at most 3/,
    );
    expectKeyboardError(
      () => new Carousel().element({ title: 'A', buttons: [] }),
      'incomplete_element',
      /no buttons/,
    );
  });

  test('an element needs a title or a photo', () => {
    expect(() => new Carousel().element({ photoId: '-1_2', buttons: [button.text('A')] })).not.toThrow();
    expectKeyboardError(
      () => new Carousel().element({ description: 'x', buttons: [button.text('A')] }),
      'incomplete_element',
      /title or a photoId/,
    );
  });

  test('every element must be shaped like the first', () => {
    const carousel = new Carousel().element(card('A'));
    expectKeyboardError(
      () => carousel.element({ title: 'B', buttons: [button.callback('Buy')] }),
      'element_structure_mismatch',
      /elements\[0\] has title, photo_id; 1 button\(s\), elements\[1\] has title; 1 button\(s\)/,
    );
    expectKeyboardError(
      () => carousel.element({ ...card('B'), buttons: [button.callback('1'), button.callback('2')] }),
      'element_structure_mismatch',
      /2 button\(s\)/,
    );
    expect(carousel.element(card('C')).build().elements).toHaveLength(2);
  });

  test('10 elements at most, and at least one', () => {
    const carousel = new Carousel();
    for (let index = 0; index < 10; index += 1) carousel.element(card(`c${index}`));
    expect(carousel.build().elements).toHaveLength(10);
    expectKeyboardError(
      () => carousel.element(card('eleventh')),
      'too_many_elements',
      /number 11; VK allows at most 10/,
    );
    expectKeyboardError(() => new Carousel().build(), 'empty_carousel', /no elements/);
  });

  test('element buttons are checked like keyboard buttons', () => {
    expectKeyboardError(
      () =>
        new Carousel().element({
          title: 'A',
          buttons: [{ action: { type: 'text', label: 'l'.repeat(41) } }],
        }),
      'label_too_long',
      /elements\[0\]\.buttons\[0\].*41 characters/,
    );
    expectKeyboardError(
      () =>
        new Carousel().element({
          title: 'A',
          action: { type: 'open_link', link: 'javascript:alert(1)' },
          buttons: [button.text('A')],
        }),
      'invalid_button',
      /action\.link must be an http\(s\) URL/,
    );
  });
});
