// A 16550A UART (NS/TI datasheet register model) as a PC wires it: the interrupt output
// reaches the IRQ line only through the MCR OUT2 gate, as on every PC serial card.
//
// Deliberate timing choices:
// - Transmission is instantaneous: a byte written to THR goes straight to the back-end and
//   THR/TSR are empty again at once, so LSR THRE and TEMT stay set. Linux's console polls
//   THRE per character; making it wait virtual time would only slow the boot.
// - Reception is paced: host input waits in an unbounded host-side queue and enters the RX
//   FIFO one character time apart (from the divisor latch and LCR frame format), so the
//   guest sees a real line and input timing is deterministic. While the RX FIFO (or the
//   holding register in 16450 mode) is full, host input waits in the queue, as if the
//   line used hardware flow control: host data is never overrun. Overrun (LSR OE) still
//   happens for looped-back bytes in MCR loopback mode, where the datasheet's rules apply.
// - Outside loopback the modem inputs are those of an attached terminal: CTS, DSR and DCD
//   asserted, RI not.

import type { IoBus, IoHandler, IrqLine, Scheduler, Timer } from './bus.js';

const IER_ERBFI = 0x01;
const IER_ETBEI = 0x02;
const IER_ELSI = 0x04;
const IER_EDSSI = 0x08;

const IIR_NONE = 0x01;
const IIR_MSR = 0x00;
const IIR_THRE = 0x02;
const IIR_RDA = 0x04;
const IIR_RLS = 0x06;
const IIR_TIMEOUT = 0x0c;
const IIR_FIFO = 0xc0;

const LCR_BREAK = 0x40;
const LCR_DLAB = 0x80;

const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_BI = 0x10;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LSR_ERRORS = 0x1e;
const LSR_FIFO_ERROR = 0x80;

const MSR_DCTS = 0x01;
const MSR_TERI = 0x04;
const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;

const FIFO_SIZE = 16;
const TRIGGER = [1, 4, 8, 14] as const;
/** Input clock of a PC UART. */
const XTAL_HZ = 1_843_200;

export interface UartBackend {
  write(byte: number): void;
}

export class Uart implements IoHandler {
  private base = 0x3f8;

  private ier = 0;
  private lcr = 0x03;
  private mcr = 0;
  /** LSR bits other than DR (derived from the FIFO count). */
  private lsr = LSR_THRE | LSR_TEMT;
  /** MSR input bits (high nibble) and delta bits (low nibble). */
  private msr = MSR_CTS | MSR_DSR | MSR_DCD;
  private scr = 0;
  private dll = 12;
  private dlm = 0;

  private fifoEnabled = false;
  private triggerLevel = 1;

  private readonly rx = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;

  /** THRE interrupt latched (cleared by IIR read reporting it, THR write, or ETBEI off). */
  private thrPending = false;
  /** Character-timeout interrupt latched (FIFO mode). */
  private timeoutPending = false;
  private irqLevel = false;

  private queue: number[] = [];
  private queueHead = 0;
  /** Virtual time the last byte entered the RX FIFO (pacing of host input). */
  private lastArrival = -Infinity;

  private readonly rxTimer: Timer;
  private readonly timeoutTimer: Timer;

  constructor(
    private readonly clock: Scheduler,
    private readonly irq: IrqLine,
    private readonly backend: UartBackend,
  ) {
    this.rxTimer = clock.timer('uart-rx', (now) => this.receiveFromHost(now));
    this.timeoutTimer = clock.timer('uart-char-timeout', () => {
      if (this.fifoEnabled && this.rxCount > 0) {
        this.timeoutPending = true;
        this.update();
      }
    });
  }

  attach(io: IoBus, base: number): void {
    this.base = base;
    io.register(base, 8, this, `uart@${base.toString(16)}`);
  }

  /** Host -> guest bytes; they reach the RX FIFO one character time apart. */
  input(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.queue.push((bytes[i] as number) & 0xff);
    this.scheduleRx();
  }

  get inputQueued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Nanoseconds one character takes on the line (start + data + parity + stop bits). */
  charTimeNs(): number {
    const divisor = (this.dlm << 8) | this.dll || 0x10000;
    const dataBits = 5 + (this.lcr & 3);
    const stopBits = this.lcr & 4 ? (dataBits === 5 ? 1.5 : 2) : 1;
    const bits = 1 + dataBits + (this.lcr & 8 ? 1 : 0) + stopBits;
    return (bits * 16 * divisor * 1e9) / XTAL_HZ;
  }

  read(port: number, _bytes: number): number {
    switch ((port - this.base) & 7) {
      case 0:
        return this.lcr & LCR_DLAB ? this.dll : this.readRbr();
      case 1:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case 2:
        return this.readIir();
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const value = this.lsr | (this.rxCount > 0 ? LSR_DR : 0);
        // Reading LSR clears the error bits and with them the line-status interrupt.
        this.lsr &= ~(LSR_ERRORS | LSR_FIFO_ERROR);
        this.update();
        return value;
      }
      case 6: {
        const value = this.msr;
        this.msr &= 0xf0;
        this.update();
        return value;
      }
      default:
        return this.scr;
    }
  }

  write(port: number, _bytes: number, value: number): void {
    value &= 0xff;
    switch ((port - this.base) & 7) {
      case 0:
        if (this.lcr & LCR_DLAB) this.dll = value;
        else this.transmit(value);
        return;
      case 1:
        if (this.lcr & LCR_DLAB) {
          this.dlm = value;
          return;
        }
        this.writeIer(value);
        return;
      case 2:
        this.writeFcr(value);
        return;
      case 3: {
        const breakStarts = value & LCR_BREAK && !(this.lcr & LCR_BREAK);
        this.lcr = value;
        // In loopback the receiver sees the spacing line: one all-zero character with BI.
        if (breakStarts && this.mcr & MCR_LOOP) this.receiveBreak();
        return;
      }
      case 4:
        this.writeMcr(value & 0x1f);
        return;
      case 5:
      case 6:
        // LSR and MSR are read-only on the 16550A (writes are factory test only).
        return;
      default:
        this.scr = value;
    }
  }

  private readRbr(): number {
    if (this.rxCount === 0) return 0;
    const value = this.rx[this.rxHead] as number;
    this.rxHead = (this.rxHead + 1) & (FIFO_SIZE - 1);
    this.rxCount--;
    this.timeoutPending = false;
    this.restartTimeout();
    this.update();
    // Room again: a host byte held back by a full FIFO may now arrive.
    this.scheduleRx();
    return value;
  }

  private readIir(): number {
    const id = this.interruptId();
    // Reading IIR while it reports THRE is one of the two ways to clear that interrupt.
    if (id === IIR_THRE) {
      this.thrPending = false;
      this.update();
    }
    return id | (this.fifoEnabled ? IIR_FIFO : 0);
  }

  private transmit(value: number): void {
    // While LCR sets break the line is held spacing and the character never appears.
    if (this.mcr & MCR_LOOP) {
      if (!(this.lcr & LCR_BREAK)) this.pushRx(value);
    } else if (!(this.lcr & LCR_BREAK)) {
      this.backend.write(value);
    }
    // THR was loaded and is empty again at once: the write clears the THRE interrupt
    // and the end of transmission raises it again (a fresh edge).
    this.thrPending = false;
    this.update();
    if (this.ier & IER_ETBEI) this.thrPending = true;
    this.update();
  }

  private writeIer(value: number): void {
    const old = this.ier;
    this.ier = value & 0x0f;
    // Enabling ETBEI while THR is empty raises THRE at once (Linux's THRE test relies on it).
    if (this.ier & IER_ETBEI && !(old & IER_ETBEI)) this.thrPending = true;
    if (!(this.ier & IER_ETBEI)) this.thrPending = false;
    this.update();
  }

  private writeFcr(value: number): void {
    const enable = (value & 1) !== 0;
    if (enable !== this.fifoEnabled) {
      // Changing the FIFO enable clears both FIFOs.
      this.resetRx();
      this.fifoEnabled = enable;
    }
    if (enable) {
      if (value & 2) this.resetRx();
      // TX FIFO reset (bit 2): transmission is instantaneous, so the TX FIFO is always empty.
      this.triggerLevel = TRIGGER[value >> 6] as number;
    } else {
      this.triggerLevel = 1;
    }
    this.update();
    this.scheduleRx();
  }

  private writeMcr(value: number): void {
    this.mcr = value;
    this.setModemInputs(this.modemInputs());
    this.update();
    this.scheduleRx();
  }

  /** MSR input bits: in loopback the MCR outputs, otherwise an attached terminal. */
  private modemInputs(): number {
    if (!(this.mcr & MCR_LOOP)) return MSR_CTS | MSR_DSR | MSR_DCD;
    const m = this.mcr;
    return (
      (m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) | (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0)
    );
  }

  private setModemInputs(inputs: number): void {
    const old = this.msr & 0xf0;
    const changed = old ^ inputs;
    let delta = 0;
    if (changed & MSR_CTS) delta |= MSR_DCTS;
    if (changed & MSR_DSR) delta |= 0x02;
    if (changed & MSR_DCD) delta |= 0x08;
    // TERI: trailing edge of RI only (RI going inactive).
    if (old & MSR_RI && !(inputs & MSR_RI)) delta |= MSR_TERI;
    this.msr = inputs | (this.msr & 0x0f) | delta;
  }

  private resetRx(): void {
    this.rxHead = 0;
    this.rxCount = 0;
    this.timeoutPending = false;
    this.timeoutTimer.disarm();
  }

  private get rxCapacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }

  /** A character completed by the receiver. Overruns when there is no room. */
  private pushRx(value: number): void {
    if (this.rxCount >= this.rxCapacity) {
      // The shift register's character is lost; the FIFO contents are kept.
      this.lsr |= LSR_OE;
    } else {
      this.rx[(this.rxHead + this.rxCount) & (FIFO_SIZE - 1)] = value;
      this.rxCount++;
    }
    this.timeoutPending = false;
    this.restartTimeout();
    this.update();
  }

  private receiveBreak(): void {
    this.lsr |= LSR_BI | (this.fifoEnabled ? LSR_FIFO_ERROR : 0);
    this.pushRx(0);
  }

  private restartTimeout(): void {
    if (this.fifoEnabled && this.rxCount > 0) this.timeoutTimer.arm(this.clock.now() + 4 * this.charTimeNs());
    else this.timeoutTimer.disarm();
  }

  private scheduleRx(): void {
    if (this.queueHead >= this.queue.length || this.mcr & MCR_LOOP || this.rxCount >= this.rxCapacity) {
      this.rxTimer.disarm();
      return;
    }
    if (this.rxTimer.armed) return;
    this.rxTimer.arm(Math.max(this.clock.now(), this.lastArrival + this.charTimeNs()));
  }

  private receiveFromHost(now: number): void {
    if (this.queueHead < this.queue.length && !(this.mcr & MCR_LOOP) && this.rxCount < this.rxCapacity) {
      this.pushRx(this.queue[this.queueHead++] as number);
      this.lastArrival = now;
      if (this.queueHead === this.queue.length) {
        this.queue = [];
        this.queueHead = 0;
      } else if (this.queueHead > 4096) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
    }
    this.scheduleRx();
  }

  /** The highest-priority pending interrupt, as IIR bits 3..0. */
  private interruptId(): number {
    const ier = this.ier;
    if (ier & IER_ELSI && this.lsr & (LSR_OE | LSR_ERRORS | LSR_BI)) return IIR_RLS;
    if (ier & IER_ERBFI) {
      if (this.rxCount >= (this.fifoEnabled ? this.triggerLevel : 1)) return IIR_RDA;
      if (this.timeoutPending) return IIR_TIMEOUT;
    }
    if (ier & IER_ETBEI && this.thrPending) return IIR_THRE;
    if (ier & IER_EDSSI && this.msr & 0x0f) return IIR_MSR;
    return IIR_NONE;
  }

  private update(): void {
    const level = this.interruptId() !== IIR_NONE && (this.mcr & MCR_OUT2) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }
}
