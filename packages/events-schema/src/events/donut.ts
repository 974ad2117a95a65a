import * as z from 'zod';
import { vkObject } from '../vk-object.js';

/** A VK Donut subscription created or prolonged; `amount` in whole rubles. */
export const vkDonutSubscriptionSchema = vkObject({
  user_id: z.number().optional(),
  amount: z.number(),
  amount_without_fee: z.number(),
});

/** A VK Donut subscription expired or cancelled. */
export const vkDonutSubscriptionEndSchema = vkObject({ user_id: z.number().optional() });

/** A VK Donut subscription price changed. */
export const vkDonutPriceChangedSchema = vkObject({
  user_id: z.number().optional(),
  amount_old: z.number(),
  amount_new: z.number(),
  amount_diff: z.number().optional(),
  amount_diff_without_fee: z.number().optional(),
});

/** Money withdrawn from VK Donut. */
export const vkDonutMoneyWithdrawSchema = vkObject({
  amount: z.number(),
  amount_without_fee: z.number(),
});

/** A VK Donut withdrawal failed. */
export const vkDonutMoneyWithdrawErrorSchema = vkObject({ reason: z.string() });

/** VK Donut events: `type` → object schema. */
export const vkDonutEvents = {
  donut_subscription_create: vkDonutSubscriptionSchema,
  donut_subscription_prolonged: vkDonutSubscriptionSchema,
  donut_subscription_expired: vkDonutSubscriptionEndSchema,
  donut_subscription_cancelled: vkDonutSubscriptionEndSchema,
  donut_subscription_price_changed: vkDonutPriceChangedSchema,
  donut_money_withdraw: vkDonutMoneyWithdrawSchema,
  donut_money_withdraw_error: vkDonutMoneyWithdrawErrorSchema,
} as const;
