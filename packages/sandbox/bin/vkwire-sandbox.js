#!/usr/bin/env node
// The `vkwire-sandbox` command. It lives outside dist/ so that installing the package from the
// repository (before anything is built) can link it; it runs the built CLI.
import('../dist/cli.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    process.stderr.write('vkwire-sandbox: not built yet; run `pnpm --filter @vkwire/sandbox build` first\n');
    process.exit(1);
  }
  throw error;
});
