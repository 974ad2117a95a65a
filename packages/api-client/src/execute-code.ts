const METHOD_NAME = /^[a-zA-Z]+(\.[a-zA-Z]+)?$/;

/** Whether a call can be an `API.x.y({...})` line of an execute script. */
export function isScriptableMethod(method: string): boolean {
  return METHOD_NAME.test(method);
}

/**
 * The VKScript of one batch: `return [API.a.b({...}), ...];` with every parameter as a string
 * literal, exactly as the form encoding would have sent it.
 */
export function executeCode(
  calls: ReadonlyArray<{ method: string; params: Readonly<Record<string, string>> }>,
): string {
  return `return [${calls.map(({ method, params }) => `API.${method}(${JSON.stringify(params)})`).join(',')}];`;
}
