import { describe, expect, it } from 'vitest';
import { type CliIo, DISASM_USAGE, USAGE, run } from '../src/cli.js';
import type { DecodedLine, LineDecoder } from '../src/disasm.js';
import { UsageError } from '../src/errors.js';

/**
 * A fake decoder for a made-up ISA: byte n (1..15) starts an n-byte instruction named
 * `op<n>`; 0xff is invalid (1 byte); anything else is a 1-byte `nop`.
 */
function fakeDecoder(calls: { bits: number; ip: number[] }): (bits: 16 | 32) => LineDecoder {
  return (bits) => {
    calls.bits = bits;
    return {
      decode(code: Uint8Array, offset: number, end: number, ip: number): DecodedLine {
        calls.ip.push(ip);
        const b = code[offset] ?? 0;
        if (b === 0xff) return { length: 1, text: '(bad)', truncated: false };
        const length = b >= 1 && b <= 15 ? b : 1;
        if (offset + length > end) return { length: 0, text: '', truncated: true };
        return { length, text: length === 1 ? 'nop' : `op${length}`, truncated: false };
      },
    };
  };
}

interface Result {
  status: number;
  stdout: string;
  stderr: string;
  calls: { bits: number; ip: number[] };
}

function runWith(argv: string[], files: Record<string, Uint8Array> = {}): Result {
  let stdout = '';
  let stderr = '';
  const calls = { bits: 0, ip: [] as number[] };
  const io: CliIo = {
    readFile(path) {
      const data = files[path];
      if (data === undefined) throw new UsageError(`cannot read '${path}': no such file`);
      return data;
    },
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    decoder: fakeDecoder(calls),
  };
  const status = run(argv, io);
  return { status, stdout, stderr, calls };
}

const pad = (bytes: string): string => bytes.padEnd(48, ' ');

describe('vmm86', () => {
  it('prints usage for --help and help', () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = runWith(argv);
      expect(r).toMatchObject({ status: 0, stdout: USAGE, stderr: '' });
    }
    expect(runWith(['disasm', '--help'])).toMatchObject({ status: 0, stdout: DISASM_USAGE, stderr: '' });
  });

  it('prints usage to stderr and exits 2 with no command', () => {
    expect(runWith([])).toMatchObject({ status: 2, stdout: '', stderr: USAGE });
  });

  it.each([
    [['frobnicate'], "vmm86: unknown command 'frobnicate' (try 'vmm86 --help')\n"],
    [['--frob'], "vmm86: unknown option '--frob' (try 'vmm86 --help')\n"],
    [['disasm'], "vmm86: disasm: missing FILE (try 'vmm86 disasm --help')\n"],
    [['disasm', 'nope.bin'], "vmm86: cannot read 'nope.bin': no such file\n"],
    [['disasm', 'a.bin', '--bits', '64'], "vmm86: --bits: must be 16 or 32, not '64'\n"],
    [['disasm', 'a.bin', '--start', '0x1x'], "vmm86: --start: bad number '0x1x' (use decimal or 0x-hex)\n"],
    [['disasm', 'a.bin', '--start', '5'], "vmm86: --start 5 is beyond the end of 'a.bin' (4 bytes)\n"],
    [['disasm', 'a.bin', '--org', '0xfffffffe'], "vmm86: --org 0xfffffffe: 'a.bin' would run past address 0xffffffff\n"],
    [['disasm', 'a.bin', '--what'], "vmm86: Unknown option '--what' (try 'vmm86 disasm --help')\n"],
  ])('%j fails with one line and status 2', (argv, message) => {
    const r = runWith(argv, { 'a.bin': Uint8Array.of(1, 2, 3, 4) });
    expect(r).toMatchObject({ status: 2, stdout: '', stderr: message });
  });

  it('reports an unexpected exception as one line, status 1', () => {
    const io: CliIo = {
      readFile: () => {
        throw new TypeError('boom');
      },
      stdout: () => undefined,
      stderr: (t) => void (err += t),
      decoder: fakeDecoder({ bits: 0, ip: [] }),
    };
    let err = '';
    expect(run(['disasm', 'x'], io)).toBe(1);
    expect(err).toBe('vmm86: internal error: boom\n');
  });
});

describe('vmm86 disasm', () => {
  const code = Uint8Array.of(0x90, 0x02, 0x00, 0xff, 0x03, 0xaa, 0xbb, 0x90, 0x04, 0x01);
  const files = { 'a.bin': code };

  it('prints one objdump-style line per instruction', () => {
    const r = runWith(['disasm', 'a.bin'], files);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        `   0:\t${pad('90 ')}\tnop`,
        `   1:\t${pad('02 00 ')}\top2`,
        `   3:\t${pad('ff ')}\t(bad)`,
        `   4:\t${pad('03 aa bb ')}\top3`,
        `   7:\t${pad('90 ')}\tnop`,
        // cut off by the end of the file: objdump shows the first byte and goes on
        `   8:\t${pad('04 ')}\t.byte 0x4`,
        `   9:\t${pad('01 ')}\tnop`,
        '',
      ].join('\n'),
    );
    expect(r.calls).toEqual({ bits: 32, ip: [0, 1, 3, 4, 7, 8, 9] });
  });

  it('starts at --start, stops after --length, numbers addresses from --org', () => {
    const r = runWith(['disasm', 'a.bin', '--bits', '16', '--org', '0x7c00', '--start', '1', '--length', '5'], files);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        `    7c01:\t${pad('02 00 ')}\top2`,
        `    7c03:\t${pad('ff ')}\t(bad)`,
        `    7c04:\t${pad('03 ')}\t.byte 0x3`,
        `    7c05:\t${pad('aa ')}\tnop`,
        '',
      ].join('\n'),
    );
    expect(r.calls.bits).toBe(16);
  });

  it('stops at the end of the file when --length runs past it', () => {
    const r = runWith(['disasm', 'a.bin', '--start', '7', '--length', '100'], files);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])).toEqual(['   7:', '   8:', '   9:']);
  });

  it('prints nothing for an empty range', () => {
    expect(runWith(['disasm', 'a.bin', '--start', '10'], files)).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(runWith(['disasm', 'a.bin', '--length', '0'], files)).toMatchObject({ status: 0, stdout: '', stderr: '' });
  });
});
