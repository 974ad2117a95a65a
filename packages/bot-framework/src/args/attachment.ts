import type { VkAttachmentOf, VkAttachmentType, VkMessageAttachment } from '@vkwire/events-schema';
import { type ArgsEnv, type Argument, createArgument } from './argument.js';

// Kinds whose name takes "an": an audio, an audio_message.
function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The message's attachments of a type, or else those of the message it replies to. */
function offered(env: ArgsEnv, type: string | undefined): VkMessageAttachment[] {
  const { message } = env;
  if (message === undefined) return [];
  const fits = (item: VkMessageAttachment) => type === undefined || item.type === type;
  const own = message.attachments.filter(fits);
  return own.length > 0 ? own : (message.reply_message?.attachments ?? []).filter(fits);
}

/**
 * An attachment of the message (not a word of the text): the first one of `type`, or of any type;
 * with `.greedy()` all of them. When the message itself has none, those of the message it replies
 * to count. Two attachment arguments of the same type take successive attachments.
 *
 * @example
 * { photo: arg.attachment('photo') } // photo: VkAttachmentOf<'photo'>; ctx.args.photo.photo.sizes
 */
export function attachment(): Argument<VkMessageAttachment>;
/** An attachment of one type (see the first overload). */
export function attachment<Type extends VkAttachmentType>(type: Type): Argument<VkAttachmentOf<Type>>;
export function attachment(type?: VkAttachmentType): Argument<VkMessageAttachment> {
  const name = type ?? 'attachment';
  return createArgument<VkMessageAttachment>({
    kind: 'attachment',
    typeName: name,
    expected: type === undefined ? 'an attachment' : `${withArticle(type)} attachment`,
    source: 'attachment',
    convert: () => undefined,
    pick: (env) => offered(env, type),
  });
}
