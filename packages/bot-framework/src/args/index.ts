// Builders and the argument type
export { arg } from './arg.js';
export {
  type AnyArgument,
  type ArgDefinition,
  type ArgKind,
  type ArgMeasure,
  type ArgPresence,
  type ArgSource,
  type ArgsEnv,
  type ArgsSpec,
  Argument,
  type ConvertContext,
  type Converter,
  type InferArg,
  type InferArgs,
} from './argument.js';
export { CHAT_PEER_BASE } from './chat.js';
export { BOOLEAN_WORDS } from './choices.js';
export { formatDuration, parseDuration } from './duration.js';
// Errors
export { ArgumentError, type ArgumentErrorCode, type ArgumentErrorInit } from './errors.js';
// Parsing, usage and descriptions
export { type ParseArgsOptions, parseArgs } from './parse.js';
export { checkArgsSpec } from './spec.js';
export { type ArgToken, tokenize } from './tokens.js';
export { type ArgDescription, describeArgs, usage } from './usage.js';
export {
  type ArgCommunity,
  type ArgUser,
  parseUserReference,
  type UserArgOptions,
  type UserReference,
} from './user.js';
export type { ZodArgOptions } from './zod.js';
