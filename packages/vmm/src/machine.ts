// createMachine(config): the PC — CPU, RAM, the board's devices and a loaded guest — and
// the loop that runs the CPU in slices between device events on the virtual clock.
//
// Time. Guest time is virtual: it advances by `nsPerCycle` per retired instruction (the
// CPU's TSC ticks once per instruction, so the TSC frequency is the nominal clock rate),
// and jumps forward over HLT to the next device event. A run is therefore deterministic:
// the same guest and the same input bytes at the same virtual instants give the same
// output. With `realtime`, virtual time is held back to the wall clock instead (a halted
// guest waits for real time to pass; a guest running ahead is throttled).

import { createCpu, EFLAGS_IF, Exit, SEG_CS, segFlagsOf, ACC_DB, ACC_G, CR0_PE, type Cpu } from '@vmm86/cpu-core';
import {
  DebugPorts, DualPic, EventScheduler, I8042, Pit, Port92, PortBus, Rtc, SystemControlB, Uart, Vga, createI440fx,
  type BoardSignals, type IrqLine, type PciBus,
} from '@vmm86/devices';
import { LoaderError, type EntryState } from './loaders/types.js';
import { PhysicalBus } from './physical.js';
import { Monitor, MONITOR_BYTES, type MonitorStats } from './monitor/monitor.js';

/** A serial port's host side: bytes the guest transmits. */
export interface SerialSink {
  write(byte: number): void;
}

export interface MachineConfig {
  /** RAM in bytes (a multiple of 4 KiB); default 128 MiB. */
  memoryBytes?: number;
  /** The nominal clock: instructions (= TSC ticks) per second of virtual time; default 200 MHz. */
  clockHz?: number;
  /** Tie virtual time to the wall clock (interactive use) instead of running deterministically. */
  realtime?: boolean;
  /** The RTC's time at power-on, in ms since the Unix epoch (default: 2024-01-01T00:00:00Z, or now with `realtime`). */
  startTimeMs?: number;
  /** COM1's output (the guest console); COM2 goes to `serial2` or nowhere. */
  serial?: SerialSink;
  serial2?: SerialSink;
  /** Port 0xE9 output. */
  debugcon?: SerialSink;
  /**
   * `none` (default): the guest runs natively on the hardware CPU. `vmware`: under the
   * monitor (README "Monitor"): DE for guest CPL-3 code, the monitor's virtual CPU for the rest.
   */
  monitor?: 'none' | 'vmware';
  /** The monitor's decision strategy (`@vmm86/decision`): vmware (default), always-bt, no-v86. */
  decision?: string;
  /**
   * Under the monitor: code the decision sends to BT runs translated by @vmm86/dbt (default
   * true). False runs it on the monitor's virtual CPU (an interpreter) instead: slower, but
   * virtual time then counts exactly the guest's instructions, as natively.
   */
  translate?: boolean;
}

/** Why a run stopped for good. */
export type StopReason =
  /** The guest wrote port 0xF4 (QEMU's isa-debug-exit): exit status (value << 1) | 1. */
  | 'exit-port'
  /** Triple fault: the CPU shut down. */
  | 'shutdown'
  /** HLT with interrupts disabled and nothing that could wake the CPU: the guest halted or powered off. */
  | 'halted'
  /** The guest pulsed the CPU's RESET line (i8042 0xFE, port 0x92 bit 0): a reboot request. */
  | 'reset'
  /** The `maxInstructions` limit was reached. */
  | 'instruction-limit'
  /** The guest is idle with no timer armed and its input has ended: it can never run again. */
  | 'idle-forever'
  /** The user quit (the console's escape key). */
  | 'quit';

export interface Stopped {
  kind: 'stopped';
  reason: StopReason;
  /** The process exit status this stop maps to. */
  exitCode: number;
  message: string;
}

/** The result of one `run` call. */
export type RunResult =
  | Stopped
  /** The wall-clock budget of this call is spent; call `run` again. */
  | { kind: 'running' }
  /**
   * The guest waits for something outside: with `waitMs` finite, for that much wall time
   * (realtime pacing); with `waitMs` Infinity, for input (no timer armed, CPU halted).
   */
  | { kind: 'waiting'; waitMs: number };

export interface RunLimits {
  /** Return `running` after about this much wall time (ms); default 50. */
  wallMs?: number;
  /** Stop for good after this many retired instructions in total. */
  maxInstructions?: number;
  /** Input has ended: an idle guest with no timer armed stops ('idle-forever'). */
  inputClosed?: boolean;
}

export interface MachineStats {
  instructions: number;
  virtualSeconds: number;
  wallSeconds: number;
  /** Guest instructions per wall second while running (millions). */
  mips: number;
  slices: number;
  /** HLT exits, and how many ns of virtual time idle skipping covered. */
  halts: number;
  idleSeconds: number;
  /** Virtual time spent in I/O port accesses. */
  ioSeconds: number;
  /** Interrupts acknowledged, per IRQ line (0-15; spurious ones counted at 7/15). */
  irqs: number[];
  /** Under `monitor: 'vmware'`: the monitor's counters. */
  monitor?: MonitorStats;
}

declare const performance: { now(): number };

const FLAT_CODE = 0x9b | ACC_DB | ACC_G;
const FLAT_DATA = 0x93 | ACC_DB | ACC_G;
const DEFAULT_EPOCH_MS = Date.UTC(2024, 0, 1);
/**
 * Virtual time one I/O port access takes: an ISA bus cycle is about 1 µs on a PC, and
 * guests rely on it (Linux's quick_pit_calibrate reads the PIT once "to delay for a
 * microsecond" so that a freshly written count has loaded).
 */
const IO_ACCESS_NS = 1000;
/** The longest slice (instructions) when no event is near: bounds the latency of host input. */
const MAX_SLICE = 2_000_000;

export class Machine {
  readonly cpu: Cpu;
  readonly memory: PhysicalBus;
  readonly io: PortBus = new PortBus();
  readonly clock: EventScheduler;
  readonly pic: DualPic = new DualPic();
  readonly pit: Pit;
  readonly port61: SystemControlB;
  readonly rtc: Rtc;
  readonly com1: Uart;
  readonly com2: Uart;
  readonly i8042: I8042;
  readonly port92: Port92;
  readonly debug: DebugPorts;
  readonly pci: PciBus;
  readonly vga: Vga;
  readonly nsPerCycle: number;
  readonly realtime: boolean;
  /** The monitor, when the machine runs under `monitor: 'vmware'`. */
  readonly monitor: Monitor | undefined;
  /** Cycles of virtual time that passed with the CPU halted (skipped, not executed). */
  private idleCycles = 0;
  /** Cycles of virtual time spent waiting on I/O port accesses (see `IO_ACCESS_NS`). */
  private ioCycles = 0;
  private readonly ioCost: number;
  /** The virtual time the current CPU slice runs towards. */
  private sliceDeadline = Infinity;
  private stopped: Stopped | undefined;
  private readonly irqCounts: number[] = new Array<number>(16).fill(0);
  private slices = 0;
  private halts = 0;
  private wallStart = performance.now();
  /** Wall time spent inside `run` (ms). */
  private wallRunning = 0;
  /** Realtime: the wall time (ms) at which virtual time 0 is anchored. */
  private wallAnchor = 0;

  constructor(config: MachineConfig = {}) {
    const memoryBytes = config.memoryBytes ?? 128 << 20;
    if (memoryBytes < 2 << 20) throw new RangeError(`--mem: ${memoryBytes} bytes is too small (at least 2 MiB)`);
    if (memoryBytes > 3 * 2 ** 30) throw new RangeError(`--mem: ${memoryBytes} bytes is too large (at most 3 GiB below the PCI hole)`);
    const hz = config.clockHz ?? 200e6;
    this.nsPerCycle = 1e9 / hz;
    this.realtime = config.realtime ?? false;
    const monitored = (config.monitor ?? 'none') === 'vmware';
    // Under the monitor, host memory is guest RAM followed by the monitor's own pages.
    const host = monitored ? new Uint8Array(memoryBytes + MONITOR_BYTES) : undefined;
    this.memory = new PhysicalBus(memoryBytes, host);
    this.ioCost = Math.max(1, Math.round(IO_ACCESS_NS / this.nsPerCycle));
    const bus = this.io;
    this.cpu = createCpu({
      memory: this.memory,
      io: {
        read: (port, bytes) => {
          this.ioStall();
          return bus.read(port, bytes);
        },
        write: (port, bytes, value) => {
          this.ioStall();
          bus.write(port, bytes, value);
        },
      },
    });
    const cpu = this.cpu;
    this.monitor = host === undefined ? undefined : new Monitor(cpu, this.memory, host, config.decision, config.translate ?? true);
    this.clock = new EventScheduler(() => (this.retired() + this.idleCycles + this.ioCycles) * this.nsPerCycle);
    // A timer armed before the end of the current slice must end it.
    this.clock.onEarlier = () => this.endSlice();

    // A20 is the OR of the i8042 output port (which starts with it on) and port 0x92.
    const a20 = { kbd: true, fast: false };
    const setA20 = (): void => cpu.setA20(a20.kbd || a20.fast);
    const reset = (): void => void this.stop('reset', 0, 'the guest reset the machine');
    const signals: BoardSignals = { setA20: (on) => ((a20.kbd = on), setA20()), reset };
    const fastSignals: BoardSignals = { setA20: (on) => ((a20.fast = on), setA20()), reset };
    const pic = this.pic;
    pic.attach(this.io);
    pic.onIntr = (level) => {
      cpu.intrLine = level;
      if (level) this.monitor?.interruptRaised();
    };
    cpu.acknowledge = () => {
      const vector = pic.acknowledge();
      this.countIrq(vector);
      return vector;
    };
    const irq = (n: number): IrqLine => pic.irq(n);

    this.pit = new Pit(this.clock, irq(0));
    this.pit.attach(this.io);
    this.port61 = new SystemControlB(this.clock, this.pit);
    this.port61.attach(this.io);
    this.rtc = new Rtc(this.clock, irq(8), config.startTimeMs ?? (this.realtime ? Date.now() : DEFAULT_EPOCH_MS));
    this.rtc.attach(this.io);
    this.rtc.setMemorySize(memoryBytes);
    const sink: SerialSink = { write: () => {} };
    this.com1 = new Uart(this.clock, irq(4), config.serial ?? sink);
    this.com1.attach(this.io, 0x3f8);
    this.com2 = new Uart(this.clock, irq(3), config.serial2 ?? sink);
    this.com2.attach(this.io, 0x2f8);
    this.i8042 = new I8042(this.clock, irq(1), irq(12), signals);
    this.i8042.attach(this.io);
    this.port92 = new Port92(fastSignals);
    this.port92.attach(this.io);
    const debugcon = config.debugcon ?? sink;
    this.debug = new DebugPorts({
      onDebugOutput: (byte) => debugcon.write(byte),
      onExit: (value) => this.stop('exit-port', ((value << 1) | 1) >>> 0, `the guest wrote 0x${(value >>> 0).toString(16)} to the exit port 0xf4`),
    });
    this.debug.attach(this.io);
    this.pci = createI440fx(signals);
    this.pci.attach(this.io);
    this.vga = new Vga(this.clock);
    this.vga.attach(this.io, this.memory);
    this.installFerr(irq(13));
    this.monitor?.syncPageKinds();
  }

  /** Guest instructions retired, natively or (under the monitor) in DE and by the virtual CPU. */
  retired(): number {
    return this.cpu.retired + (this.monitor?.deRetired ?? 0);
  }

  /** Ends the current CPU slice after the instruction being executed. */
  private endSlice(): void {
    if (this.monitor !== undefined) this.monitor.requestStop();
    else this.cpu.requestStop();
  }

  /** FERR# (x87 errors with CR0.NE = 0) raises IRQ 13 until the OS writes port 0xF0. */
  private installFerr(line: IrqLine): void {
    this.cpu.onFerr = () => line.set(true);
    this.io.register(0xf0, 1, { read: () => 0xff, write: () => line.set(false) }, 'fpu-error');
  }

  /**
   * An I/O port access takes bus time: the TSC and the devices see it pass. A slice that
   * I/O pushes past its deadline ends after the instruction, so events stay on time.
   */
  private ioStall(): void {
    this.ioCycles += this.ioCost;
    this.cpu.tscOffset += this.ioCost;
    if (this.now() >= this.sliceDeadline) this.endSlice();
  }

  private countIrq(vector: number): void {
    // The vector bases are whatever the guest programmed with ICW2.
    for (const chip of [0, 1] as const) {
      const line = vector - this.pic.vectorBase(chip);
      if (line >= 0 && line < 8) {
        const irq = chip * 8 + line;
        this.irqCounts[irq] = (this.irqCounts[irq] as number) + 1;
        return;
      }
    }
  }

  /** Virtual time in ns. */
  now(): number {
    return this.clock.now();
  }

  /** Ends the run for good (the first reason wins) and ends the current CPU slice. */
  stop(reason: StopReason, exitCode: number, message: string): Stopped {
    this.stopped ??= { kind: 'stopped', reason, exitCode, message };
    this.endSlice();
    return this.stopped;
  }

  /** Puts the CPU in a loader's entry state. */
  enter(entry: EntryState): void {
    const cpu = this.cpu;
    const r = cpu.reg32;
    r[0] = entry.eax ?? 0;
    r[1] = entry.ecx ?? 0;
    r[2] = entry.edx ?? 0;
    r[3] = entry.ebx ?? 0;
    r[4] = entry.esp ?? 0;
    r[5] = entry.ebp ?? 0;
    r[6] = entry.esi ?? 0;
    r[7] = entry.edi ?? 0;
    cpu.setFlags(0x2, -1);
    cpu.setFlags(0, EFLAGS_IF);
    if (entry.mode === 'flat32') {
      const gdt = entry.gdt;
      if (gdt === undefined) throw new Error('loader: flat32 entry without a GDT');
      cpu.setCr0((cpu.cr0 & ~0x80000000) | CR0_PE);
      cpu.gdtBase = gdt.base;
      cpu.gdtLimit = gdt.limit;
      cpu.idtBase = 0;
      cpu.idtLimit = 0;
      for (let s = 0; s < 6; s++) {
        // The hidden caches hold what loading these selectors from the loader's GDT gives.
        cpu.segSel[s] = s === SEG_CS ? gdt.cs : gdt.ds;
        cpu.segBase[s] = 0;
        cpu.segLimit[s] = -1;
        cpu.segAcc[s] = s === SEG_CS ? FLAT_CODE : FLAT_DATA;
        cpu.segFlags[s] = segFlagsOf(cpu.segAcc[s] as number);
      }
      cpu.cpl = 0;
    } else {
      cpu.loadSegmentReal(SEG_CS, entry.cs ?? 0);
      for (const s of [0, 2, 3, 4, 5]) cpu.loadSegmentReal(s, entry.cs ?? 0);
    }
    cpu.eip = entry.eip >>> 0;
    cpu.invalidateCode(0, this.memory.ram.length);
  }

  /**
   * Maps a BIOS ROM image: its last 128 KiB (or all of a smaller image) at the top of the
   * first MiB, and the whole image below 4 GiB, where the CPU's reset vector fetches from.
   */
  loadBios(image: Uint8Array): void {
    if (image.length < 0x10000 || image.length > 0x100000 || image.length % 0x10000 !== 0) {
      throw new LoaderError(`BIOS image: ${image.length} bytes; expected a multiple of 64 KiB between 64 KiB and 1 MiB`);
    }
    const low = image.subarray(Math.max(0, image.length - 0x20000));
    this.memory.mapRom(0x100000 - low.length, low, 'bios (low)');
    this.memory.mapRom(2 ** 32 - image.length, image, 'bios');
    this.monitor?.syncPageKinds();
    this.cpu.reset();
  }

  /** Host input for COM1 (the console). */
  input(bytes: ArrayLike<number>): void {
    this.com1.input(bytes);
  }

  /**
   * Runs the machine for about `limits.wallMs` of wall time, or until it stops or must
   * wait. Synchronous: the caller (a CLI, a test, a browser page) drives it in a loop and
   * feeds host input between calls.
   */
  run(limits: RunLimits = {}): RunResult {
    if (this.stopped !== undefined) return this.stopped;
    const cpu = this.cpu;
    const wallBegin = performance.now();
    const wallEnd = wallBegin + (limits.wallMs ?? 50);
    const maxInstructions = limits.maxInstructions ?? Infinity;
    try {
      for (;;) {
        this.clock.runDue();
        if (this.stopped !== undefined) return this.stopped;
        if (this.retired() >= maxInstructions) {
          return this.stop('instruction-limit', 0, `stopped after ${maxInstructions} instructions (--max-instructions)`);
        }
        const deadline = this.clock.nextDeadline();
        if (cpu.halted && !this.canWake()) {
          if (!cpu.intrLine && !cpu.nmiPending && (cpu.getFlags() & EFLAGS_IF) === 0) {
            return this.stop('halted', 0, 'the guest halted the CPU with interrupts disabled (power-off or halt)');
          }
          const wait = this.idle(deadline);
          if (wait > 0) {
            if (wait === Infinity && limits.inputClosed === true && this.com1.inputQueued === 0) {
              return this.stop('idle-forever', 1, 'the guest is idle with no timer armed and its input has ended');
            }
            return { kind: 'waiting', waitMs: wait };
          }
          continue;
        }
        if (this.realtime) {
          // Running ahead of the wall clock: let it catch up.
          const ahead = this.now() / 1e6 - (performance.now() - this.wallAnchor);
          if (ahead > 20) return { kind: 'waiting', waitMs: ahead };
        }
        let budget = deadline === Infinity ? MAX_SLICE : Math.ceil((deadline - this.now()) / this.nsPerCycle);
        budget = Math.max(1, Math.min(budget, MAX_SLICE, maxInstructions - this.retired()));
        this.slices++;
        this.sliceDeadline = deadline;
        const exit = this.monitor !== undefined ? this.monitor.run(budget) : cpu.run(budget);
        this.sliceDeadline = Infinity;
        if (exit === Exit.SHUTDOWN) {
          return this.stop('shutdown', 3, `triple fault: the CPU shut down\n${describeCpu(cpu)}`);
        }
        if (exit === Exit.HALT) this.halts++;
        if (performance.now() >= wallEnd) {
          this.clock.runDue();
          return this.stopped ?? { kind: 'running' };
        }
      }
    } finally {
      this.wallRunning += performance.now() - wallBegin;
    }
  }

  /**
   * The CPU is halted until an event: moves virtual time forward (to the deadline; with
   * `realtime`, no further than the wall clock) and returns 0, or returns how long (ms)
   * the caller must wait (Infinity: no event will come unless the host sends input).
   */
  private idle(deadline: number): number {
    let target = deadline;
    let wait = 0;
    if (this.realtime) {
      const wall = (performance.now() - this.wallAnchor) * 1e6;
      if (deadline > wall) {
        target = wall;
        wait = (deadline - wall) / 1e6;
      }
    } else if (deadline === Infinity) {
      return Infinity;
    }
    const skip = Math.max(0, Math.ceil((target - this.now()) / this.nsPerCycle));
    this.idleCycles += skip;
    this.cpu.tscOffset += skip;
    return wait;
  }

  /** A halted CPU wakes on an NMI, or on INTR with IF = 1. */
  private canWake(): boolean {
    const cpu = this.cpu;
    return cpu.nmiPending || (cpu.intrLine && (cpu.getFlags() & EFLAGS_IF) !== 0);
  }

  /** Anchors realtime pacing at the current wall time (call when the driver starts). */
  startClock(): void {
    this.wallStart = performance.now();
    this.wallAnchor = this.wallStart - this.now() / 1e6;
  }

  stats(): MachineStats {
    const instructions = this.retired();
    const wallSeconds = (performance.now() - this.wallStart) / 1000;
    return {
      instructions,
      virtualSeconds: this.now() / 1e9,
      wallSeconds,
      mips: this.wallRunning > 0 ? instructions / this.wallRunning / 1000 : 0,
      slices: this.slices,
      halts: this.halts,
      idleSeconds: (this.idleCycles * this.nsPerCycle) / 1e9,
      ioSeconds: (this.ioCycles * this.nsPerCycle) / 1e9,
      irqs: this.irqCounts.slice(),
      ...(this.monitor !== undefined ? { monitor: this.monitor.stats() } : {}),
    };
  }
}

/** The CPU state as a few lines of text (triple-fault reports). */
export function describeCpu(cpu: Cpu): string {
  const hex = (v: number, w = 8): string => (v >>> 0).toString(16).padStart(w, '0');
  const r = cpu.reg32;
  const names = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
  const gp = names.map((n, i) => `${n}=${hex(r[i] as number)}`).join(' ');
  const segs = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS']
    .map((n, i) => `${n}=${hex(cpu.segSel[i] as number, 4)} base=${hex(cpu.segBase[i] as number)} limit=${hex(cpu.segLimit[i] as number)}`)
    .join('\n  ');
  return [
    `  EIP=${hex(cpu.eip)} EFLAGS=${hex(cpu.getFlags())} CPL=${cpu.cpl}`,
    `  ${gp}`,
    `  ${segs}`,
    `  CR0=${hex(cpu.cr0)} CR2=${hex(cpu.cr2)} CR3=${hex(cpu.cr3)} CR4=${hex(cpu.cr4)}`,
    `  GDT=${hex(cpu.gdtBase)}/${hex(cpu.gdtLimit, 4)} IDT=${hex(cpu.idtBase)}/${hex(cpu.idtLimit, 4)}`,
    `  instructions retired: ${cpu.retired}`,
  ].join('\n');
}

/** Builds the machine. */
export function createMachine(config: MachineConfig = {}): Machine {
  return new Machine(config);
}
