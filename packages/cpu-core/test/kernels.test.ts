// System-level test kernels (guests/cpu-tests): each Multiboot image runs natively on the
// core (its own GDT/IDT handle the exceptions) and its port-0xE9 transcript must match
// NAME.expected line for line — QEMU's transcript (NAME.qemu) with the SDM corrections of
// NAME.sdm applied (guests/cpu-tests/README.md). A second test rebuilds every image with
// nasm and compares it byte for byte with the committed one.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { firstDifference, runKernel } from './kernels/multiboot.js';
// @ts-expect-error -- a plain .mjs helper shared with tools/build-cpu-tests
import { applySdm } from '../../../guests/cpu-tests/apply-sdm.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DIR = join(ROOT, 'guests/cpu-tests');
const NAMES = readdirSync(DIR)
  .filter((f) => f.endsWith('.asm'))
  .map((f) => f.slice(0, -4))
  .sort();
/** The x87 kernels (guests/x87-tests) share common.inc and the harness. */
const X87_DIR = join(ROOT, 'guests/x87-tests');
const X87_NAMES = readdirSync(X87_DIR)
  .filter((f) => f.endsWith('.asm'))
  .map((f) => f.slice(0, -4))
  .sort();
const KERNELS: { dir: string; name: string }[] = [
  ...NAMES.map((name) => ({ dir: DIR, name })),
  ...X87_NAMES.map((name) => ({ dir: X87_DIR, name })),
];
const nasmPresent = spawnSync('nasm', ['-v'], { stdio: 'ignore' }).status === 0;
const applyCorrections = applySdm as (qemu: string, sdm: string) => string;

describe('system test kernels (guests/cpu-tests, guests/x87-tests)', () => {
  for (const { dir: DIR, name } of KERNELS) {
    it(`${name}: transcript matches ${name}.expected`, () => {
      const image = new Uint8Array(readFileSync(join(DIR, `${name}.bin`)));
      const expected = readFileSync(join(DIR, `${name}.expected`), 'utf8');
      const r = runKernel(image);
      if (r.end === 'shutdown') {
        throw new Error(`${name}: the CPU shut down (triple fault) after ${r.instructions} instructions at EIP ${(r.cpu.eip >>> 0).toString(16)}; output so far:\n${r.output}`);
      }
      if (r.end !== 'exit') {
        throw new Error(`${name}: ended by ${r.end} without writing port 0xF4 (${r.instructions} instructions, EIP ${(r.cpu.eip >>> 0).toString(16)}); output so far:\n${r.output}`);
      }
      const diff = firstDifference(r.output, expected);
      if (diff !== undefined) throw new Error(`${name}: ${diff}`);
      expect(r.status).toBe(0);
    });

    it(`${name}: ${name}.expected is ${name}.qemu with the corrections of ${name}.sdm`, () => {
      const qemu = readFileSync(join(DIR, `${name}.qemu`), 'utf8');
      const sdmPath = join(DIR, `${name}.sdm`);
      const sdm = existsSync(sdmPath) ? readFileSync(sdmPath, 'utf8') : '';
      expect(applyCorrections(qemu, sdm)).toBe(readFileSync(join(DIR, `${name}.expected`), 'utf8'));
    });
  }

  it.skipIf(!nasmPresent && process.env.CI === undefined)('the committed images are what nasm builds from the sources', () => {
    expect(nasmPresent, 'nasm is required (apt-get install nasm)').toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'cpu-tests-'));
    try {
      const r = spawnSync(join(ROOT, 'tools/build-cpu-tests'), ['--out', out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      for (const name of NAMES) {
        const built = readFileSync(join(out, `${name}.bin`));
        const committed = readFileSync(join(DIR, `${name}.bin`));
        expect(built.equals(committed), `${name}.bin differs from what nasm builds from ${name}.asm (run tools/build-cpu-tests)`).toBe(true);
      }
      for (const name of X87_NAMES) {
        const r2 = spawnSync('nasm', ['-f', 'bin', `${name}.asm`, '-o', join(out, `${name}.bin`)], { cwd: X87_DIR, encoding: 'utf8' });
        expect(r2.status, r2.stderr).toBe(0);
        const same = readFileSync(join(out, `${name}.bin`)).equals(readFileSync(join(X87_DIR, `${name}.bin`)));
        expect(same, `guests/x87-tests/${name}.bin differs from what nasm builds from ${name}.asm`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
