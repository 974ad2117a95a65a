/** Typed VK API client: rate limit, execute batching, retries, typed errors, uploads. The implementation lands with its own issue. */
export {};
