// Command-line parsing for `vmm86 run`, free of I/O so it is tested directly. Flags follow
// QEMU's where QEMU has one (-kernel, -initrd, -append, -m, -serial, -debugcon, -bios).

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DECISION, decisionStrategies } from '@vmm86/vmm';
import { parseNumber, withUsageErrors } from './args.js';
import { UsageError } from './errors.js';

/** Where a character device goes: the terminal, a file, or nowhere. */
export type Chardev = { kind: 'stdio' } | { kind: 'file'; path: string } | { kind: 'none' };

export interface RunArgs {
  readonly help: boolean;
  readonly kernel: string | undefined;
  readonly initrd: string | undefined;
  readonly append: string;
  readonly bios: string | undefined;
  /** RAM in bytes. */
  readonly memoryBytes: number;
  readonly monitor: 'none' | 'vmware';
  /** The monitor's decision strategy (with --monitor vmware). */
  readonly decision: string;
  readonly serial: Chardev;
  readonly debugcon: Chardev;
  readonly realtime: boolean;
  readonly maxInstructions: number | undefined;
  readonly stats: boolean;
  /** An expect/send script for the console (instead of the keyboard). */
  readonly script: string | undefined;
}

export const RUN_USAGE: string = `usage: vmm86 run [--kernel FILE] [options]
       vmm86 run --bios FILE [options]

Boots a guest on the vmm86 PC (a Pentium II class CPU, 8259 PICs, 8254 PIT, CMOS/RTC,
16550A UARTs, i8042, PCI host bridge, VGA text) and attaches its first serial port to the
terminal.

options:
  --kernel FILE          a Linux bzImage (boot protocol >= 2.06) or a Multiboot v1 kernel
                         (default: the bundled demo OS, guests/demo-os, run under
                         --monitor vmware with --stats unless --monitor is given)
  --initrd FILE          initial ramdisk (Linux) / first module (Multiboot)
  --append TEXT          kernel command line
  --bios FILE            a ROM image mapped below 1 MiB and below 4 GiB; starts at the reset vector
  --mem SIZE             RAM size: 128M (default), 512M, 1G, 65536K; a bare number is MiB
  --monitor none         run natively on the hardware model (default)
  --monitor vmware       run under the VMware-style monitor: guest user code by direct
                         execution, the rest by the monitor (--stats shows the split)
  --decision NAME        the monitor's decision strategy: ${[...decisionStrategies.keys()].join(', ')}
                         (default ${DEFAULT_DECISION})
  --serial DEV           COM1: stdio (default), file:PATH or none
  --debugcon DEV         port 0xE9 output: stdio, file:PATH or none (default)
  --realtime             tie guest time to the wall clock (default: deterministic virtual time)
  --max-instructions N   stop after N guest instructions
  --stats                print run statistics at exit
  --script FILE          drive the console from FILE instead of the keyboard: lines
                         'expect TEXT' (wait until the guest prints TEXT) and 'send TEXT'
                         (type TEXT); \\n \\r \\t \\\\ \\xHH escapes; lines starting with # are comments.
                         Replies are typed at an exact point of the guest's execution, so a
                         scripted run is deterministic (the keyboard is not read)
  -h, --help             show this help

Console: the terminal is in raw mode; Ctrl-A X quits, Ctrl-A Ctrl-A sends Ctrl-A, Ctrl-A H
shows these keys.

Exit status: 0 when the guest powers off, halts or resets; (V << 1) | 1 when it writes V to
port 0xF4 (QEMU's isa-debug-exit); 3 on a triple fault (the CPU state is printed); 2 for a
usage error; 1 for a guest that cannot be loaded.
`;

/** The guest `vmm86 run` boots when given none: the repository's demo OS (same path from src/ and dist/). */
export const DEFAULT_GUEST: string = fileURLToPath(new URL('../../../guests/demo-os/demo-os.bin', import.meta.url));

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1 << 20, K: 1 << 10, M: 1 << 20, G: 1 << 30 };

/** Parses a memory size: a number with an optional K/M/G suffix (bare numbers are MiB, as in QEMU). */
export function parseSize(text: string, what: string): number {
  const m = /^([0-9]+)([KMG]?)(i?B)?$/i.exec(text.trim());
  if (m === null) throw new UsageError(`${what}: bad size '${text}' (use e.g. 128M, 1G, 65536K)`);
  const bytes = Number.parseInt(m[1] as string, 10) * (SIZE_UNITS[(m[2] as string).toUpperCase()] as number);
  if (bytes % 4096 !== 0) throw new UsageError(`${what}: ${text} is not a multiple of 4 KiB`);
  if (bytes < 2 << 20) throw new UsageError(`${what}: ${text} is too small (at least 2M)`);
  if (bytes > 3 * 2 ** 30) throw new UsageError(`${what}: ${text} is too large (at most 3G)`);
  return bytes;
}

/** Parses a chardev: stdio, none, file:PATH. */
export function parseChardev(text: string, what: string): Chardev {
  if (text === 'stdio') return { kind: 'stdio' };
  if (text === 'none' || text === 'null') return { kind: 'none' };
  if (text.startsWith('file:') && text.length > 5) return { kind: 'file', path: text.slice(5) };
  throw new UsageError(`${what}: '${text}' is not stdio, none or file:PATH`);
}

export function parseRunArgs(argv: readonly string[]): RunArgs {
  const { values, positionals } = withUsageErrors('run', () =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        kernel: { type: 'string' },
        initrd: { type: 'string' },
        append: { type: 'string' },
        bios: { type: 'string' },
        mem: { type: 'string', short: 'm' },
        monitor: { type: 'string' },
        decision: { type: 'string' },
        serial: { type: 'string' },
        debugcon: { type: 'string' },
        realtime: { type: 'boolean' },
        'max-instructions': { type: 'string' },
        stats: { type: 'boolean' },
        script: { type: 'string' },
      },
    }),
  );
  const help = values.help ?? false;
  if (positionals.length > 0) throw new UsageError(`run: unexpected argument '${positionals[0]}' (try 'vmm86 run --help')`);
  const monitor = values.monitor ?? 'none';
  if (monitor !== 'none' && monitor !== 'vmware') {
    throw new UsageError(`--monitor: unknown monitor '${monitor}' (available: none, vmware)`);
  }
  const decision = values.decision ?? DEFAULT_DECISION;
  if (!decisionStrategies.has(decision)) {
    throw new UsageError(`--decision: unknown decision strategy '${decision}' (available: ${[...decisionStrategies.keys()].join(', ')})`);
  }
  const demoUnderMonitor = values.kernel === undefined && values.bios === undefined && values.monitor === undefined;
  if (values.decision !== undefined && monitor !== 'vmware' && !demoUnderMonitor) throw new UsageError('--decision needs --monitor vmware');
  const args: RunArgs = {
    help,
    kernel: values.kernel,
    initrd: values.initrd,
    append: values.append ?? '',
    bios: values.bios,
    memoryBytes: values.mem === undefined ? 128 << 20 : parseSize(values.mem, '--mem'),
    monitor,
    decision,
    serial: values.serial === undefined ? { kind: 'stdio' } : parseChardev(values.serial, '--serial'),
    debugcon: values.debugcon === undefined ? { kind: 'none' } : parseChardev(values.debugcon, '--debugcon'),
    realtime: values.realtime ?? false,
    maxInstructions: values['max-instructions'] === undefined ? undefined : parseNumber(values['max-instructions'], '--max-instructions'),
    stats: values.stats ?? false,
    script: values.script,
  };
  if (help) return args;
  if (args.kernel !== undefined && args.bios !== undefined) throw new UsageError('run: --kernel and --bios exclude each other');
  if (args.kernel === undefined && args.bios === undefined) {
    if (args.initrd !== undefined) throw new UsageError('run: --initrd needs --kernel');
    // Nothing named: the bundled demo OS (guests/demo-os), which needs nothing downloaded,
    // shown under the monitor with its statistics unless a monitor was asked for.
    if (values.monitor === undefined) return { ...args, kernel: DEFAULT_GUEST, monitor: 'vmware', stats: true };
    return { ...args, kernel: DEFAULT_GUEST };
  }
  if (args.kernel === undefined && (args.initrd !== undefined || values.append !== undefined)) {
    throw new UsageError('run: --initrd and --append need --kernel');
  }
  return args;
}

export interface ScriptLine {
  expect: string;
  send?: string;
}

function unescape(text: string, where: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_m, e: string) => {
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    if (e === '\\') return '\\';
    if (e.length === 3) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    throw new UsageError(`${where}: unknown escape '\\${e}'`);
  });
}

/** Parses a --script file into expect/send steps (a send belongs to the expect before it). */
export function parseScript(text: string, name: string): ScriptLine[] {
  const steps: ScriptLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    const where = `${name}:${i + 1}`;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const m = /^(expect|send) (.*)$/.exec(line);
    if (m === null) throw new UsageError(`${where}: expected 'expect TEXT' or 'send TEXT'`);
    const value = unescape(m[2] as string, where);
    if (m[1] === 'expect') {
      if (value === '') throw new UsageError(`${where}: empty expect`);
      steps.push({ expect: value });
    } else {
      const last = steps[steps.length - 1];
      if (last === undefined) throw new UsageError(`${where}: 'send' before any 'expect'`);
      last.send = (last.send ?? '') + value;
    }
  }
  if (steps.length === 0) throw new UsageError(`${name}: the script has no steps`);
  return steps;
}
