// The resolver of names (users, communities, chat titles) from the VK API
export { type ApiNameResolver, createApiNameResolver } from './api-name-resolver.js';
// Why names went out null
export { NameResolveError, type NameResolveErrorCode } from './errors.js';
// Options and the kinds of names the callbacks report
export type { ApiNameResolverOptions, NameKind } from './options.js';
