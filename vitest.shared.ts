import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/** The export condition that points every workspace package at its TypeScript sources. */
export const SOURCE_CONDITION = '@vkwire/source';

/** Options a package may add to the shared test configuration. */
export interface PackageTestOptions {
  /** Extra vitest globalSetup files (for example the private Redis server). */
  globalSetup?: string[];
  /** Per-test timeout in milliseconds. @default 20000 */
  testTimeout?: number;
}

/**
 * The vitest configuration every package uses: sources of other workspace packages are run
 * directly (no build needed), and a JSON report is written to `.vitest/report.json` for `.ci/run`.
 */
export function packageTestConfig(options: PackageTestOptions = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'import', 'default'] },
    ssr: { resolve: { conditions: [SOURCE_CONDITION], externalConditions: [SOURCE_CONDITION] } },
    test: {
      include: ['test/**/*.test.ts'],
      passWithNoTests: true,
      testTimeout: options.testTimeout ?? 20_000,
      hookTimeout: 20_000,
      globalSetup: options.globalSetup ?? [],
      setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
      // expect.poll gives up after 1 s by default, too short on a loaded CI machine (see vitest.setup.ts).
      expect: { poll: { timeout: 10_000 } },
      reporters: ['default', ['json', { outputFile: '.vitest/report.json' }]],
    },
  });
}
