import { VkwireConfigError } from '@vkwire/core';
import type { SandboxState } from '../state.js';
import { audioMessageObject, docObject, photoObject, stickerObject } from '../world/attachments.js';
import type { VkObject } from '../world/types.js';

/**
 * An attachment a simulated user sends: a kind the sandbox fills in (`{ type: 'photo' }`,
 * `{ type: 'doc', title: 'bill.pdf' }`, ...) or a full VK attachment object (`{ type, [type]: {...} }`).
 */
export type SimAttachment =
  | { type: 'photo'; text?: string }
  | { type: 'doc'; title?: string; size?: number }
  | { type: 'audio_message'; duration?: number; transcript?: string }
  | { type: 'sticker'; stickerId?: number; productId?: number }
  | ({ type: string } & VkObject);

/**
 * Builds VK attachment objects (and remembers them so that bots can re-send them).
 *
 * @throws {VkwireConfigError} for a kind the sandbox cannot fill in, given without its object.
 */
export function buildAttachments(
  state: SandboxState,
  ownerId: number,
  inputs: readonly SimAttachment[],
  component: string,
): VkObject[] {
  return inputs.map((input, index) => {
    const full = (input as VkObject)[input.type];
    if (typeof full === 'object' && full !== null) return input;
    let object: VkObject;
    switch (input.type) {
      case 'photo':
        object = photoObject(ownerId, { text: typeof input.text === 'string' ? input.text : '' });
        break;
      case 'doc':
        object = docObject(ownerId, {
          ...(typeof input.title === 'string' ? { title: input.title } : {}),
          ...(typeof input.size === 'number' ? { size: input.size } : {}),
        });
        break;
      case 'audio_message':
        object = audioMessageObject(ownerId, {
          ...(typeof input.duration === 'number' ? { duration: input.duration } : {}),
          ...(typeof input.transcript === 'string' ? { transcript: input.transcript } : {}),
        });
        break;
      case 'sticker':
        return {
          type: 'sticker',
          sticker: stickerObject({
            ...(typeof input.stickerId === 'number' ? { stickerId: input.stickerId } : {}),
            ...(typeof input.productId === 'number' ? { productId: input.productId } : {}),
          }),
        };
      default:
        throw new VkwireConfigError(
          component,
          `attachments[${index}]`,
          `a photo, doc, audio_message or sticker, or a full attachment ({ type: '${input.type}', ${input.type}: {...} })`,
        );
    }
    state.rememberMedia(input.type, object);
    return { type: input.type, [input.type]: object };
  });
}
