// Names the docs' examples use without defining them. vkwire's own objects have their real types,
// so a call on them that does not fit fails the check; the reader's own things (a database, a
// queue, a render function) are `any`: the examples only pass them around.
import type { VkApi } from '@vkwire/api-client';
import type { Bot, CallbackData, Context, Cooldown, SessionFlavor } from '@vkwire/bot-framework';
import type { CallbackGroups } from '@vkwire/callback';
import type { KeyValueStore, UpdateHandler } from '@vkwire/core';
import type { VkMessage, VkParsedUpdate } from '@vkwire/events-schema';
import type { BusConsumer } from '@vkwire/redis-bridge';
import type { Sandbox } from '@vkwire/sandbox';
import type { Hono } from 'hono';

declare global {
  const bot: Bot;
  const ctx: Context;
  const vk: Sandbox;
  const api: VkApi;
  const app: Hono;
  const redis: string;
  const secret: string;
  const confirmation: string;
  const token: string;
  const userToken: string;
  const peerId: number;
  const serverId: number;
  const storage: KeyValueStore;
  const groups: CallbackGroups;
  const onUpdate: UpdateHandler<VkParsedUpdate>;
  const update: VkParsedUpdate;
  const consumer: BusConsumer;
  const controller: AbortController;
  const buffer: Buffer;
  const oggBuffer: Buffer;
  const body: string;
  // The reader's own code.
  // biome-ignore lint/suspicious/noExplicitAny: stands for anything of the reader's
  type ReadersOwn = any;
  const db: ReadersOwn;
  const queue: ReadersOwn;
  const metrics: ReadersOwn;
  const logger: ReadersOwn;
  const events: ReadersOwn;
  const answer: { updates: unknown[] };
  const resolver: ReadersOwn;
  const payload: ReadersOwn;
  const products: ReadersOwn[];
  const owners: number[];
  const banned: Set<number>;
  const handler: ReadersOwn;
  const expressApp: ReadersOwn;
  const http: typeof import('node:http');
  const pino: ReadersOwn;
  const expect: ReadersOwn;
  const VK: ReadersOwn;
  const roll: Cooldown;
  function rollDice(): string;
  const buy: CallbackData<{ id: number }>;
  const peer_id: number;
  const message: VkMessage;
  type MyContext = Context & SessionFlavor<{ orders: number }>;
  const redisClient: ReadersOwn;
  function render(...args: ReadersOwn[]): ReadersOwn;
  function buildReport(...args: ReadersOwn[]): ReadersOwn;
  function sendHd(...args: ReadersOwn[]): ReadersOwn;
  function announce(...args: ReadersOwn[]): ReadersOwn;
  function mute(...args: ReadersOwn[]): ReadersOwn;
  function mod(...args: ReadersOwn[]): ReadersOwn;
  function schedule(...args: ReadersOwn[]): ReadersOwn;
  function findOrder(...args: ReadersOwn[]): ReadersOwn;
  function reply(...args: ReadersOwn[]): ReadersOwn;
  function route(...args: ReadersOwn[]): ReadersOwn;
  function askHuman(...args: ReadersOwn[]): ReadersOwn;
  function refreshRates(...args: ReadersOwn[]): ReadersOwn;
  function createMyBot(...args: ReadersOwn[]): Bot;
  const redisStore: ReadersOwn;
  const order: ReadersOwn;
  const states: ReadersOwn;
}
