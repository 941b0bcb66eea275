// End to end: the real command (src/main.ts under tsx, resolving @vmm86/x86-decoder from
// source) run as a child process, checked against binutils' objdump on the bundled sample.

import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE = 'samples/hello.bin';

function vmm86(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts', ...args], {
    cwd: CLI_DIR,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function objdump(...args: string[]): string {
  const out = execFileSync('i686-linux-gnu-objdump', ['-D', '-b', 'binary', '-M', 'intel', '--insn-width=16', ...args], {
    cwd: CLI_DIR,
    encoding: 'utf8',
  });
  // Drop the header ("file format", "Disassembly of section", "<.data>:" lines).
  return out
    .split('\n')
    .filter((l) => /^ *[0-9a-f]+:\t/.test(l))
    .map((l) => `${l}\n`)
    .join('');
}

describe('vmm86 (process)', () => {
  it('prints usage', () => {
    const r = vmm86('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: vmm86/);
  });

  it('fails on a missing file with one line and status 2', () => {
    const r = vmm86('disasm', 'no-such-file.bin');
    expect(r).toEqual({ status: 2, stdout: '', stderr: "vmm86: cannot read 'no-such-file.bin': no such file\n" });
  });

  it('disassembles the sample exactly as objdump does', () => {
    const r = vmm86('disasm', SAMPLE);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(objdump('-m', 'i386', SAMPLE));
  });

  it('disassembles the sample as 16-bit code exactly as objdump does', () => {
    const r = vmm86('disasm', SAMPLE, '--bits', '16', '--org', '0x7c00');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(objdump('-m', 'i8086', '--adjust-vma=0x7c00', SAMPLE));
  });
});
