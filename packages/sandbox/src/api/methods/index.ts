import type { MethodTable } from '../context.js';
import { callbackServerMethods } from './callback-servers.js';
import { executeMethod } from './execute.js';
import { groupMethods } from './groups.js';
import { messageMethods } from './messages.js';
import { uploadMethods } from './uploads.js';
import { userMethods } from './users.js';
import { utilMethods } from './utils.js';

/** Every API method the sandbox answers. */
export const METHODS: MethodTable = {
  ...groupMethods,
  ...callbackServerMethods,
  ...userMethods,
  ...messageMethods,
  ...uploadMethods,
  ...utilMethods,
  ...executeMethod(() => METHODS),
};
