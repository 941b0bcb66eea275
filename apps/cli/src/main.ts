#!/usr/bin/env node
// Entry point of the `vmm86` command (bin -> dist/main.js; `pnpm vmm86 …` at the repo root
// runs this file from source with tsx).
//
// The command's modules are loaded with a dynamic import so that even a failure while
// loading them (a broken opcode table, say) ends as one `vmm86: internal error` line and
// status 1, never a stack trace.

// A reader that goes away (`vmm86 disasm big.bin | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') process.stderr.write(`vmm86: cannot write output: ${err.message}\n`);
  process.exit(err.code === 'EPIPE' ? 0 : 1);
});

try {
  const [{ runAsync }, { nodeIo }] = await Promise.all([import('./cli.js'), import('./io.js')]);
  process.exitCode = await runAsync(process.argv.slice(2), nodeIo);
} catch (err) {
  process.stderr.write(`vmm86: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
