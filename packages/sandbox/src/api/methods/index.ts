import type { MethodTable } from '../context.js';
import { callbackServerMethods } from './callback-servers.js';
import { executeMethod } from './execute.js';
import { groupMethods } from './groups.js';
import { messageMethods } from './messages.js';
import { uploadMethods } from './uploads.js';
import { userMethods } from './users.js';

/** Every API method the sandbox answers. */
export const METHODS: MethodTable = {
  ...groupMethods,
  ...callbackServerMethods,
  ...userMethods,
  ...messageMethods,
  ...uploadMethods,
  ...executeMethod(() => METHODS),
};
