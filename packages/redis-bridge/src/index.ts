/** Normalized VK events over Redis Streams and Redis-backed stores. The implementation lands with its own issue. */
export {};
