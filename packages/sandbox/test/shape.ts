/** Differences in shape (keys and JSON value types, recursively) between two JSON values. */
export function shapeDiff(expected: unknown, actual: unknown, path = '$'): string[] {
  const kind = (value: unknown): string =>
    value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (kind(expected) !== kind(actual)) return [`${path}: expected ${kind(expected)}, got ${kind(actual)}`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length)
      return [`${path}: expected ${expected.length} items, got ${actual.length}`];
    return expected.flatMap((item, index) => shapeDiff(item, actual[index], `${path}[${index}]`));
  }
  if (kind(expected) === 'object') {
    const want = expected as Record<string, unknown>;
    const got = actual as Record<string, unknown>;
    const missing = Object.keys(want)
      .filter((key) => !(key in got))
      .map((key) => `${path}.${key}: missing`);
    const extra = Object.keys(got)
      .filter((key) => !(key in want))
      .map((key) => `${path}.${key}: not in the fixture`);
    const nested = Object.keys(want)
      .filter((key) => key in got)
      .flatMap((key) => shapeDiff(want[key], got[key], `${path}.${key}`));
    return [...missing, ...extra, ...nested];
  }
  return [];
}
