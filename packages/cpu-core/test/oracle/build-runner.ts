// Builds native/oracle-runner.c into a cache directory (node_modules/.cache, never
// committed) with the i386 cross compiler, when the binary is missing or older than the
// source. `runnerAvailable()` says whether that is possible here.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RUNNER_SOURCE: string = join(PKG, 'native/oracle-runner.c');
export const RUNNER_BINARY: string = join(PKG, 'node_modules/.cache/oracle-runner/oracle-runner');
export const CROSS_CC = 'i686-linux-gnu-gcc';
export const CROSS_HINT = `the oracle runner needs the i386 cross compiler: apt-get install -y gcc-i686-linux-gnu libc6-dev-i386-cross`;

/** True when the cross compiler is on PATH. */
export function crossCompilerPresent(): boolean {
  const r = spawnSync(CROSS_CC, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Compiles the runner if needed; returns the binary's path. Throws with a clear message. */
export function buildRunner(): string {
  const fresh = existsSync(RUNNER_BINARY) && statSync(RUNNER_BINARY).mtimeMs >= statSync(RUNNER_SOURCE).mtimeMs;
  if (fresh) return RUNNER_BINARY;
  if (!crossCompilerPresent()) throw new Error(`${CROSS_CC} not found: ${CROSS_HINT}`);
  mkdirSync(dirname(RUNNER_BINARY), { recursive: true });
  try {
    execFileSync(CROSS_CC, ['-m32', '-static', '-O2', '-Wall', '-o', RUNNER_BINARY, RUNNER_SOURCE], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new Error(`building the oracle runner failed (${CROSS_CC}): ${err.stderr?.toString() ?? String(e)}\n${CROSS_HINT}`, { cause: e });
  }
  return RUNNER_BINARY;
}
