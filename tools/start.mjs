// `pnpm start` / `npm start`: the main job. Until a guest can boot, that is disassembling
// the bundled sample program with the `vmm86` command:
//   install (when needed) -> build apps/cli and what it depends on -> vmm86 disasm SAMPLE
// Extra arguments go to `vmm86 disasm` (e.g. `npm start -- --org 0x100000`).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, banner, bin, ensureInstall, run } from './lib.mjs';

const SAMPLE = 'apps/cli/samples/hello.bin';
const CLI_BIN = 'apps/cli/dist/main.js';

/** @returns {Promise<number>} */
async function main() {
  if (!existsSync(join(ROOT, SAMPLE)) || readFileSync(join(ROOT, SAMPLE)).length === 0) {
    console.error(`start: the sample ${SAMPLE} is missing (rebuild it with tools/build-samples.sh)`);
    return 1;
  }
  let status = await ensureInstall();
  if (status !== 0) return status;

  banner('build: tsc --build apps/cli (and the packages it uses)');
  status = await run(bin('tsc'), ['--build', 'apps/cli/tsconfig.build.json']);
  if (status !== 0) return status;

  // `pnpm start -- ARGS` passes the `--` on; `npm start -- ARGS` does not.
  const extra = process.argv.slice(2);
  if (extra[0] === '--') extra.shift();
  const args = ['disasm', SAMPLE, ...extra];
  banner(`vmm86 ${args.join(' ')}   (source: apps/cli/samples/hello.asm)`);
  return run(process.execPath, [CLI_BIN, ...args], { quiet: true });
}

process.exitCode = await main();
