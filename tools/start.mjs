// `pnpm start` / `npm start`: the main job — boot Debian 12's i386 Linux with the busybox
// initramfs on the vmm86 PC, its serial console on this terminal:
//   install (when needed) -> Debian packages and guest images (tools/fetch-guests) ->
//   build apps/cli and what it depends on -> vmm86 run --kernel ... --initrd ...
// Extra arguments go to `vmm86 run` (e.g. `npm start -- --stats` or `-- --realtime`).
// In the console, Ctrl-A X quits; `poweroff -f` at the prompt ends the run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, banner, bin, ensureAptPackages, ensureInstall, fetchGuests, run } from './lib.mjs';

const CLI_BIN = 'apps/cli/dist/main.js';

/** @returns {Promise<number>} */
async function main() {
  for (const step of [ensureInstall, ensureAptPackages, fetchGuests]) {
    const status = await step();
    if (status !== 0) return status;
  }
  /** @type {{ kernel?: { bzImage?: string }, initramfs?: string }} */
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(CACHE_DIR, 'manifest.json'), 'utf8'));
  } catch (err) {
    console.error(`start: cannot read the guest manifest in ${CACHE_DIR}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const kernel = manifest.kernel?.bzImage;
  const initramfs = manifest.initramfs;
  if (kernel === undefined || initramfs === undefined) {
    console.error(`start: the guest manifest in ${CACHE_DIR} names no kernel or initramfs; rerun tools/fetch-guests --force`);
    return 1;
  }

  banner('build: tsc --build apps/cli (and the packages it uses)');
  const status = await run(bin('tsc'), ['--build', 'apps/cli/tsconfig.build.json']);
  if (status !== 0) return status;

  // `pnpm start -- ARGS` passes the `--` on; `npm start -- ARGS` does not.
  const extra = process.argv.slice(2);
  if (extra[0] === '--') extra.shift();
  const args = ['run', '--kernel', kernel, '--initrd', initramfs, '--append', 'console=ttyS0', ...extra];
  banner(`vmm86 ${args.join(' ')}\n   (Debian 12 i386 Linux, natively on the vmm86 PC; Ctrl-A X quits, 'poweroff -f' powers off)`);
  return run(process.execPath, [CLI_BIN, ...args], { quiet: true });
}

process.exitCode = await main();
