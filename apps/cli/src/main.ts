#!/usr/bin/env node
// Entry point of the `vmm86` command (bin -> dist/main.js; `pnpm vmm86 …` at the repo root
// runs this file from source with tsx).

import { run } from './cli.js';
import { nodeIo } from './io.js';

// A reader that goes away (`vmm86 disasm big.bin | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') process.stderr.write(`vmm86: cannot write output: ${err.message}\n`);
  process.exit(err.code === 'EPIPE' ? 0 : 1);
});

process.exitCode = run(process.argv.slice(2), nodeIo);
