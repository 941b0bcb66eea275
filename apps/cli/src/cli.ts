// Subcommand dispatch for the `vmm86` command. Everything the command touches (files,
// output streams, the decoder) comes in through CliIo, so tests run it in memory; main.ts
// wires the real ones. Usage mistakes exit 2 with one `vmm86: …` line on stderr.

import { parseDisasmArgs } from './args.js';
import { type LineDecoder, disassemble } from './disasm.js';
import { UsageError } from './errors.js';
import { initramfsCommand } from './initramfs.js';
import { runCommand, type RunIo } from './run.js';

export interface CliIo {
  readFile(path: string): Uint8Array;
  stdout(text: string): void;
  stderr(text: string): void;
  decoder(bits: 16 | 32): LineDecoder;
  /** What `vmm86 run` needs beyond the above: raw console bytes and host input. */
  console?: Pick<RunIo, 'stdout' | 'stdin'>;
}

export const USAGE: string = `usage: vmm86 <command> [options]

commands:
  run            boot a guest (--kernel bzImage/Multiboot, --initrd, --append, ...) on the console
  disasm FILE    disassemble raw x86 code (objdump -D -b binary -M intel layout)
  initramfs DIR  pack a directory into a gzip newc cpio initramfs (-o FILE)

options:
  -h, --help     show this help; 'vmm86 <command> --help' for a command's options
`;

export const DISASM_USAGE: string = `usage: vmm86 disasm FILE [--bits 16|32] [--org ADDR] [--start N] [--length N]

Disassembles the raw bytes of FILE, one line per instruction:
  ADDRESS:<tab>BYTES<tab>INSTRUCTION   (Intel syntax, as objdump -M intel prints it)

options:
  --bits 16|32   code size (default 32)
  --org ADDR     address of the first byte of FILE (default 0)
  --start N      byte offset in FILE to start at (default 0)
  --length N     bytes to decode (default: to the end of FILE)
  -h, --help     show this help

Numbers are decimal or 0x-hex. The lines are those objdump prints for
  objdump -D -b binary -m i386 -M intel --insn-width=16 FILE     (-m i8086 for --bits 16)
including an instruction cut off by the end of the range, shown as its first byte
(.byte 0xNN) before decoding goes on at the next byte.
`;

/**
 * Runs one command line; resolves to the exit status. Never rejects. `vmm86 run` is
 * asynchronous (it waits for the guest and the keyboard); every other command is `run`.
 */
export async function runAsync(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] !== 'run') return run(argv, io);
  try {
    const console = io.console ?? { stdout: () => {}, stdin: undefined };
    return await runCommand(argv.slice(1), {
      readFile: (path) => io.readFile(path),
      stderr: (text) => io.stderr(text),
      stdout: (bytes) => console.stdout(bytes),
      stdin: console.stdin,
    });
  } catch (err) {
    return report(err, io);
  }
}

/** Runs one synchronous command line; returns the exit status. Never throws. */
export function run(argv: readonly string[], io: CliIo): number {
  try {
    return dispatch(argv, io);
  } catch (err) {
    return report(err, io);
  }
}

/** Usage errors: one line, status 2; anything else is a bug: one line, status 1. */
function report(err: unknown, io: CliIo): number {
  if (err instanceof UsageError) {
    io.stderr(`vmm86: ${err.message}\n`);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`vmm86: internal error: ${message}\n`);
  return 1;
}

function dispatch(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr(USAGE);
    return 2;
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (command === 'run') throw new UsageError("'run' is asynchronous: call runAsync");
  if (command === 'disasm') return disasmCommand(rest, io);
  if (command === 'initramfs') return initramfsCommand(rest, io);
  if (command.startsWith('-')) throw new UsageError(`unknown option '${command}' (try 'vmm86 --help')`);
  throw new UsageError(`unknown command '${command}' (try 'vmm86 --help')`);
}

function disasmCommand(argv: readonly string[], io: CliIo): number {
  const args = parseDisasmArgs(argv);
  if (args.help) {
    io.stdout(DISASM_USAGE);
    return 0;
  }
  const code = io.readFile(args.file);
  if (args.start > code.length) {
    throw new UsageError(`--start ${args.start} is beyond the end of '${args.file}' (${code.length} bytes)`);
  }
  if (args.org + code.length > 0x1_0000_0000) {
    throw new UsageError(`--org 0x${args.org.toString(16)}: '${args.file}' would run past address 0xffffffff`);
  }
  // Like objdump's --stop-address, a length past the end of the file stops at the end.
  const end = args.length === undefined ? code.length : Math.min(code.length, args.start + args.length);
  const decoder = io.decoder(args.bits);
  let chunk = '';
  for (const line of disassemble(code, { org: args.org, start: args.start, end }, decoder)) {
    chunk += line + '\n';
    if (chunk.length >= 1 << 16) {
      io.stdout(chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) io.stdout(chunk);
  return 0;
}
