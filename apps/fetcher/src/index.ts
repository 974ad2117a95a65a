/** Service: VK Long Poll to normalized events on a Redis bus. The implementation lands with its own issue. */
export {};
