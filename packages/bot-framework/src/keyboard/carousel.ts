import type { VkCarouselTemplate, VkKeyboardButtonInput } from '@vkwire/api-client';
import { checkButton, describeButton } from './button.js';
import { KeyboardError } from './errors.js';
import { Keyboard } from './keyboard.js';
import { KEYBOARD_LIMITS } from './limits.js';

/** One card of a carousel, as `Carousel#element()` takes it. */
export interface CarouselElementInput {
  /** At most 80 characters. An element needs a title or a photo. */
  title?: string;
  /** At most 80 characters. */
  description?: string;
  /** A photo as `<owner_id>_<photo_id>`, e.g. `-218734561_457240010`. */
  photoId?: string;
  /** What a tap on the card does. */
  action?: { type: 'open_link'; link: string } | { type: 'open_photo' };
  /** 1 to 3 buttons: a list (made with `button.*`) or a `Keyboard` whose buttons are taken in order. */
  buttons: Keyboard | readonly VkKeyboardButtonInput[];
}

type Element = VkCarouselTemplate['elements'][number];

/** The parts VK requires to be the same in every element. */
function shapeOf(element: Element): string {
  const parts = (['title', 'description', 'photo_id', 'action'] as const).filter(
    (key) => element[key] !== undefined,
  );
  return `${parts.length > 0 ? parts.join(', ') : 'no title, description, photo_id or action'}; ${element.buttons.length} button(s)`;
}

function checkText(value: string | undefined, field: 'title' | 'description', where: string): void {
  const limit = KEYBOARD_LIMITS.carousel[field];
  if (value !== undefined && value.length > limit) {
    throw new KeyboardError(
      field === 'title' ? 'title_too_long' : 'description_too_long',
      `${where}: the ${field} is ${value.length} characters; VK allows at most ${limit}`,
      limit,
    );
  }
}

/**
 * Builds a carousel template (`template` of messages.send): up to 10 cards, each with a title or a
 * photo and 1–3 buttons, all shaped like the first (vk-protocol §8.3). Each element is checked when
 * added; problems throw `KeyboardError`. Check `client_info.carousel` before sending one; the
 * message still needs text.
 *
 * @example
 * const template = new Carousel()
 *   .element({ title: 'Tea', photoId: '-1_457240010', buttons: [button.callback('Buy', { payload: buy.pack({ id: 1 }) })] })
 *   .element({ title: 'Coffee', photoId: '-1_457240011', buttons: [button.callback('Buy', { payload: buy.pack({ id: 2 }) })] })
 *   .build();
 * await api.messages.send({ peer_id, random_id: 0, message: 'Menu', template });
 */
export class Carousel {
  readonly #elements: Element[] = [];

  /** Adds a card. @throws KeyboardError for a problem with this card (its index is in the message). */
  element(input: CarouselElementInput): this {
    const index = this.#elements.length;
    const where = `elements[${index}]`;
    const { carousel } = KEYBOARD_LIMITS;
    if (index >= carousel.elements) {
      throw new KeyboardError(
        'too_many_elements',
        `Carousel: ${where} would be element number ${index + 1}; VK allows at most ${carousel.elements}`,
        carousel.elements,
      );
    }
    checkText(input.title, 'title', `Carousel: ${where}`);
    checkText(input.description, 'description', `Carousel: ${where}`);
    const buttons =
      input.buttons instanceof Keyboard ? input.buttons.build().buttons.flat() : [...input.buttons];
    if (buttons.length === 0)
      throw new KeyboardError(
        'incomplete_element',
        `Carousel: ${where} has no buttons; every element needs 1 to 3`,
      );
    if (buttons.length > carousel.buttonsPerElement) {
      throw new KeyboardError(
        'too_many_element_buttons',
        `Carousel: ${where} has ${buttons.length} buttons; VK allows at most ${carousel.buttonsPerElement} per element`,
        carousel.buttonsPerElement,
      );
    }
    buttons.forEach((item, buttonIndex) => {
      checkButton(item, `Carousel: ${where}.buttons[${buttonIndex}] (${describeButton(item)})`);
    });
    if (input.title === undefined && input.photoId === undefined)
      throw new KeyboardError('incomplete_element', `Carousel: ${where} needs a title or a photoId`);
    if (input.action?.type === 'open_link' && !/^https?:\/\/\S+$/i.test(input.action.link))
      throw new KeyboardError('invalid_button', `Carousel: ${where}.action.link must be an http(s) URL`);
    const element: Element = {
      ...(input.title === undefined ? {} : { title: input.title }),
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.photoId === undefined ? {} : { photo_id: input.photoId }),
      ...(input.action === undefined ? {} : { action: { ...input.action } }),
      buttons,
    };
    const first = this.#elements[0];
    if (first !== undefined && shapeOf(first) !== shapeOf(element)) {
      throw new KeyboardError(
        'element_structure_mismatch',
        `Carousel: every element must be shaped like the first; elements[0] has ${shapeOf(first)}, ${where} has ${shapeOf(element)}`,
      );
    }
    this.#elements.push(element);
    return this;
  }

  /** The template as VK takes it. @throws KeyboardError `empty_carousel` without elements. */
  build(): VkCarouselTemplate {
    if (this.#elements.length === 0)
      throw new KeyboardError('empty_carousel', 'Carousel: no elements were added; a carousel needs 1 to 10');
    return {
      type: 'carousel',
      elements: this.#elements.map((element) => ({ ...element, buttons: [...element.buttons] })),
    };
  }

  /** Same as `build()`, for `JSON.stringify`. */
  toJSON(): VkCarouselTemplate {
    return this.build();
  }
}
