import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addressWidth, formatLine } from '../src/format.js';

const SAMPLE = fileURLToPath(new URL('../samples/hello.bin', import.meta.url));

describe('formatLine', () => {
  const code = Uint8Array.of(0x90, 0xb8, 0x01, 0x00, 0x00, 0x00);

  it('lays a line out like objdump --insn-width=16', () => {
    expect(formatLine(0, 4, code, 0, 1, 'nop')).toBe(`   0:\t90${' '.repeat(46)}\tnop`);
    expect(formatLine(1, 4, code, 1, 5, 'mov    eax,0x1')).toBe(
      `   1:\tb8 01 00 00 00${' '.repeat(34)}\tmov    eax,0x1`,
    );
    expect(formatLine(0x7c01, 8, code, 1, 1, '.byte 0xb8')).toBe(`    7c01:\tb8${' '.repeat(46)}\t.byte 0xb8`);
  });

  it('fills the byte column exactly at 16 bytes', () => {
    const long = new Uint8Array(16).fill(0x66);
    expect(formatLine(0, 4, long, 0, 16, 'x')).toBe(`   0:\t${'66 '.repeat(16)}\tx`);
  });
});

describe('addressWidth', () => {
  it('drops leading zero digits in fours while the end address keeps one', () => {
    expect(addressWidth(0, 0)).toBe(4);
    expect(addressWidth(0, 0x13)).toBe(4);
    expect(addressWidth(0, 0xfff)).toBe(4);
    expect(addressWidth(0, 0x1000)).toBe(8);
    expect(addressWidth(0x7c00, 0x200)).toBe(8);
    expect(addressWidth(0xfffff000, 0x1000)).toBe(8); // end wraps to 0
    expect(addressWidth(0x10000000, 0x10)).toBe(8);
  });
});

/** objdump's own lines for a file: [address, bytes, text] after the header. */
function objdumpLines(file: string, extra: string[] = []): string[] {
  let out: string;
  try {
    out = execFileSync(
      'i686-linux-gnu-objdump',
      ['-D', '-b', 'binary', '-m', 'i386', '-M', 'intel', '--insn-width=16', ...extra, file],
      { encoding: 'utf8' },
    );
  } catch (err) {
    throw new Error(
      `cannot run i686-linux-gnu-objdump (Debian package binutils-i686-linux-gnu; node tools/setup.mjs installs it): ${String(err)}`,
      { cause: err },
    );
  }
  return out.split('\n').filter((l) => /^ *[0-9a-f]+:\t/.test(l));
}

describe('formatLine against objdump', () => {
  it.each([
    ['at address 0', []],
    ['at 0x7c00', ['--adjust-vma=0x7c00']],
  ])('rebuilds every line objdump prints for the sample %s', (_name, extra) => {
    const code = new Uint8Array(readFileSync(SAMPLE));
    const lines = objdumpLines(SAMPLE, extra);
    expect(lines.length).toBeGreaterThan(50);
    const vma = extra.length > 0 ? 0x7c00 : 0;
    const width = addressWidth(vma, code.length);
    for (const line of lines) {
      const [addr = '', bytes = '', text = ''] = line.split('\t');
      const address = Number.parseInt(addr, 16);
      const length = bytes.trim().split(' ').length;
      expect(formatLine(address, width, code, address - vma, length, text)).toBe(line);
    }
  });
});
