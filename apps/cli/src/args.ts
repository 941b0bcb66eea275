// Command-line parsing for `vmm86 disasm`, kept free of I/O so it can be tested directly.
// Options are parsed by node:util parseArgs; its errors are cut to their first sentence and
// rethrown as UsageError.

import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export interface DisasmArgs {
  readonly help: boolean;
  readonly file: string;
  readonly bits: 16 | 32;
  /** Address of byte 0 of the file. */
  readonly org: number;
  /** First byte offset to decode. */
  readonly start: number;
  /** Bytes to decode from `start`; undefined = to the end of the file. */
  readonly length: number | undefined;
}

const MAX_ADDRESS = 0xffff_ffff;

/**
 * Parses a non-negative integer written in decimal (`4096`) or hex (`0x1000`), at most
 * `max`. `what` names the option in the error message.
 */
export function parseNumber(text: string, what: string, max: number = Number.MAX_SAFE_INTEGER): number {
  const t = text.trim();
  let value: number;
  if (/^[0-9]+$/.test(t)) value = Number.parseInt(t, 10);
  else if (/^0x[0-9a-f]+$/i.test(t)) value = Number.parseInt(t.slice(2), 16);
  else throw new UsageError(`${what}: bad number '${text}' (use decimal or 0x-hex)`);
  if (!Number.isSafeInteger(value) || value > max) {
    throw new UsageError(`${what}: ${text} is too large (at most 0x${max.toString(16)})`);
  }
  return value;
}

/** Turns a parseArgs error into a one-line UsageError; rethrows anything else. */
export function parseArgsError(err: unknown, command: string): never {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_') && err instanceof Error) {
    const first = (err.message.split('\n')[0] ?? '').split(/\.( |$)/)[0] ?? err.message;
    throw new UsageError(`${first} (try 'vmm86 ${command} --help')`);
  }
  throw err;
}

/** Runs `parse`, turning parseArgs errors into UsageError. */
export function withUsageErrors<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    return parseArgsError(err, command);
  }
}

/** Parses the arguments after `disasm`. */
export function parseDisasmArgs(argv: readonly string[]): DisasmArgs {
  const { values, positionals } = withUsageErrors('disasm', () =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        bits: { type: 'string' },
        org: { type: 'string' },
        start: { type: 'string' },
        length: { type: 'string' },
      },
    }),
  );
  const help = values.help ?? false;
  if (help) return { help, file: '', bits: 32, org: 0, start: 0, length: undefined };

  if (positionals.length === 0) throw new UsageError("disasm: missing FILE (try 'vmm86 disasm --help')");
  if (positionals.length > 1) throw new UsageError(`disasm: unexpected argument '${positionals[1]}'`);
  const file = positionals[0] ?? '';

  let bits: 16 | 32 = 32;
  if (values.bits !== undefined) {
    if (values.bits === '16') bits = 16;
    else if (values.bits === '32') bits = 32;
    else throw new UsageError(`--bits: must be 16 or 32, not '${values.bits}'`);
  }
  const org = values.org === undefined ? 0 : parseNumber(values.org, '--org', MAX_ADDRESS);
  const start = values.start === undefined ? 0 : parseNumber(values.start, '--start');
  const length = values.length === undefined ? undefined : parseNumber(values.length, '--length');
  return { help, file, bits, org, start, length };
}
