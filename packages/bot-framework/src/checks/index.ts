// Checks: middleware that lets an update go on or throws a CheckFailure (vkflow's checks)
export type { Bucket } from './bucket.js';
export { type ChatAdmin, type ChatAdminOptions, chatAdmin } from './chat-admin.js';
export { all, any } from './combine.js';
export { type MaxConcurrency, type MaxConcurrencyOptions, maxConcurrency } from './concurrency.js';
export { allowChats, type ConversationCheckOptions, chatOnly, privateOnly } from './conversation.js';
export { type Cooldown, type CooldownOptions, cooldown, formatWait } from './cooldown.js';
export {
  type CooldownStore,
  type KeyValueCooldownStoreOptions,
  keyValueCooldownStore,
  MemoryCooldownStore,
} from './cooldown-store.js';
export { check } from './custom.js';
export { type Check, CheckFailure, type CheckFailureOptions } from './failure.js';
export type { IdList } from './id-list.js';
export { allowUsers, denyUsers, type UserListOptions } from './users.js';
