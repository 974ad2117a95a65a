// Waiting for a user's next update: ctx.waitFor
export { WaitCancelledError, WaitTimeoutError } from './errors.js';
export type {
  UserWaitFilter,
  UserWaitResult,
  WaitFilter,
  WaitFilterObject,
  WaitPredicate,
  WaitResult,
} from './filter.js';
export type { WaitOptions } from './registry.js';
