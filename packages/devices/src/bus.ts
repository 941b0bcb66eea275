// What a device sees of the board: I/O ports, MMIO ranges, interrupt lines, board
// signals (A20, reset) and the virtual clock. Devices never see the CPU or each other;
// the machine (`@vmm86/vmm`) wires them through these interfaces, and each device's tests
// wire them to the small fakes at the end of this file.

// ---- I/O ports --------------------------------------------------------------------------

/** A device's I/O port handler. `bytes` is 1, 2 or 4. */
export interface IoHandler {
  read(port: number, bytes: number): number;
  write(port: number, bytes: number, value: number): void;
}

/** Where devices claim ports. */
export interface IoBus {
  /**
   * Claims ports `first` .. `first + count - 1`. With `wide` false (ISA devices, the
   * default) a 16- or 32-bit access is split into byte accesses at consecutive ports, as
   * an ISA bus does; with `wide` true the handler gets the access whole (PCI config data,
   * 16-bit data ports).
   */
  register(first: number, count: number, handler: IoHandler, name: string, wide?: boolean): void;
}

const ALL_ONES = [0, 0xff, 0xffff, 0, -1] as const;

/**
 * The port space: 65,536 slots mapping to handlers. It is the CPU's `IoPorts`: an
 * unclaimed port reads as all ones and ignores writes, as on a PC's open bus.
 */
export class PortBus implements IoBus {
  private readonly slot = new Uint8Array(0x10000);
  private readonly wideSlot = new Uint8Array(0x10000);
  private readonly handlers: IoHandler[] = [{ read: (_p, b) => ALL_ONES[b as 1 | 2 | 4], write: () => {} }];
  readonly names: string[] = ['(unclaimed)'];

  register(first: number, count: number, handler: IoHandler, name: string, wide = false): void {
    if (first < 0 || count <= 0 || first + count > 0x10000) {
      throw new RangeError(`${name}: port range ${first.toString(16)}+${count} is outside 0..ffff`);
    }
    let index = this.handlers.indexOf(handler);
    if (index < 0) {
      if (this.handlers.length === 255) throw new RangeError(`${name}: too many I/O handlers`);
      index = this.handlers.push(handler) - 1;
      this.names.push(name);
    }
    for (let p = first; p < first + count; p++) {
      const owner = this.slot[p] as number;
      if (owner !== 0) throw new Error(`${name}: port 0x${p.toString(16)} is already claimed by ${this.names[owner]}`);
      this.slot[p] = index;
      this.wideSlot[p] = wide ? 1 : 0;
    }
  }

  /** Which device owns `port` ('(unclaimed)' if none). */
  owner(port: number): string {
    return this.names[this.slot[port & 0xffff] as number] as string;
  }

  read(port: number, bytes: number): number {
    port &= 0xffff;
    if (bytes === 1 || this.wideSlot[port] === 1) {
      return (this.handlers[this.slot[port] as number] as IoHandler).read(port, bytes);
    }
    let value = 0;
    for (let i = 0; i < bytes; i++) value |= (this.read((port + i) & 0xffff, 1) & 0xff) << (8 * i);
    return bytes === 4 ? value : value & 0xffff;
  }

  write(port: number, bytes: number, value: number): void {
    port &= 0xffff;
    if (bytes === 1 || this.wideSlot[port] === 1) {
      (this.handlers[this.slot[port] as number] as IoHandler).write(port, bytes, value);
      return;
    }
    for (let i = 0; i < bytes; i++) this.write((port + i) & 0xffff, 1, (value >>> (8 * i)) & 0xff);
  }
}

// ---- MMIO -------------------------------------------------------------------------------

/** A device's memory-mapped range. `addr` is the physical address; `bytes` is 1, 2 or 4. */
export interface MmioHandler {
  read(addr: number, bytes: number): number;
  write(addr: number, bytes: number, value: number): void;
}

/** Where devices claim physical address ranges (whole 4 KiB pages). */
export interface MmioBus {
  register(base: number, size: number, handler: MmioHandler, name: string): void;
}

// ---- interrupt lines and board signals --------------------------------------------------

/**
 * An interrupt request line. Devices drive its level; edge-triggered inputs (the ISA
 * default) see the rising edge. `pulse` raises and lowers it (an edge for one instant).
 */
export interface IrqLine {
  set(level: boolean): void;
}

/** Raises then lowers a line: one edge for an edge-triggered input. */
export function pulse(line: IrqLine): void {
  line.set(true);
  line.set(false);
}

/** Signals some devices drive on the board (i8042 output port, port 0x92). */
export interface BoardSignals {
  /** The A20 gate: false holds address line 20 low (8086 wrap-around). */
  setA20(enabled: boolean): void;
  /** Pulses the CPU's RESET line (a reboot). */
  reset(): void;
}

// ---- the virtual clock ------------------------------------------------------------------

/** Nanoseconds of virtual time; a double (exact to 2^53 ns, about 104 days). */
export interface Clock {
  now(): number;
}

/** A one-shot timer on a clock. Re-arming replaces the previous deadline. */
export interface Timer {
  /** Fires the callback when virtual time reaches `at` (ns); a past `at` fires at once. */
  arm(at: number): void;
  disarm(): void;
  readonly armed: boolean;
  /** The armed deadline (Infinity when disarmed). */
  readonly deadline: number;
}

/** A clock devices can schedule on. */
export interface Scheduler extends Clock {
  /** A new (disarmed) timer whose callback gets the virtual time it fires at. */
  timer(name: string, fire: (now: number) => void): Timer;
}

class EventTimer implements Timer {
  deadline = Infinity;
  constructor(
    private readonly owner: EventScheduler,
    readonly name: string,
    readonly fire: (now: number) => void,
  ) {}
  get armed(): boolean {
    return this.deadline !== Infinity;
  }
  arm(at: number): void {
    this.deadline = at;
    this.owner.changed(at);
  }
  disarm(): void {
    this.deadline = Infinity;
  }
}

/**
 * Timers on a clock whose time comes from `now` (the machine derives it from retired
 * instructions; tests use `ManualClock`). The owner asks for `nextDeadline()`, runs the
 * CPU up to it, then calls `runDue()`. `onEarlier` is called when a timer is armed before
 * the deadline the owner is running towards, so that it can end the CPU slice early.
 */
export class EventScheduler implements Scheduler {
  private readonly timers: EventTimer[] = [];
  /** The deadline the owner is running towards (set by `nextDeadline`). */
  private horizon = Infinity;
  onEarlier: () => void = () => {};

  constructor(private readonly source: () => number) {}

  now(): number {
    return this.source();
  }

  timer(name: string, fire: (now: number) => void): Timer {
    const t = new EventTimer(this, name, fire);
    this.timers.push(t);
    return t;
  }

  /** @internal called by timers when armed. */
  changed(at: number): void {
    if (at < this.horizon) {
      this.horizon = at;
      this.onEarlier();
    }
  }

  /** The earliest armed deadline (Infinity if none); also what `onEarlier` compares with. */
  nextDeadline(): number {
    let min = Infinity;
    for (const t of this.timers) if (t.deadline < min) min = t.deadline;
    this.horizon = min;
    return min;
  }

  /** Fires every timer whose deadline is at or before `now()`, earliest first. */
  runDue(): void {
    for (;;) {
      const t = this.now();
      let due: EventTimer | undefined;
      for (const timer of this.timers) if (timer.deadline <= t && (due === undefined || timer.deadline < due.deadline)) due = timer;
      if (due === undefined) return;
      due.deadline = Infinity;
      due.fire(t);
    }
  }

  /** Names of armed timers with their deadlines (diagnostics). */
  pending(): { name: string; deadline: number }[] {
    return this.timers.filter((t) => t.armed).map((t) => ({ name: t.name, deadline: t.deadline }));
  }
}

/** A scheduler whose time moves only when told (device tests, tools). */
export class ManualClock extends EventScheduler {
  time = 0;
  constructor() {
    super(() => 0);
  }
  override now(): number {
    return this.time;
  }
  /** Moves time forward to `to`, firing each due timer at its own deadline. */
  advanceTo(to: number): void {
    for (;;) {
      const next = this.nextDeadline();
      if (next > to) break;
      this.time = Math.max(this.time, next);
      this.runDue();
    }
    this.time = Math.max(this.time, to);
  }
  advance(ns: number): void {
    this.advanceTo(this.time + ns);
  }
}

/** An IRQ line that records its level and rising edges (device tests). */
export class TestLine implements IrqLine {
  level = false;
  edges = 0;
  set(level: boolean): void {
    if (level && !this.level) this.edges++;
    this.level = level;
  }
}
