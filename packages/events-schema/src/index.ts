/** Zod schemas of VK community events (API 5.199) and the normalized vkwire Event. The implementation lands with its own issue. */
export {};
