import * as z from 'zod';
import { vkObject } from '../vk-object.js';
import { vkCommentSchema } from '../wall.js';

/** A comment on a market item (`market_comment_new`, `_edit`, `_restore`). */
export const vkMarketCommentSchema = vkCommentSchema.extend({
  market_owner_id: z.number(),
  item_id: z.number(),
});

/** A deleted market comment (`market_comment_delete`). */
export const vkMarketCommentDeleteSchema = vkObject({
  owner_id: z.number(),
  id: z.number(),
  user_id: z.number().optional(),
  deleter_id: z.number().optional(),
  item_id: z.number(),
});

/** A market order (`market_order_new`, `_edit`; needs the extended market). Kept loose beyond its ids. */
export const vkMarketOrderSchema = vkObject({
  id: z.number(),
  group_id: z.number().optional(),
  user_id: z.number().optional(),
  date: z.number().optional(),
  status: z.number().optional(),
  items_count: z.number().optional(),
  display_order_id: z.string().optional(),
  comment: z.string().optional(),
  total_price: z.looseObject({}).optional(),
});

/** Market events: `type` → object schema. */
export const vkMarketEvents = {
  market_comment_new: vkMarketCommentSchema,
  market_comment_edit: vkMarketCommentSchema,
  market_comment_restore: vkMarketCommentSchema,
  market_comment_delete: vkMarketCommentDeleteSchema,
  market_order_new: vkMarketOrderSchema,
  market_order_edit: vkMarketOrderSchema,
} as const;
