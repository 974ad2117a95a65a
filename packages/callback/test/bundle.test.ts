import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, test } from 'vitest';

const entry = (name: string) => fileURLToPath(new URL(`../src/${name}.ts`, import.meta.url));

/** Bundles an entry as a Worker build would: browser platform, every import resolved and inlined. */
async function bundle(name: string) {
  const result = await build({
    entryPoints: [entry(name)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // Workspace packages resolve to their sources, as in the other tests.
    conditions: ['@vkwire/source'],
  }).catch((error: { errors?: Array<{ text: string }> }) => ({
    failed: (error.errors ?? []).map((message) => message.text),
  }));
  return result;
}

describe('the web entry bundles for Workers and browsers', () => {
  test('@vkwire/callback (root) bundles for platform "browser": no errors, no node:* import, no hono, no API client', async () => {
    const result = await bundle('index');
    expect('failed' in result ? result.failed : []).toEqual([]);
    if ('failed' in result) return;
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => /node:|\/hono\/|api-client|undici/.test(input))).toEqual([]);
    const output = Object.values(result.metafile.outputs)[0];
    expect(output?.imports ?? []).toEqual([]);
    expect(result.outputFiles[0]?.text).not.toMatch(/from\s*["']node:/);
  });

  test('the Node entry is what pulls node:* in (it is not meant for the browser)', async () => {
    const result = await bundle('node');
    expect('failed' in result ? result.failed.join('\n') : '').toMatch(/node:http/);
  });
});
