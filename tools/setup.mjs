// `npm run bootstrap` / `pnpm run bootstrap`: everything the tests and the demo need, each
// step skipped when already done. `pnpm start` and `pnpm test` run it themselves.
//   1. pnpm install (when node_modules is missing or stale; bootstraps pnpm if needed)
//   2. Debian packages the tests use (binutils-i686-linux-gnu for objdump), when we can
//   3. guest images into the cache outside the repository (tools/fetch-guests)
// Exits non-zero when a step fails.

import { ensureAptPackages, ensureInstall, fetchGuests } from './lib.mjs';

/** @returns {Promise<number>} */
async function main() {
  const steps = [['install', ensureInstall], ['apt packages', ensureAptPackages], ['guest images', fetchGuests]];
  for (const [name, step] of /** @type {[string, () => Promise<number>][]} */ (steps)) {
    const status = await step();
    if (status !== 0) {
      console.error(`setup: ${name} failed (exit ${status})`);
      return status;
    }
  }
  console.log('\nsetup: done');
  return 0;
}

process.exitCode = await main();
