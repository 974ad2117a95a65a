import type { ApiCallRecord } from '../../state.js';
import type { CallContext, MethodTable } from '../context.js';
import { EnvelopeExtras, runMethod } from '../dispatch.js';
import { VkError } from '../errors.js';
import { toRawParams } from '../params.js';
import { runExecute, VkScriptError } from '../vkscript.js';

/** Builds `execute` over a method table (the table it runs inner calls against). */
export function executeMethod(methods: () => MethodTable): MethodTable {
  return {
    execute: {
      run: (context: CallContext) => {
        if (context.inExecute) throw new VkError(13, 'execute cannot be called from execute');
        const code = context.params.requireString('code');
        // Every request parameter is visible to the script as Args.<name>.
        const { access_token: _token, ...args } = context.params.raw;
        try {
          const outcome = runExecute(code, args, (method, values) => {
            // An injected inner failure, as VK reports it: false in the result, an execute_errors entry.
            const fault = context.state.faults.take('api', method, true);
            if (fault?.kind === 'error') {
              const injected = new VkError(fault.code);
              context.state.logCall({
                method,
                params: toRawParams(values),
                caller: callerRecord(context),
                inExecute: true,
                fault: 'error',
                errorCode: fault.code,
              });
              return { ok: false, error: { error_code: injected.code, error_msg: injected.message } };
            }
            const result = runMethod(
              context.state,
              methods(),
              method,
              toRawParams(values),
              context.caller,
              true,
            );
            if (result.ok) return { ok: true, value: result.response };
            return { ok: false, error: { error_code: result.error.code, error_msg: result.error.message } };
          });
          if (outcome.executeErrors.length === 0) return outcome.response;
          return new EnvelopeExtras(outcome.response, { execute_errors: outcome.executeErrors });
        } catch (error) {
          if (error instanceof VkScriptError) {
            const vkError = new VkError(error.code);
            // The interpreter already words the message as VK does.
            vkError.message = error.message;
            throw vkError;
          }
          throw error;
        }
      },
    },
  };
}

/** The caller as the call log records it. */
function callerRecord(context: CallContext): ApiCallRecord['caller'] {
  const { caller } = context;
  return caller.kind === 'group'
    ? { kind: 'group', groupId: caller.group.id }
    : { kind: 'user', userId: caller.user.id };
}
