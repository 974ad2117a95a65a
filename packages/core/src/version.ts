/**
 * The VK API version vkwire speaks: events-schema describes its objects, the API client sends it,
 * the long poll and callback settings are set to it. The one place it is written.
 */
export const VK_API_VERSION = '5.199';
