/** Bots Long Poll and User Long Poll clients for VK. The implementation lands with its own issue. */
export {};
