// Bots Long Poll: the client, its options and handler types

// What the poll reports: possible gaps, errors
export type { LongPollGap } from './engine.js';
export { LongPollFailedError, LongPollTransportError } from './errors.js';
export { GroupLongPoll, type GroupLongPollOptions, type UpdateHandler } from './group-longpoll.js';
// Long Poll settings of a community
export { type EnsureSettingsResult, ensureLongPollSettings } from './settings.js';
