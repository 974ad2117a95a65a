/** The vkwire example bot: every framework feature, offline against the sandbox by default. */

export { createExampleBot, type ExampleBotOptions } from './bot.js';
export type { ExampleBot, ExampleContext } from './context.js';
export { type Registration, registration } from './features/register.js';
export { gradientPng } from './png.js';
export { Reminders } from './reminders.js';
export { loadSettings, type Settings, SettingsError } from './settings.js';
