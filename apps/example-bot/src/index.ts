/** A runnable vkwire bot showing every feature, offline against the sandbox by default. The implementation lands with its own issue. */
export {};
