// Names the docs' examples use without defining them, with the types the prose gives them.
import type { VkApi } from '@vkwire/api-client';
import type { Bot, Context } from '@vkwire/bot-framework';
import type { Sandbox } from '@vkwire/sandbox';
import type { Hono } from 'hono';

declare global {
  /** A bot (`new Bot({ token })`). */
  const bot: Bot;
  /** A handler's context. */
  const ctx: Context;
  /** A sandbox (`await createSandbox()`). */
  const vk: Sandbox;
  /** An API client (`new VkApi({ token })`). */
  const api: VkApi;
  /** A hono app of the reader's own. */
  const app: Hono;
  /** A Redis URL. */
  const redis: string;
  /** Secrets from the reader's configuration. */
  const secret: string;
  const confirmation: string;
  const token: string;
}
