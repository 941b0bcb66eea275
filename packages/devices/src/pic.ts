// The PC's two cascaded 8259A interrupt controllers (master 0x20/0x21, slave 0xA0/0xA1,
// slave INT wired to master IR2) and the PIIX3 edge/level control registers (ELCR,
// 0x4D0/0x4D1).
//
// Invariants and choices:
// - Each input pin's level is remembered. An edge-triggered input latches IRR on a rising
//   edge and keeps it after the line falls (so `pulse()` works, as QEMU and Bochs model
//   it); a level-triggered input (ELCR bit or ICW1.LTIM) has IRR follow the pin.
// - The master's IR2 pin is the slave's INT output, recomputed after every change.
// - INTR is recomputed after every register access and pin change; `onIntr` is called
//   only when it changes.
// - Only 8086/88 mode (ICW4.uPM = 1) is meaningful on a PC; MCS-80/85 call-address mode
//   and buffered mode are accepted and ignored.
// - ISA IRQ 2 does not exist on an AT board: the bus pin is wired to the slave's IR1, so
//   `irq(2)` is the same line as `irq(9)`.

import type { IoBus, IoHandler, IrqLine } from './bus.js';

/** ELCR bits that PIIX3 hard-wires to edge: IRQ 0, 1, 2 (master) and 8, 13 (slave). */
const ELCR_WRITABLE_MASTER = 0xf8;
const ELCR_WRITABLE_SLAVE = 0xde;

/** One 8259A. Plain fields: the hot path is `pin` and `pending`. */
class Chip {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Input pin levels. */
  pins = 0;
  /** ELCR bits for this chip's inputs (1 = level). */
  elcr = 0;
  /** ICW1.LTIM: every input level-triggered. */
  ltim = false;
  vectorBase = 0;
  /** IR with the highest priority (0 after init; rotation moves it). */
  highest = 0;
  /** 0 = not initialising; 2, 3, 4 = expecting that ICW next. */
  initStep = 0;
  icw4Needed = false;
  single = false;
  /** ICW3 as written (master: slave bitmap; slave: its ID). */
  icw3 = 0;
  autoEoi = false;
  rotateOnAutoEoi = false;
  sfnm = false;
  specialMask = false;
  readIsr = false;
  poll = false;
  /** INT output. */
  out = false;

  constructor(readonly isMaster: boolean) {}

  get levelMask(): number {
    return this.ltim ? 0xff : this.elcr;
  }

  /** Drives input `n` (0..7). */
  pin(n: number, level: boolean): void {
    const bit = 1 << n;
    if (level) {
      if ((this.pins & bit) === 0 || (this.levelMask & bit) !== 0) this.irr |= bit;
      this.pins |= bit;
    } else {
      this.pins &= ~bit;
      if ((this.levelMask & bit) !== 0) this.irr &= ~bit;
    }
  }

  /** The IR of `mask` with the highest priority under the current rotation, or -1. */
  highestIn(mask: number): number {
    if (mask === 0) return -1;
    for (let p = 0; p < 8; p++) {
      const ir = (p + this.highest) & 7;
      if ((mask & (1 << ir)) !== 0) return ir;
    }
    return -1;
  }

  /** The IR the chip would raise INT for, or -1. */
  pending(): number {
    const req = this.highestIn(this.irr & ~this.imr);
    if (req < 0) return -1;
    // Special mask mode: a masked in-service level does not hold off lower priorities.
    let inService = this.specialMask ? this.isr & ~this.imr : this.isr;
    // Special fully nested mode: the cascade input being in service must not block
    // further (higher-priority) requests from the same slave.
    if (this.sfnm && this.isMaster) inService &= ~(1 << 2);
    const cur = this.highestIn(inService);
    if (cur < 0) return req;
    const reqPri = (req - this.highest) & 7;
    const curPri = (cur - this.highest) & 7;
    if (reqPri < curPri) return req;
    return -1;
  }

  /** Accepts IR `ir` (an INTA or poll): IRR -> ISR, or AEOI. */
  accept(ir: number): void {
    const bit = 1 << ir;
    // Edge inputs need a new rising edge; level inputs re-request while the pin is high.
    this.irr &= ~bit;
    this.irr |= this.pins & this.levelMask & bit;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.highest = (ir + 1) & 7;
    } else {
      this.isr |= bit;
    }
  }

  /** ICW1: the datasheet's initialisation actions. */
  icw1(value: number): void {
    this.initStep = 2;
    this.icw4Needed = (value & 0x01) !== 0;
    this.single = (value & 0x02) !== 0;
    this.ltim = (value & 0x08) !== 0;
    // Edge sense reset: a line already high needs a new rising edge.
    this.irr = this.pins & this.levelMask;
    this.isr = 0;
    this.imr = 0;
    this.highest = 0;
    this.specialMask = false;
    this.readIsr = false;
    this.poll = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.sfnm = false;
  }

  writeCommand(value: number): void {
    if ((value & 0x10) !== 0) {
      this.icw1(value);
      return;
    }
    if ((value & 0x08) === 0) {
      this.ocw2(value);
      return;
    }
    // OCW3
    if ((value & 0x40) !== 0) this.specialMask = (value & 0x20) !== 0;
    if ((value & 0x02) !== 0) this.readIsr = (value & 0x01) !== 0;
    this.poll = (value & 0x04) !== 0;
  }

  private ocw2(value: number): void {
    const level = value & 7;
    switch (value >> 5) {
      case 0: // rotate in AEOI mode (clear)
        this.rotateOnAutoEoi = false;
        break;
      case 4: // rotate in AEOI mode (set)
        this.rotateOnAutoEoi = true;
        break;
      case 1: // non-specific EOI
      case 5: {
        // rotate on non-specific EOI
        const ir = this.highestIn(this.isr);
        if (ir >= 0) {
          this.isr &= ~(1 << ir);
          if (value >> 5 === 5) this.highest = (ir + 1) & 7;
        }
        break;
      }
      case 3: // specific EOI
        this.isr &= ~(1 << level);
        break;
      case 7: // rotate on specific EOI
        this.isr &= ~(1 << level);
        this.highest = (level + 1) & 7;
        break;
      case 6: // set priority: `level` becomes the lowest
        this.highest = (level + 1) & 7;
        break;
      default: // 2: no operation
        break;
    }
  }

  writeData(value: number): void {
    switch (this.initStep) {
      case 2:
        // 8086 mode: T7-T3 from ICW2, the IR number supplies the low three bits.
        this.vectorBase = value & 0xf8;
        this.initStep = this.single ? (this.icw4Needed ? 4 : 0) : 3;
        return;
      case 3:
        this.icw3 = value;
        this.initStep = this.icw4Needed ? 4 : 0;
        return;
      case 4:
        this.autoEoi = (value & 0x02) !== 0;
        this.sfnm = (value & 0x10) !== 0;
        this.initStep = 0;
        return;
      default:
        this.imr = value;
    }
  }

  /** Poll word: bit 7 = request, bits 2-0 = highest-priority IR (accepted as by INTA). */
  pollRead(): number {
    this.poll = false;
    const ir = this.pending();
    if (ir < 0) return 0;
    this.accept(ir);
    return 0x80 | ir;
  }
}

/** The master/slave 8259A pair with the PIIX3 ELCR. */
export class DualPic implements IoHandler {
  private readonly master = new Chip(true);
  private readonly slave = new Chip(false);
  private readonly lines: IrqLine[] = [];
  private intrLevel = false;

  /** Called whenever INTR changes. */
  onIntr: (level: boolean) => void = () => {};

  constructor() {
    for (let n = 0; n < 16; n++) {
      const chip = n < 8 ? this.master : this.slave;
      const ir = n & 7;
      this.lines.push({
        set: (level: boolean): void => {
          chip.pin(ir, level);
          this.update();
        },
      });
    }
    this.lines[2] = this.lines[9] as IrqLine;
  }

  attach(io: IoBus): void {
    io.register(0x20, 2, this, 'pic-master');
    io.register(0xa0, 2, this, 'pic-slave');
    io.register(0x4d0, 2, this, 'elcr');
  }

  /** The input line for ISA IRQ `n` (0..15); `irq(2)` is `irq(9)`, as on an AT board. */
  irq(n: number): IrqLine {
    const line = this.lines[n];
    if (line === undefined) throw new RangeError(`pic: no IRQ ${n}`);
    return line;
  }

  get intr(): boolean {
    return this.intrLevel;
  }

  /** The INTA cycle: the vector the CPU reads, with IRR/ISR updated as the chips do. */
  acknowledge(): number {
    const m = this.master;
    const ir = m.pending();
    let vector: number;
    if (ir < 0) {
      // The request vanished before INTA: the master answers IR7 without setting ISR.
      vector = m.vectorBase | 7;
    } else if (ir === 2 && !m.single) {
      m.accept(2);
      const s = this.slave;
      const sir = s.pending();
      if (sir < 0) {
        // Spurious on the slave: IR15's vector, slave ISR untouched, master IR2 in service.
        vector = s.vectorBase | 7;
      } else {
        s.accept(sir);
        vector = s.vectorBase | sir;
      }
    } else {
      m.accept(ir);
      vector = m.vectorBase | ir;
    }
    this.update();
    return vector;
  }

  read(port: number, _bytes: number): number {
    if (port >= 0x4d0) return ((port & 1) === 0 ? this.master : this.slave).elcr;
    const chip = port < 0xa0 ? this.master : this.slave;
    if ((port & 1) !== 0) return chip.imr;
    if (chip.poll) {
      const v = chip.pollRead();
      this.update();
      return v;
    }
    return chip.readIsr ? chip.isr : chip.irr;
  }

  write(port: number, _bytes: number, value: number): void {
    value &= 0xff;
    if (port >= 0x4d0) {
      const slave = (port & 1) !== 0;
      const chip = slave ? this.slave : this.master;
      chip.elcr = value & (slave ? ELCR_WRITABLE_SLAVE : ELCR_WRITABLE_MASTER);
      // Inputs that became level-triggered request exactly while their pin is high.
      chip.irr = (chip.irr & ~chip.levelMask) | (chip.pins & chip.levelMask);
    } else {
      const chip = port < 0xa0 ? this.master : this.slave;
      if ((port & 1) !== 0) chip.writeData(value);
      else chip.writeCommand(value);
    }
    this.update();
  }

  /** Recomputes the slave's INT (master IR2) and INTR. */
  private update(): void {
    const s = this.slave;
    const sOut = s.pending() >= 0;
    if (sOut !== s.out) {
      s.out = sOut;
      this.master.pin(2, sOut);
    }
    const intr = this.master.pending() >= 0;
    this.master.out = intr;
    if (intr !== this.intrLevel) {
      this.intrLevel = intr;
      this.onIntr(intr);
    }
  }

  // ---- inspection (tests, diagnostics); chip 0 = master, 1 = slave ----

  irr(chip: 0 | 1): number {
    return this.chip(chip).irr;
  }
  isr(chip: 0 | 1): number {
    return this.chip(chip).isr;
  }
  imr(chip: 0 | 1): number {
    return this.chip(chip).imr;
  }
  elcr(chip: 0 | 1): number {
    return this.chip(chip).elcr;
  }
  vectorBase(chip: 0 | 1): number {
    return this.chip(chip).vectorBase;
  }
  private chip(n: 0 | 1): Chip {
    return n === 0 ? this.master : this.slave;
  }
}
