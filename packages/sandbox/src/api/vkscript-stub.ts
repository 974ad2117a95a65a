// TEMPORARY: replaced by vkscript.ts from the interpreter work.
export type ExecuteCallResult =
  | { ok: true; value: unknown }
  | { ok: false; error: { error_code: number; error_msg: string } };
export type ExecuteApi = (method: string, params: Record<string, unknown>) => ExecuteCallResult;
export interface ExecuteErrorEntry {
  method: string;
  error_code: number;
  error_msg: string;
}
export interface ExecuteOutcome {
  response: unknown;
  executeErrors: ExecuteErrorEntry[];
}
export class VkScriptError extends Error {
  constructor(
    readonly code: 12 | 13,
    message: string,
  ) {
    super(message);
  }
}
export function runExecute(
  _code: string,
  _args: Readonly<Record<string, string>>,
  _api: ExecuteApi,
): ExecuteOutcome {
  throw new VkScriptError(13, 'stub');
}
