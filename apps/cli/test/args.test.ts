import { describe, expect, it } from 'vitest';
import { parseDisasmArgs, parseNumber } from '../src/args.js';
import { UsageError } from '../src/errors.js';

describe('parseNumber', () => {
  it('reads decimal and 0x-hex', () => {
    expect(parseNumber('0', 'n')).toBe(0);
    expect(parseNumber('4096', 'n')).toBe(4096);
    expect(parseNumber('0x7c00', 'n')).toBe(0x7c00);
    expect(parseNumber('0XFFFFFFFF', 'n')).toBe(0xffffffff);
  });

  it.each(['', '-1', '1.5', '0x', 'ten', '12abc', '0x1g', '1e3'])('rejects %j', (text) => {
    expect(() => parseNumber(text, '--start')).toThrow(UsageError);
    expect(() => parseNumber(text, '--start')).toThrow(/^--start: bad number/);
  });

  it('enforces the maximum', () => {
    expect(parseNumber('0xffffffff', '--org', 0xffffffff)).toBe(0xffffffff);
    expect(() => parseNumber('0x100000000', '--org', 0xffffffff)).toThrow(/--org: 0x100000000 is too large/);
    expect(() => parseNumber('99999999999999999999', '--length')).toThrow(/too large/);
  });
});

describe('parseDisasmArgs', () => {
  it('has defaults', () => {
    expect(parseDisasmArgs(['a.bin'])).toEqual({
      help: false, file: 'a.bin', bits: 32, org: 0, start: 0, length: undefined,
    });
  });

  it('reads every option, in either form', () => {
    expect(parseDisasmArgs(['--bits', '16', '--org=0x7c00', 'boot.bin', '--start', '0x10', '--length=32'])).toEqual({
      help: false, file: 'boot.bin', bits: 16, org: 0x7c00, start: 16, length: 32,
    });
  });

  it('takes --help without a file', () => {
    expect(parseDisasmArgs(['--help']).help).toBe(true);
    expect(parseDisasmArgs(['-h']).help).toBe(true);
  });

  it.each([
    [[], /^disasm: missing FILE/],
    [['a', 'b'], /^disasm: unexpected argument 'b'$/],
    [['a', '--bits', '64'], /^--bits: must be 16 or 32, not '64'$/],
    [['a', '--bits', '0x20'], /^--bits: must be 16 or 32/],
    [['a', '--org', 'zz'], /^--org: bad number 'zz'/],
    [['a', '--start', '-1'], /^--start: bad number|argument is ambiguous/],
    [['a', '--frob'], /^Unknown option '--frob' \(try 'vmm86 disasm --help'\)$/],
    [['a', '--bits'], /^Option '--bits <value>' argument missing/],
    [['a', '--help=yes'], /does not take an argument/],
  ])('rejects %j', (argv, message) => {
    let error: unknown;
    try {
      parseDisasmArgs(argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
