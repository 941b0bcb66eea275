// `vmm86 run`: builds the machine, loads the guest, attaches COM1 to the terminal and
// drives the machine until the guest stops. The machine itself is synchronous; this loop
// gives Node's event loop a turn between slices so that keyboard input gets in.

import { closeSync, openSync, writeSync } from 'node:fs';
import { LoaderError, ScriptedConsole, createMachine, loadKernel, type Machine, type SerialSink, type Stopped } from '@vmm86/vmm';
import { UsageError } from './errors.js';
import { RUN_USAGE, parseRunArgs, parseScript, type Chardev, type RunArgs } from './run-args.js';

/** Where the run's text goes; tests replace it. */
export interface RunIo {
  readFile(path: string): Uint8Array;
  /** Raw bytes to the terminal (the serial console). */
  stdout(bytes: Uint8Array): void;
  stderr(text: string): void;
  /** Host input, or undefined when there is none. */
  stdin: HostInput | undefined;
}

/** A readable stream that may be a terminal (process.stdin is). */
export type HostInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };

const CTRL_A = 0x01;

/** A byte sink that batches writes: the console sees whole slices of output at once. */
class BufferedSink implements SerialSink {
  private buf = new Uint8Array(4096);
  private n = 0;
  constructor(private readonly flushTo: (bytes: Uint8Array) => void) {}
  write(byte: number): void {
    if (this.n === this.buf.length) this.flush();
    this.buf[this.n++] = byte;
  }
  flush(): void {
    if (this.n === 0) return;
    this.flushTo(this.buf.slice(0, this.n));
    this.n = 0;
  }
}

function openChardev(dev: Chardev, io: RunIo, what: string): { sink: BufferedSink | undefined; close(): void } {
  if (dev.kind === 'none') return { sink: undefined, close: () => {} };
  if (dev.kind === 'stdio') return { sink: new BufferedSink((b) => io.stdout(b)), close: () => {} };
  let fd: number;
  try {
    fd = openSync(dev.path, 'w');
  } catch (err) {
    throw new UsageError(`${what}: cannot open '${dev.path}' for writing: ${(err as Error).message}`);
  }
  const sink = new BufferedSink((b) => void writeSync(fd, b));
  return { sink, close: () => closeSync(fd) };
}

/** Loads the guest named by the arguments into the machine. */
export function loadGuest(machine: Machine, args: RunArgs, io: RunIo): void {
  if (args.kernel !== undefined) {
    const kernel = io.readFile(args.kernel);
    const initrd = args.initrd === undefined ? undefined : io.readFile(args.initrd);
    // A Multiboot kernel gets the initrd as its first module.
    const modules = initrd === undefined ? undefined : [{ data: initrd }];
    const entry = loadKernel(machine.memory.ram, kernel, { initrd, modules, cmdline: args.append });
    machine.enter(entry);
  } else if (args.bios !== undefined) {
    machine.loadBios(io.readFile(args.bios));
  }
}

/** Formats the statistics table printed by --stats. */
export function formatStats(machine: Machine): string {
  const s = machine.stats();
  const rows: [string, string][] = [
    ['guest instructions', s.instructions.toLocaleString('en-US')],
    ['virtual time', `${s.virtualSeconds.toFixed(3)} s (${s.idleSeconds.toFixed(3)} s idle)`],
    ['wall time', `${s.wallSeconds.toFixed(3)} s`],
    ['speed', `${s.mips.toFixed(1)} MIPS`],
    ['slices / halts', `${s.slices} / ${s.halts}`],
    ['interrupts', s.irqs.map((n, i) => (n > 0 ? `IRQ${i}: ${n}` : '')).filter((x) => x !== '').join(', ') || 'none'],
  ];
  const mon = s.monitor;
  if (mon !== undefined) {
    const pct = (n: number): string => (s.instructions > 0 ? `${((100 * n) / s.instructions).toFixed(1)}%` : '-');
    const list = (r: Record<string, number>): string =>
      Object.entries(r)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || 'none';
    rows.push(
      ['monitor', `vmware, decision ${mon.decision}`],
      ['DE instructions', `${mon.deInstructions.toLocaleString('en-US')} (${pct(mon.deInstructions)}), ${mon.deSeconds.toFixed(3)} s wall, ${mon.deEntries} entries`],
      ['BT instructions', `${mon.btInstructions.toLocaleString('en-US')} (${pct(mon.btInstructions)}), ${mon.btSeconds.toFixed(3)} s wall, ${mon.btEntries} entries, ${mon.callouts} callouts`],
      ['emulated by monitor', `${mon.monitorInstructions.toLocaleString('en-US')} (${pct(mon.monitorInstructions)}), ${mon.vcpuSeconds.toFixed(3)} s wall`],
      ['monitor overhead', `${mon.monitorSeconds.toFixed(3)} s wall`],
      ['DE exits', list(mon.exits)],
      ['page faults', `hidden ${mon.hiddenFaults}, true ${mon.trueFaults}, trace ${mon.traceFaults}, mmio ${mon.mmioFaults}, monitor region ${mon.monitorRegionFaults}`],
      ['emulated after exit', `${mon.emulated} instructions; segment A-bit retries ${mon.segmentRetries}`],
      ['decisions', list(mon.decisions)],
      ['shadow MMU', list(mon.shadow)],
      ['translation cache', `${mon.translations} translations, ${mon.chainPatches} chain patches, ${mon.invalidations} invalidations`],
    );
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return `vmm86 statistics\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

/** Runs `vmm86 run ARGS`; resolves to the exit status. Usage errors throw UsageError. */
export async function runCommand(argv: readonly string[], io: RunIo): Promise<number> {
  const args = parseRunArgs(argv);
  if (args.help) {
    io.stdout(new TextEncoder().encode(RUN_USAGE));
    return 0;
  }
  const steps = args.script === undefined ? undefined : parseScript(new TextDecoder().decode(io.readFile(args.script)), args.script);
  const serial = openChardev(args.serial, io, '--serial');
  const debugcon = openChardev(args.debugcon, io, '--debugcon');
  // The script types into the machine, which does not exist yet when the sink is made.
  const late: { machine?: Machine } = {};
  const script =
    steps === undefined ? undefined : new ScriptedConsole(steps, (bytes) => late.machine?.input(bytes), serial.sink);
  const machine = createMachine({
    memoryBytes: args.memoryBytes,
    realtime: args.realtime,
    serial: script ?? serial.sink,
    debugcon: debugcon.sink,
    monitor: args.monitor,
    decision: args.decision,
  });
  late.machine = machine;
  try {
    loadGuest(machine, args, io);
  } catch (err) {
    if (err instanceof LoaderError) {
      io.stderr(`vmm86: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const flush = (): void => {
    serial.sink?.flush();
    debugcon.sink?.flush();
  };
  const console = new ConsoleInput(io.stdin, args.serial.kind === 'stdio' && script === undefined, io);
  let result: Stopped;
  try {
    result = await drive(machine, args, console, flush);
  } finally {
    console.close();
    flush();
    serial.close();
    debugcon.close();
  }
  io.stderr(`\nvmm86: ${result.message}\n`);
  if (args.stats) io.stderr(formatStats(machine));
  if (script !== undefined && !script.done && result.reason !== 'shutdown') {
    io.stderr(`vmm86: ${args.script}: the guest stopped while the script waited for ${JSON.stringify(script.waitingFor)}\n`);
    return result.exitCode === 0 ? 1 : result.exitCode;
  }
  return result.exitCode;
}

/** Host keyboard/pipe input with the Ctrl-A escape. */
class ConsoleInput {
  private queue: number[] = [];
  private waiter: (() => void) | undefined;
  private escape = false;
  closed = false;
  quit = false;
  private readonly raw: boolean;

  constructor(
    private readonly stream: HostInput | undefined,
    attached: boolean,
    private readonly io: RunIo,
  ) {
    this.raw = attached && stream?.isTTY === true && typeof stream.setRawMode === 'function';
    if (stream === undefined || !attached) {
      this.closed = true;
      return;
    }
    if (this.raw) stream.setRawMode?.(true);
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.resume();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (const b of bytes) {
      if (!this.raw) {
        this.queue.push(b);
        continue;
      }
      if (this.escape) {
        this.escape = false;
        if (b === 0x78 || b === 0x58 || b === 0x18) this.quit = true; // x, X, Ctrl-X
        else if (b === CTRL_A) this.queue.push(CTRL_A);
        else if (b === 0x68 || b === 0x48) this.io.stderr('\r\nvmm86: Ctrl-A X quit, Ctrl-A Ctrl-A send Ctrl-A, Ctrl-A H help\r\n');
        continue;
      }
      if (b === CTRL_A) this.escape = true;
      else this.queue.push(b);
    }
    this.wake();
  };

  private readonly onEnd = (): void => {
    this.closed = true;
    this.wake();
  };

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Takes the queued input bytes. */
  take(): number[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  /** Resolves when input arrives, input ends, or `ms` pass. */
  wait(ms: number): Promise<void> {
    if (this.queue.length > 0 || this.quit) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(() => this.wake(), ms);
      this.waiter = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
    });
  }

  close(): void {
    if (this.stream === undefined) return;
    this.stream.removeListener('data', this.onData);
    this.stream.removeListener('end', this.onEnd);
    if (this.raw) this.stream.setRawMode?.(false);
    this.stream.pause();
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function drive(machine: Machine, args: RunArgs, input: ConsoleInput, flush: () => void): Promise<Stopped> {
  machine.startClock();
  for (;;) {
    const pending = input.take();
    if (pending.length > 0) machine.input(pending);
    if (input.quit) return machine.stop('quit', 0, 'quit (Ctrl-A X)');
    const r = machine.run({ wallMs: 50, maxInstructions: args.maxInstructions, inputClosed: input.closed });
    flush();
    if (r.kind === 'stopped') return r;
    if (r.kind === 'waiting') await input.wait(Math.min(r.waitMs, 1000));
    else await turn();
  }
}
