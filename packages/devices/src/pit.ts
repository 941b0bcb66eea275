// The 8254 programmable interval timer (ports 0x40-0x43, 1.193182 MHz) and System
// Control Port B (0x61), which gates channel 2 and reads back its OUT.
//
// Nothing ticks. Each counter keeps a reference point — the CLK tick at which the counting
// element (CE) held `n` — and computes CE and OUT for any later tick from its mode. A write
// that the 8254 applies on the next CLK (a count load) sets the reference to the next
// tick; a new count in mode 2/3 is held as "pending" and applied lazily at the reload
// boundary the datasheet names. Only channel 0 arms a timer, and only for the next OUT
// transition that IRQ 0 must see: in modes 2, 4 and 5 the one-clock low pulse is not
// scheduled, the rising edge is delivered as a low-high pair instead.
//
// Ticks are exact integers: tick(t) = floor(t * 1193182 / 1e9), computed in two parts so
// the products stay below 2^53. The edge of tick k is the first nanosecond whose tick
// is k.
//
// Deviations: gate changes take effect at the current tick (the 8254 samples GATE on the
// next CLK); a count of 1 in modes 2 and 3, which the datasheet forbids, holds OUT high.

import type { Clock, IoBus, IoHandler, IrqLine, Scheduler, Timer } from './bus.js';

export const PIT_HZ = 1193182;
const NS_PER_S = 1e9;

/** The PIT tick current at virtual time `ns`. */
export function pitTick(ns: number): number {
  const s = Math.floor(ns / NS_PER_S);
  return s * PIT_HZ + Math.floor(((ns - s * NS_PER_S) * PIT_HZ) / NS_PER_S);
}

/** The first nanosecond at which `pitTick` reaches `tick`. */
export function pitTickStart(tick: number): number {
  const s = Math.floor(tick / PIT_HZ);
  return s * NS_PER_S + Math.ceil(((tick - s * PIT_HZ) * NS_PER_S) / PIT_HZ);
}

function fromBcd(v: number): number {
  return ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf);
}

function toBcd(v: number): number {
  return ((v / 1000) % 10 << 12) | ((v / 100) % 10 << 8) | ((v / 10) % 10 << 4) | v % 10;
}

class Counter {
  // control word
  mode = 0;
  /** Access: 1 LSB, 2 MSB, 3 LSB then MSB. */
  rw = 3;
  bcd = false;
  /** Status bits 5-0 as written (RW1 RW0 M2 M1 M0 BCD). */
  control = 0x30;
  gate = true;

  // count register
  cr = 0;
  writeMsbNext = false;
  hasCount = false;

  // counting element: CE holds `n` at tick `ref`, counting if `running`
  running = false;
  ref = 0;
  n = 0;
  /** Modes 0/4 after a pause: the terminal count already passed. */
  fired = false;
  /** CE and OUT before `ref` or while stopped. */
  heldCe = 0;
  heldOut = false;
  /** Mode 2/3: a count written while counting, applied at tick `pendingAt`. */
  pendingAt = Infinity;
  pendingN = 0;
  pendingRef = 0;
  /** Null count clears at this tick (Infinity: waiting for a load). */
  nullUntil = -Infinity;

  // output latch and status latch
  latched = false;
  latch = 0;
  statusLatched = false;
  status = 0;
  readMsbNext = false;

  get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  /** Applies a pending reload whose tick has come. */
  sync(t: number): void {
    if (t >= this.pendingAt) {
      this.ref = this.pendingRef;
      this.n = this.pendingN;
      this.pendingAt = Infinity;
    }
  }

  /** Distance from the reference to terminal count (0 means the full modulus). */
  get d(): number {
    return this.n === 0 ? this.modulus : this.n;
  }

  ce(t: number): number {
    const e = t - this.ref;
    if (!this.running || e < 0) return this.heldCe;
    const m = this.modulus;
    const d = this.d;
    switch (this.mode) {
      case 2:
        return (d - (e % d)) % m;
      case 3: {
        const p = e % d;
        const h = (d + 1) >> 1;
        const q = p < h ? p : p - h;
        if (q === 0) return d % m;
        // Odd counts: the first clock of a half takes 1 (high) or 3 (low) off.
        if ((d & 1) === 0) return d - 2 * q;
        return p < h ? d + 1 - 2 * q : d - 1 - 2 * q;
      }
      default:
        return (((this.n - e) % m) + m) % m;
    }
  }

  out(t: number): boolean {
    const e = t - this.ref;
    if (!this.running || e < 0) return this.heldOut;
    const d = this.d;
    switch (this.mode) {
      case 0:
      case 1:
        return this.fired || e >= d;
      case 2:
        return d === 1 || e % d !== d - 1;
      case 3:
        return e % d < (d + 1) >> 1;
      default:
        return this.fired || e !== d;
    }
  }

  /** Set by `nextEdge`: whether that edge rises. */
  edgeRising = true;

  /** The next tick after `t` at which OUT changes (rising only in modes 2/4/5), or Infinity. */
  nextEdge(t: number): number {
    this.edgeRising = true;
    if (!this.running) return Infinity;
    const e = t - this.ref;
    const d = this.d;
    switch (this.mode) {
      case 0:
      case 1:
        if (e < 0 && this.mode === 1 && this.heldOut) {
          this.edgeRising = false;
          return this.ref;
        }
        return this.fired || e >= d ? Infinity : this.ref + d;
      case 2: {
        if (d === 1) return Infinity;
        return e < 0 ? this.ref + d : this.ref + (Math.floor(e / d) + 1) * d;
      }
      case 3: {
        if (d === 1) return Infinity;
        const h = (d + 1) >> 1;
        if (e < 0) {
          this.edgeRising = false;
          return this.ref + h;
        }
        const p = e % d;
        this.edgeRising = p >= h;
        return t - p + (p < h ? h : d);
      }
      default:
        return this.fired || e > d ? Infinity : this.ref + d + 1;
    }
  }

  /** CR as a count (0 stays 0: the full modulus). */
  get count(): number {
    return this.bcd ? fromBcd(this.cr) : this.cr;
  }

  encode(v: number): number {
    return this.bcd ? toBcd(v) : v;
  }

  /** Starts counting `n` from the next clock. */
  load(t: number, n: number): void {
    this.heldCe = this.ce(t);
    this.heldOut = this.out(t);
    this.ref = t + 1;
    this.n = n;
    this.fired = false;
    this.running = true;
    this.pendingAt = Infinity;
    this.nullUntil = t + 1;
  }

  /** Stops the CE where it is (gate low in modes 0/4, first byte in mode 0). */
  pause(t: number): void {
    if (!this.running) return;
    const e = t - this.ref;
    if (e >= 0) this.fired = this.fired || e >= this.d;
    // A count not yet loaded still loads on the next clock.
    this.heldCe = e < 0 ? this.n : this.ce(t);
    this.heldOut = this.out(t);
    this.running = false;
  }

  setMode(t: number, control: number): void {
    this.sync(t);
    this.heldCe = this.ce(t);
    this.control = control & 0x3f;
    this.rw = (control >> 4) & 3;
    this.mode = (control >> 1) & 7;
    if (this.mode > 5) this.mode -= 4; // 110 and 111 are modes 2 and 3
    this.bcd = (control & 1) !== 0;
    this.running = false;
    this.hasCount = false;
    this.fired = false;
    this.pendingAt = Infinity;
    this.heldOut = this.mode !== 0;
    this.writeMsbNext = false;
    this.readMsbNext = false;
    this.nullUntil = Infinity;
  }

  /** A complete count arrived in CR. */
  countWritten(t: number): void {
    const first = !this.hasCount;
    this.hasCount = true;
    const n = this.count;
    this.nullUntil = Infinity;
    switch (this.mode) {
      case 0:
      case 4:
        if (this.gate) {
          this.load(t, n);
        } else {
          // Loaded on the next clock but held by the gate.
          this.heldCe = n;
          this.n = n;
          this.fired = false;
          this.heldOut = this.mode === 4;
          this.nullUntil = t + 1;
        }
        return;
      case 1:
      case 5:
        return; // waits for a gate trigger
      default: {
        if (!this.gate) return;
        if (first || !this.running || t + 1 <= this.ref) {
          this.load(t, n);
          return;
        }
        // Takes effect at the end of the current period (mode 2) or half-cycle (mode 3).
        const d = this.d;
        const e = t - this.ref;
        const p = e % d;
        let at: number;
        let ref: number;
        if (this.mode === 2) {
          at = t - p + d;
          ref = at;
        } else {
          const h = (d + 1) >> 1;
          const nd = n === 0 ? this.modulus : n;
          if (p < h) {
            at = t - p + h;
            ref = at - ((nd + 1) >> 1); // the new count starts in its low half
          } else {
            at = t - p + d;
            ref = at;
          }
        }
        this.pendingAt = at;
        this.pendingRef = ref;
        this.pendingN = n;
        this.nullUntil = at;
      }
    }
  }

  setGate(t: number, level: boolean): void {
    this.sync(t);
    if (level === this.gate) return;
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4:
        if (!level) {
          this.pause(t);
        } else if (this.hasCount && !this.running) {
          this.n = this.heldCe;
          this.ref = t;
          this.running = true;
        }
        return;
      case 1:
      case 5:
        if (level && this.hasCount) this.load(t, this.count);
        return;
      default:
        if (!level) {
          this.heldCe = this.ce(t);
          this.heldOut = true;
          this.running = false;
          this.pendingAt = Infinity;
        } else if (this.hasCount) {
          this.load(t, this.count);
        }
    }
  }

  writeData(t: number, value: number): void {
    this.sync(t);
    switch (this.rw) {
      case 1:
        this.cr = value;
        break;
      case 2:
        this.cr = value << 8;
        break;
      default:
        if (!this.writeMsbNext) {
          this.cr = (this.cr & 0xff00) | value;
          this.writeMsbNext = true;
          // Mode 0: the first byte stops counting and drops OUT at once.
          if (this.mode === 0) {
            this.pause(t);
            this.heldOut = false;
            this.fired = false;
          }
          return;
        }
        this.cr = (this.cr & 0xff) | (value << 8);
        this.writeMsbNext = false;
    }
    this.countWritten(t);
  }

  latchCount(t: number): void {
    if (this.latched) return;
    this.sync(t);
    this.latch = this.encode(this.ce(t));
    this.latched = true;
  }

  latchStatus(t: number): void {
    if (this.statusLatched) return;
    this.sync(t);
    this.status = (this.out(t) ? 0x80 : 0) | (t < this.nullUntil ? 0x40 : 0) | this.control;
    this.statusLatched = true;
  }

  readData(t: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.status;
    }
    let v: number;
    if (this.latched) {
      v = this.latch;
    } else {
      this.sync(t);
      v = this.encode(this.ce(t));
    }
    let msb: boolean;
    switch (this.rw) {
      case 1:
        msb = false;
        this.latched = false;
        break;
      case 2:
        msb = true;
        this.latched = false;
        break;
      default:
        msb = this.readMsbNext;
        this.readMsbNext = !msb;
        if (msb) this.latched = false;
    }
    return msb ? (v >> 8) & 0xff : v & 0xff;
  }
}

/** The 8254 PIT. Channel 0 drives IRQ 0; channels 0 and 1 have GATE tied high. */
export class Pit implements IoHandler {
  private readonly counters: readonly [Counter, Counter, Counter] = [new Counter(), new Counter(), new Counter()];
  private readonly timer: Timer;
  private irqLevel = false;
  /** Whether the armed channel-0 edge is a rising one. */
  private armedRising = false;

  constructor(
    private readonly clock: Scheduler,
    private readonly irq0: IrqLine,
  ) {
    this.timer = clock.timer('pit-ch0', (now) => this.fire(now));
    // Channel 2's gate is port 0x61 bit 0, which is 0 after reset.
    this.counters[2].gate = false;
  }

  attach(io: IoBus): void {
    io.register(0x40, 4, this, 'pit');
  }

  private counter(channel: number): Counter {
    const c = this.counters[channel];
    if (c === undefined) throw new RangeError(`pit: no channel ${channel}`);
    return c;
  }

  /** Drives GATE of `channel` (only channel 2's is wired on a PC, from port 0x61). */
  setGate(channel: number, level: boolean): void {
    this.counter(channel).setGate(pitTick(this.clock.now()), level);
    if (channel === 0) this.update0();
  }

  gate(channel: number): boolean {
    return this.counter(channel).gate;
  }

  /** OUT of `channel` now. */
  out(channel: number): boolean {
    const c = this.counter(channel);
    const t = pitTick(this.clock.now());
    c.sync(t);
    return c.out(t);
  }

  read(port: number, _bytes: number): number {
    if (port === 0x43) return 0xff; // the control register cannot be read
    return this.counter(port & 3).readData(pitTick(this.clock.now()));
  }

  write(port: number, _bytes: number, value: number): void {
    value &= 0xff;
    const t = pitTick(this.clock.now());
    if (port !== 0x43) {
      this.counter(port & 3).writeData(t, value);
      if ((port & 3) === 0) this.update0();
      return;
    }
    const sc = value >> 6;
    if (sc === 3) {
      // Read-back: bit 5 low latches counts, bit 4 low latches status, bits 3-1 select.
      for (let ch = 0; ch < 3; ch++) {
        if ((value & (2 << ch)) === 0) continue;
        const c = this.counter(ch);
        if ((value & 0x20) === 0) c.latchCount(t);
        if ((value & 0x10) === 0) c.latchStatus(t);
      }
      return;
    }
    const c = this.counter(sc);
    if ((value & 0x30) === 0) {
      c.latchCount(t);
      return;
    }
    c.setMode(t, value);
    if (sc === 0) this.update0();
  }

  /** Brings IRQ 0 to channel 0's OUT and arms the next transition. */
  private update0(): void {
    const t = pitTick(this.clock.now());
    const c = this.counters[0];
    c.sync(t);
    this.setIrq(c.out(t));
    this.arm(t);
  }

  private arm(t: number): void {
    const c = this.counters[0];
    const edge = c.nextEdge(t);
    if (edge === Infinity) {
      this.timer.disarm();
      return;
    }
    this.armedRising = c.edgeRising;
    this.timer.arm(pitTickStart(edge));
  }

  private fire(now: number): void {
    const t = pitTick(now);
    const c = this.counters[0];
    c.sync(t);
    if (this.armedRising) {
      // The low part of a short pulse was not scheduled: give the PIC its rising edge.
      if (this.irqLevel) this.irq0.set(false);
      this.irq0.set(true);
      this.irqLevel = true;
    }
    this.setIrq(c.out(t));
    this.arm(t);
  }

  private setIrq(level: boolean): void {
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq0.set(level);
  }
}

/** 15.085 us: the DRAM refresh request period that toggles port 0x61 bit 4. */
const REFRESH_NS = 15085;

/**
 * Port 0x61 ("NMI status and control"): bit 0 channel-2 GATE, bit 1 speaker data enable,
 * bits 2-3 parity/IOCHK check disables (read back), bit 4 refresh toggle, bit 5 channel-2
 * OUT; bits 6-7 (SERR#/IOCHK# status) read 0 because nothing raises them.
 */
export class SystemControlB implements IoHandler {
  private value = 0;

  constructor(
    private readonly clock: Clock,
    private readonly pit: Pit,
  ) {}

  attach(io: IoBus): void {
    io.register(0x61, 1, this, 'system-control-b');
  }

  read(_port: number, _bytes: number): number {
    const refresh = Math.floor(this.clock.now() / REFRESH_NS) & 1;
    return (this.value & 0x0f) | (refresh << 4) | (this.pit.out(2) ? 0x20 : 0);
  }

  write(_port: number, _bytes: number, value: number): void {
    this.value = value & 0x0f;
    this.pit.setGate(2, (value & 1) !== 0);
  }

  /** Speaker data enable (bit 1) AND channel 2 OUT would drive the speaker. */
  get speakerEnabled(): boolean {
    return (this.value & 0x02) !== 0;
  }
}
