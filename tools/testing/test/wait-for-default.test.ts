import { expect, test, vi } from 'vitest';

// vitest.setup.ts (root) raises vi.waitFor's default from vitest's 1 s to 10 s for every package.
test('vi.waitFor keeps trying past 1 s unless a test names its own timeout', async () => {
  const start = Date.now();
  await vi.waitFor(() => {
    if (Date.now() - start < 1_500) throw new Error('not yet');
  });
  await expect(
    vi.waitFor(
      () => {
        throw new Error('never');
      },
      { timeout: 100 },
    ),
  ).rejects.toThrow('never');
});

test('expect.poll keeps trying past 1 s too (vitest.shared.ts)', async () => {
  const start = Date.now();
  await expect.poll(() => Date.now() - start >= 1_500).toBe(true);
});
