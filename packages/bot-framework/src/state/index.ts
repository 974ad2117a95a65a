// Bot state: sessions and FSMs over core's KeyValueStore, keyed per user / chat / user in chat

export * from './conversation/index.js';
export { SessionConflictError, StateError, type StateErrorCode } from './errors.js';
export {
  Fsm,
  type FsmControl,
  type FsmDataArgs,
  type FsmEntry,
  type FsmFlavor,
  type FsmHook,
  type FsmOptions,
  type FsmStateData,
  type FsmStateName,
  type FsmStates,
  fsm,
  type InState,
  type StateSpec,
  stateData,
} from './fsm.js';
export { KeyLock, type KeyLockOptions } from './key-lock.js';
export { featureKey, type StateKeyFn, type StateStoreOptions, type StateStrategy, stateKey } from './keys.js';
export * from './scene/index.js';
export { type SessionFlavor, type SessionOptions, session } from './session.js';
