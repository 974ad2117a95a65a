import type { Bot, Context, SceneFlavor } from '@vkwire/bot-framework';
import type { Registration } from './features/register.js';

/** The example bot's context: the framework's, plus `ctx.scene` for the registration scene. */
export type ExampleContext = Context & SceneFlavor<{ register: Registration }>;

/** The example bot. */
export type ExampleBot = Bot<ExampleContext>;
