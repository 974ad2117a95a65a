import { scene } from '@vkwire/bot-framework';
import { z } from 'zod';
import type { ExampleBot } from '../context.js';

const registrationData = z.object({
  name: z.string().min(2),
  age: z.number().int().min(1).max(150),
  city: z.string().min(1),
});

/** What the registration scene gathers. */
export type Registration = z.infer<typeof registrationData>;

/**
 * A scene: three steps that each ask and handle the answer, with `/back` to the previous step and
 * `/cancel` to leave. The stage that runs it is added in `createExampleBot` (first in the tree,
 * so a user in the scene gets there before the commands).
 */
export const registration = scene('register', {
  data: registrationData,
  steps: [
    {
      prompt: "Let's register you. Your name? (/cancel to stop)",
      handle: (ctx) => {
        const name = ctx.text?.trim() ?? '';
        if (name.length < 2) return 'At least two letters, please.';
        return ctx.scene.next({ name });
      },
    },
    {
      prompt: (ctx) =>
        `Nice to meet you, ${ctx.scene.data.name}. How old are you? (/back to change the name)`,
      handle: (ctx) => {
        const age = Number(ctx.text);
        if (!Number.isInteger(age) || age < 1 || age > 150) return 'A whole number, please.';
        return ctx.scene.next({ age });
      },
    },
    {
      prompt: 'Which city are you from?',
      handle: (ctx) => ctx.scene.next({ city: ctx.text?.trim() ?? '' }),
    },
  ],
  done: (_ctx, data) => `Registered: ${data.name}, ${data.age}, ${data.city}.`,
  cancel: { command: 'cancel', reply: 'Registration cancelled.' },
  back: { command: 'back' },
  timeoutMs: 10 * 60_000,
  expired: 'The registration expired; send /register to start again.',
});

/** `/register` enters the scene. */
export function register(bot: ExampleBot): void {
  bot.command('register', { description: 'Registration in three steps (with /back and /cancel)' }, (ctx) =>
    ctx.scene.enter('register'),
  );
}
