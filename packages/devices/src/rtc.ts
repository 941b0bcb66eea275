// The MC146818 real-time clock and CMOS RAM of a PC (index 0x70, data 0x71; bit 7 of the
// index write is the board's NMI mask).
//
// Time is not ticked. While the clock runs (divider 010, SET clear) the date is
// `baseEpoch + whole seconds since anchorNs`, and the time registers are regenerated from
// it, in the format register B selects, when read. Stopping the clock (SET, or a divider
// change) freezes the registers into CMOS; starting it parses them back. Everything on
// the divider chain — update cycles, UIP, periodic interrupts — is measured in 32.768 kHz
// divider ticks since `anchorNs`, integers, so a timer armed at an edge sees that edge.
//
// Flags in register C are derived from the clock when something looks at them (a C read,
// or a register A/B write, which first accounts for the time that passed under the old
// settings). A timer is armed only while an enabled interrupt could next raise IRQ 8 and
// IRQ 8 is not already high; a register C read lowers it and re-arms.
//
// Deviations: changing register B's binary/BCD or 12/24-hour bit while the clock runs
// re-presents the time registers in the new format (the chip would leave them as they
// were); the day-of-week register is derived from the date; divider values other than
// 010 (32.768 kHz) and 11x (reset) stop the clock as reset does, but without the
// half-second restart delay.

import type { IoBus, IoHandler, IrqLine, Scheduler, Timer } from './bus.js';

const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;
const CENTURY = 0x32;

const A_UIP = 0x80;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_DM_BINARY = 0x04;
const B_24H = 0x02;
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;
const D_VRT = 0x80;

const DIV_HZ = 32768;
/** UIP rises 8 divider ticks (244 us) before each update. */
const UIP_TICKS = 8;

/** Divider ticks since the anchor at `ns` after it. */
function divTicks(ns: number): number {
  const s = Math.floor(ns / 1e9);
  return s * DIV_HZ + Math.floor(((ns - s * 1e9) * DIV_HZ) / 1e9);
}

/** The first ns (after the anchor) at which `divTicks` reaches `k`. */
function divTickStart(k: number): number {
  const s = Math.floor(k / DIV_HZ);
  return s * 1e9 + Math.ceil(((k - s * DIV_HZ) * 1e9) / DIV_HZ);
}

/** Register A's rate select (1..15) as a period in divider ticks (0: off). */
function periodTicks(rs: number): number {
  if (rs === 0) return 0;
  if (rs < 3) return 1 << (rs + 6); // 1 and 2 repeat rates 8 and 9 (256 and 128 Hz)
  return 1 << (rs - 1);
}

// Proleptic Gregorian calendar <-> days since 1970-01-01 (Hinnant's era method).
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export class Rtc {
  /** The 128 bytes of CMOS. While the clock runs, time registers are refreshed on read. */
  private readonly cmos = new Uint8Array(128);
  private index = 0;
  /** Port 0x70 bit 7: NMI disabled. */
  nmiMasked = false;

  private running = false;
  private baseEpoch = 0;
  private anchorNs = 0;
  /** The second the time registers in `cmos` show (NaN: stale). */
  private shownSecond = NaN;
  /** Register C flags accounted up to `flagsNs`. */
  private flags = 0;
  private flagsNs = 0;
  private irqHigh = false;
  private readonly timer: Timer;

  constructor(
    private readonly clock: Scheduler,
    private readonly irq8: IrqLine,
    startTimeMs: number,
  ) {
    this.timer = clock.timer('rtc', (now) => this.fire(now));
    const now = clock.now();
    const ms = Math.floor(startTimeMs);
    const subMs = ((ms % 1000) + 1000) % 1000;
    this.baseEpoch = (ms - subMs) / 1000;
    this.anchorNs = now - subMs * 1e6;
    this.flagsNs = now;
    this.cmos[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.cmos[REG_B] = B_24H; // BCD, 24-hour, as PC BIOSes leave it
    this.cmos[REG_D] = D_VRT;
    this.running = true;
    this.showTime(now);
  }

  attach(io: IoBus): void {
    io.register(0x70, 2, this.ports, 'rtc');
  }

  private readonly ports: IoHandler = {
    // The index register is write-only.
    read: (port) => (port === 0x70 ? 0xff : this.read(this.index)),
    write: (port, _bytes, value) => {
      if (port === 0x70) {
        this.index = value & 0x7f;
        this.nmiMasked = (value & 0x80) !== 0;
      } else {
        this.write(this.index, value);
      }
    },
  };

  /** Reads CMOS byte `index` as the guest would through port 0x71. */
  read(index: number): number {
    index &= 0x7f;
    const now = this.clock.now();
    switch (index) {
      case REG_A:
        return ((this.cmos[REG_A] as number) & 0x7f) | (this.updateInProgress(now) ? A_UIP : 0);
      case REG_C: {
        this.account(now);
        const v = this.flags | (this.irqHigh ? C_IRQF : 0);
        this.flags = 0;
        if (this.irqHigh) {
          this.irqHigh = false;
          this.irq8.set(false);
        }
        this.arm(now);
        return v;
      }
      case REG_D:
        return D_VRT;
      default:
        if (this.running && isTimeRegister(index)) this.showTime(now);
        return this.cmos[index] as number;
    }
  }

  /** Writes CMOS byte `index` as the guest would through port 0x71. */
  write(index: number, value: number): void {
    index &= 0x7f;
    value &= 0xff;
    const now = this.clock.now();
    switch (index) {
      case REG_A: {
        this.account(now);
        const wasReset = ((this.cmos[REG_A] as number) & 0x60) === 0x60;
        this.stop(now);
        this.cmos[REG_A] = value & 0x7f;
        // Leaving divider reset: the first update comes half a second later.
        if (wasReset && this.dividerOn) this.anchorNs = now - 500e6;
        this.startIfEnabled(now);
        this.raiseIfDue();
        this.arm(now);
        return;
      }
      case REG_B: {
        this.account(now);
        // SET also clears UIE.
        if ((value & B_SET) !== 0) {
          value &= ~B_UIE;
          this.stop(now); // freezes the registers in the old format
        }
        this.cmos[REG_B] = value;
        this.shownSecond = NaN;
        this.startIfEnabled(now); // a stopped clock reads the registers in the new format
        this.raiseIfDue();
        this.arm(now);
        return;
      }
      case REG_C:
      case REG_D:
        return; // read-only
      default:
        if (this.running && isTimeRegister(index)) {
          // The clock keeps its phase and counts on from the written value.
          this.showTime(now);
          this.cmos[index] = value;
          this.baseEpoch = this.parseTime() - this.secondsSinceAnchor(now);
          this.shownSecond = NaN;
          return;
        }
        if (index === 1 || index === 3 || index === 5) this.account(now);
        this.cmos[index] = value;
    }
  }

  /** Fills the BIOS memory-size fields and their checksum. */
  setMemorySize(bytes: number): void {
    const c = this.cmos;
    c[0x15] = 0x80; // 640 KiB base memory
    c[0x16] = 0x02;
    const ext = Math.min(0xffff, Math.max(0, Math.floor((bytes - 0x100000) / 1024)));
    c[0x17] = c[0x30] = ext & 0xff;
    c[0x18] = c[0x31] = ext >> 8;
    const high = Math.min(0xffff, Math.max(0, Math.floor((bytes - 0x1000000) / 0x10000)));
    c[0x34] = high & 0xff;
    c[0x35] = high >> 8;
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += c[i] as number;
    c[0x2e] = (sum >> 8) & 0xff;
    c[0x2f] = sum & 0xff;
  }

  // ---- time keeping ----

  private get dividerOn(): boolean {
    return ((this.cmos[REG_A] as number) & 0x70) === 0x20;
  }

  private secondsSinceAnchor(now: number): number {
    return Math.floor(divTicks(now - this.anchorNs) / DIV_HZ);
  }

  private updateInProgress(now: number): boolean {
    if (!this.running) return false;
    return divTicks(now - this.anchorNs) % DIV_HZ >= DIV_HZ - UIP_TICKS;
  }

  private stop(now: number): void {
    if (!this.running) return;
    this.showTime(now);
    this.running = false;
  }

  private startIfEnabled(now: number): void {
    if (this.running || !this.dividerOn || ((this.cmos[REG_B] as number) & B_SET) !== 0) return;
    this.baseEpoch = this.parseTime() - this.secondsSinceAnchor(now);
    this.running = true;
    this.shownSecond = NaN;
    this.showTime(now);
  }

  private get binary(): boolean {
    return ((this.cmos[REG_B] as number) & B_DM_BINARY) !== 0;
  }

  private enc(v: number): number {
    return this.binary ? v : (Math.floor(v / 10) % 10 << 4) | v % 10;
  }

  private dec(v: number): number {
    return this.binary ? v : (v >> 4) * 10 + (v & 0xf);
  }

  private encHour(h: number): number {
    if (((this.cmos[REG_B] as number) & B_24H) !== 0) return this.enc(h);
    return this.enc(h % 12 === 0 ? 12 : h % 12) | (h >= 12 ? 0x80 : 0);
  }

  private decHour(v: number): number {
    if (((this.cmos[REG_B] as number) & B_24H) !== 0) return this.dec(v);
    return (this.dec(v & 0x7f) % 12) + ((v & 0x80) !== 0 ? 12 : 0);
  }

  /** Writes the running clock's current time into the time registers. */
  private showTime(now: number): void {
    const second = this.baseEpoch + this.secondsSinceAnchor(now);
    if (second === this.shownSecond) return;
    this.shownSecond = second;
    const days = Math.floor(second / 86400);
    const sod = second - days * 86400;
    const c = this.cmos;
    c[0] = this.enc(sod % 60);
    c[2] = this.enc(Math.floor(sod / 60) % 60);
    c[4] = this.encHour(Math.floor(sod / 3600));
    c[6] = (((days + 4) % 7) + 7) % 7 + 1; // 1970-01-01 was a Thursday; Sunday = 1
    // days -> civil date
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    c[7] = this.enc(d);
    c[8] = this.enc(m);
    c[9] = this.enc(y % 100);
    c[CENTURY] = this.enc(Math.floor(y / 100) % 100);
  }

  /** The time registers as seconds since the epoch. */
  private parseTime(): number {
    const c = this.cmos;
    const y = this.dec(c[CENTURY] as number) * 100 + this.dec(c[9] as number);
    const days = daysFromCivil(y, this.dec(c[8] as number), this.dec(c[7] as number));
    return days * 86400 + this.decHour(c[4] as number) * 3600 + this.dec(c[2] as number) * 60 + this.dec(c[0] as number);
  }

  // ---- interrupts ----

  /** Sets the register C flags for divider events in (flagsNs, now]. */
  private account(now: number): void {
    const from = this.flagsNs;
    if (now <= from) return;
    this.flagsNs = now;
    if (!this.dividerOn) return;
    const t0 = divTicks(from - this.anchorNs);
    const t1 = divTicks(now - this.anchorNs);
    const period = periodTicks((this.cmos[REG_A] as number) & 0x0f);
    if (period !== 0 && Math.floor(t1 / period) > Math.floor(t0 / period)) this.flags |= C_PF;
    const s0 = Math.floor(t0 / DIV_HZ);
    const s1 = Math.floor(t1 / DIV_HZ);
    if (this.running && s1 > s0) {
      this.flags |= C_UF;
      if ((this.flags & C_AF) === 0 && this.alarmBetween(this.baseEpoch + s0, this.baseEpoch + s1)) this.flags |= C_AF;
    }
    this.raiseIfDue();
  }

  /** Whether an update to a second in (from, to] matched the alarm registers. */
  private alarmBetween(from: number, to: number): boolean {
    const c = this.cmos;
    const as = c[1] as number;
    const am = c[3] as number;
    const ah = c[5] as number;
    // The alarm repeats at most daily, so the last day of updates decides.
    for (let s = Math.max(from + 1, to - 86399); s <= to; s++) {
      const sod = ((s % 86400) + 86400) % 86400;
      if ((as & 0xc0) !== 0xc0 && as !== this.enc(sod % 60)) continue;
      if ((am & 0xc0) !== 0xc0 && am !== this.enc(Math.floor(sod / 60) % 60)) continue;
      if ((ah & 0xc0) !== 0xc0 && ah !== this.encHour(Math.floor(sod / 3600))) continue;
      return true;
    }
    return false;
  }

  private raiseIfDue(): void {
    if (this.irqHigh) return;
    if ((this.flags & (this.cmos[REG_B] as number) & (B_PIE | B_AIE | B_UIE)) === 0) return;
    this.irqHigh = true;
    this.irq8.set(true);
  }

  /** Arms the timer for the next divider event that could raise IRQ 8. */
  private arm(now: number): void {
    const b = this.cmos[REG_B] as number;
    if (this.irqHigh || !this.dividerOn) {
      this.timer.disarm();
      return;
    }
    const t = divTicks(now - this.anchorNs);
    let next = Infinity;
    const period = periodTicks((this.cmos[REG_A] as number) & 0x0f);
    if ((b & B_PIE) !== 0 && period !== 0) next = (Math.floor(t / period) + 1) * period;
    if ((b & (B_UIE | B_AIE)) !== 0 && this.running) next = Math.min(next, (Math.floor(t / DIV_HZ) + 1) * DIV_HZ);
    if (next === Infinity) {
      this.timer.disarm();
      return;
    }
    // Never at or before now: a timer due at once would find no new edge and re-arm.
    this.timer.arm(Math.max(this.anchorNs + divTickStart(next), now + 1));
  }

  private fire(now: number): void {
    this.account(now);
    this.arm(now);
  }
}

function isTimeRegister(index: number): boolean {
  return index === 0 || index === 2 || index === 4 || (index >= 6 && index <= 9) || index === CENTURY;
}
