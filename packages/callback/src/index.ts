/** VK Callback API receiver on hono. The implementation lands with its own issue. */
export {};
