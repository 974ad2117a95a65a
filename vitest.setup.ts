// Runs before every test file of every package (see vitest.shared.ts).
import { vi } from 'vitest';

/**
 * `vi.waitFor` gives up after 1 s by default. That is a timed assertion in disguise: on a loaded
 * 2-core CI machine a sandbox round trip alone can take longer, and a correct test fails. The
 * default here is 10 s, still well under the test timeout; a test that names its own timeout keeps it.
 */
const WAIT_FOR_TIMEOUT_MS = 10_000;

const waitFor = vi.waitFor.bind(vi);
vi.waitFor = ((callback, options) =>
  waitFor(
    callback,
    typeof options === 'number' ? options : { timeout: WAIT_FOR_TIMEOUT_MS, ...options },
  )) as typeof vi.waitFor;
