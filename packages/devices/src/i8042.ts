// The 8042 keyboard controller with a PS/2 keyboard behind it.
//
// Model: one output buffer (port 0x60) fed, whenever it is empty, from three queues in
// priority order: controller replies, keyboard bytes, aux bytes. Bytes move at once (no
// virtual-time delay); every move lowers then raises the IRQ line, so an edge-triggered
// PIC sees one edge per byte. Controller replies count as keyboard data (IRQ 1, AUX OBF
// clear) except the 0xD3 echo, which is aux data.
//
// The aux port: the interface exists (0xA9 test passes, 0xD3 loopback works, 0xA7/0xA8
// toggle the command byte) but no mouse is plugged in. A byte sent with 0xD4 times out:
// the controller answers 0xFE as aux data with the status timeout bit set, so Linux's
// i8042 driver registers the AUX port and psmouse's probe fails at its first command
// without waiting.
//
// The keyboard always generates scan code set 2; set 1 reaches the guest through the
// controller's translation (command byte bit 6), as on a PC. 0xF0 selects another set
// only in name.

import type { BoardSignals, IoBus, IoHandler, IrqLine, Scheduler } from './bus.js';

const STS_OBF = 0x01;
const STS_SYS = 0x04;
const STS_A2 = 0x08;
const STS_INH = 0x10; // 1 = keyboard not inhibited (key switch)
const STS_AUXOBF = 0x20;
const STS_TIMEOUT = 0x40;

const CTR_KBDINT = 0x01;
const CTR_AUXINT = 0x02;
const CTR_SYS = 0x04;
const CTR_KBDDIS = 0x10;
const CTR_AUXDIS = 0x20;
const CTR_XLATE = 0x40;

const SRC_CTRL = 0;
const SRC_KBD = 1;
const SRC_AUX = 2;

const ACK = 0xfa;
const RESEND = 0xfe;

/**
 * set2 -> set1 for one-byte codes below 0x80 (and 0x83, F7). Built from the key list
 * below; codes not listed pass through unchanged.
 */
const XLATE = new Uint8Array(256);
// [set1, set2] per key, in set-1 order (Esc .. F12).
// prettier-ignore
const KEYS: readonly number[] = [
  0x01, 0x76, 0x02, 0x16, 0x03, 0x1e, 0x04, 0x26, 0x05, 0x25, 0x06, 0x2e, 0x07, 0x36, 0x08, 0x3d,
  0x09, 0x3e, 0x0a, 0x46, 0x0b, 0x45, 0x0c, 0x4e, 0x0d, 0x55, 0x0e, 0x66, 0x0f, 0x0d, 0x10, 0x15,
  0x11, 0x1d, 0x12, 0x24, 0x13, 0x2d, 0x14, 0x2c, 0x15, 0x35, 0x16, 0x3c, 0x17, 0x43, 0x18, 0x44,
  0x19, 0x4d, 0x1a, 0x54, 0x1b, 0x5b, 0x1c, 0x5a, 0x1d, 0x14, 0x1e, 0x1c, 0x1f, 0x1b, 0x20, 0x23,
  0x21, 0x2b, 0x22, 0x34, 0x23, 0x33, 0x24, 0x3b, 0x25, 0x42, 0x26, 0x4b, 0x27, 0x4c, 0x28, 0x52,
  0x29, 0x0e, 0x2a, 0x12, 0x2b, 0x5d, 0x2c, 0x1a, 0x2d, 0x22, 0x2e, 0x21, 0x2f, 0x2a, 0x30, 0x32,
  0x31, 0x31, 0x32, 0x3a, 0x33, 0x41, 0x34, 0x49, 0x35, 0x4a, 0x36, 0x59, 0x37, 0x7c, 0x38, 0x11,
  0x39, 0x29, 0x3a, 0x58, 0x3b, 0x05, 0x3c, 0x06, 0x3d, 0x04, 0x3e, 0x0c, 0x3f, 0x03, 0x40, 0x0b,
  0x41, 0x83, 0x42, 0x0a, 0x43, 0x01, 0x44, 0x09, 0x45, 0x77, 0x46, 0x7e, 0x47, 0x6c, 0x48, 0x75,
  0x49, 0x7d, 0x4a, 0x7b, 0x4b, 0x6b, 0x4c, 0x73, 0x4d, 0x74, 0x4e, 0x79, 0x4f, 0x69, 0x50, 0x72,
  0x51, 0x7a, 0x52, 0x70, 0x53, 0x71, 0x54, 0x84, 0x56, 0x61, 0x57, 0x78, 0x58, 0x07,
];
for (let i = 0; i < 256; i++) XLATE[i] = i;
for (let i = 0; i < KEYS.length; i += 2) XLATE[KEYS[i + 1] as number] = KEYS[i] as number;
// Not keys, but answers that pass through the table: 00 (key detection error) and the
// 0xF0 get-set reply 2.
XLATE[0x00] = 0xff;
XLATE[0x02] = 0x41;

// Set-2 make codes of the printable US keyboard: unshifted and shifted characters per key.
const SHIFT_L = 0x12;
const ASCII_KEYS: readonly [string, string, number][] = [
  ['`', '~', 0x0e], ['1', '!', 0x16], ['2', '@', 0x1e], ['3', '#', 0x26], ['4', '$', 0x25],
  ['5', '%', 0x2e], ['6', '^', 0x36], ['7', '&', 0x3d], ['8', '*', 0x3e], ['9', '(', 0x46],
  ['0', ')', 0x45], ['-', '_', 0x4e], ['=', '+', 0x55], ['q', 'Q', 0x15], ['w', 'W', 0x1d],
  ['e', 'E', 0x24], ['r', 'R', 0x2d], ['t', 'T', 0x2c], ['y', 'Y', 0x35], ['u', 'U', 0x3c],
  ['i', 'I', 0x43], ['o', 'O', 0x44], ['p', 'P', 0x4d], ['[', '{', 0x54], [']', '}', 0x5b],
  ['\\', '|', 0x5d], ['a', 'A', 0x1c], ['s', 'S', 0x1b], ['d', 'D', 0x23], ['f', 'F', 0x2b],
  ['g', 'G', 0x34], ['h', 'H', 0x33], ['j', 'J', 0x3b], ['k', 'K', 0x42], ['l', 'L', 0x4b],
  [';', ':', 0x4c], ["'", '"', 0x52], ['z', 'Z', 0x1a], ['x', 'X', 0x22], ['c', 'C', 0x21],
  ['v', 'V', 0x2a], ['b', 'B', 0x32], ['n', 'N', 0x31], ['m', 'M', 0x3a], [',', '<', 0x41],
  ['.', '>', 0x49], ['/', '?', 0x4a], [' ', ' ', 0x29],
];
const ASCII_SET2 = new Map<string, { code: number; shift: boolean }>();
for (const [plain, shifted, code] of ASCII_KEYS) {
  ASCII_SET2.set(shifted, { code, shift: plain !== shifted });
  ASCII_SET2.set(plain, { code, shift: false });
}
ASCII_SET2.set('\n', { code: 0x5a, shift: false });
ASCII_SET2.set('\r', { code: 0x5a, shift: false });
ASCII_SET2.set('\b', { code: 0x66, shift: false });
ASCII_SET2.set('\t', { code: 0x0d, shift: false });

/** Set-2 make and break codes typing `ch` on a US keyboard (Shift pressed around it if needed). */
export function asciiToSet2(ch: string): number[] {
  const key = ASCII_SET2.get(ch);
  if (key === undefined) throw new RangeError(`asciiToSet2: no key for ${JSON.stringify(ch)}`);
  const stroke = [key.code, 0xf0, key.code];
  return key.shift ? [SHIFT_L, ...stroke, 0xf0, SHIFT_L] : stroke;
}

/** A FIFO of bytes without per-access allocation. */
class ByteQueue {
  private buf = new Uint8Array(64);
  private head = 0;
  length = 0;
  push(b: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      for (let i = 0; i < this.length; i++) bigger[i] = this.buf[(this.head + i) % this.buf.length] as number;
      this.buf = bigger;
      this.head = 0;
    }
    this.buf[(this.head + this.length) % this.buf.length] = b;
    this.length++;
  }
  shift(): number {
    const b = this.buf[this.head] as number;
    this.head = (this.head + 1) % this.buf.length;
    this.length--;
    return b;
  }
  clear(): void {
    this.head = 0;
    this.length = 0;
  }
}

export class I8042 implements IoHandler {
  private status = STS_INH;
  private ctr = CTR_KBDINT | CTR_AUXINT | CTR_SYS | CTR_XLATE; // as a BIOS leaves it
  private outPort = 0x03; // A20 on, not in reset
  private out = 0;
  private outSource = SRC_CTRL;
  private readonly ram = new Uint8Array(32);
  /** Controller command waiting for its data byte on port 0x60 (0 = none). */
  private pendingCommand = 0;
  /** Bytes the controller itself puts in the output buffer, with their source. */
  private readonly ctrlQueue = new ByteQueue();
  private readonly ctrlSource = new ByteQueue();
  private readonly kbdQueue = new ByteQueue();
  private readonly auxQueue = new ByteQueue();
  /** Translation state: a set-2 F0 prefix was swallowed; the next code gets bit 7. */
  private breakPrefix = false;
  private irq1Level = false;
  private irq12Level = false;

  // The keyboard.
  private kbdScanning = true;
  private kbdPendingCommand = 0;
  private kbdScancodeSet = 2;
  /** LED state (bit 0 Scroll, 1 Num, 2 Caps) as last set by 0xED. */
  leds = 0;
  /** Typematic rate/delay byte as last set by 0xF3. */
  typematic = 0x2b;

  constructor(
    _clock: Scheduler,
    private readonly irq1: IrqLine,
    private readonly irq12: IrqLine,
    private readonly signals: BoardSignals,
  ) {
    this.ram[0] = this.ctr;
  }

  attach(io: IoBus): void {
    io.register(0x60, 1, this, 'i8042-data');
    io.register(0x64, 1, this, 'i8042-cmd');
  }

  /** Host keyboard input: set-2 scan code bytes (make and break). */
  keyPress(set2Codes: ArrayLike<number>): void {
    if (!this.kbdScanning) return;
    for (let i = 0; i < set2Codes.length; i++) this.kbdQueue.push((set2Codes[i] as number) & 0xff);
    this.refill();
  }

  read(port: number, _bytes: number): number {
    if (port === 0x64) return this.status | (this.ctr & CTR_SYS ? STS_SYS : 0);
    const value = this.out;
    if (this.status & STS_OBF) {
      this.status &= ~(STS_OBF | STS_AUXOBF | STS_TIMEOUT);
      this.updateIrq();
      this.refill();
    }
    return value;
  }

  write(port: number, _bytes: number, value: number): void {
    value &= 0xff;
    if (port === 0x64) {
      this.status |= STS_A2;
      this.command(value);
      return;
    }
    this.status &= ~STS_A2;
    const cmd = this.pendingCommand;
    this.pendingCommand = 0;
    if (cmd === 0) {
      this.keyboardByte(value);
      return;
    }
    if (cmd >= 0x60 && cmd <= 0x7f) {
      this.ram[cmd - 0x60] = value;
      if (cmd === 0x60) this.setCtr(value);
      return;
    }
    switch (cmd) {
      case 0xd1:
        this.writeOutPort(value);
        return;
      // 0xD2/0xD3 load the output buffer directly: the interface disable bits do not apply.
      case 0xd2:
        this.reply(value, SRC_KBD);
        return;
      case 0xd3:
        this.reply(value, SRC_AUX);
        return;
      case 0xd4:
        // No mouse: the transmission times out and the controller reports it.
        this.status |= STS_TIMEOUT;
        this.reply(RESEND, SRC_AUX);
        return;
    }
  }

  private command(cmd: number): void {
    if (cmd >= 0x20 && cmd <= 0x3f) {
      this.reply(cmd === 0x20 ? this.ctr : (this.ram[cmd - 0x20] as number));
      return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7f) || cmd === 0xd1 || cmd === 0xd2 || cmd === 0xd3 || cmd === 0xd4) {
      this.pendingCommand = cmd;
      return;
    }
    if (cmd >= 0xf0) {
      // Pulse output-port bits whose command bit is 0; bit 0 low is the CPU reset line.
      if ((cmd & 1) === 0) this.signals.reset();
      return;
    }
    switch (cmd) {
      case 0xa4: // password installed? no
        this.reply(0xf1);
        return;
      case 0xa7:
        this.setCtr(this.ctr | CTR_AUXDIS);
        return;
      case 0xa8:
        this.setCtr(this.ctr & ~CTR_AUXDIS);
        return;
      case 0xa9: // aux interface test: lines OK
      case 0xab: // keyboard interface test: lines OK
        this.reply(0x00);
        return;
      case 0xaa:
        this.reply(0x55);
        return;
      case 0xad:
        this.setCtr(this.ctr | CTR_KBDDIS);
        return;
      case 0xae:
        this.setCtr(this.ctr & ~CTR_KBDDIS);
        return;
      case 0xc0: // input port: keyboard not inhibited, colour display
        this.reply(0x80);
        return;
      case 0xd0:
        this.reply(this.readOutPort());
        return;
      case 0xdd: // HP-style A20 off / on
        this.writeOutPort(this.outPort & ~2);
        return;
      case 0xdf:
        this.writeOutPort(this.outPort | 2);
        return;
      case 0xe0: // test inputs
        this.reply(0x00);
        return;
      default:
        return;
    }
  }

  private readOutPort(): number {
    let v = this.outPort & 0xcf;
    if (this.status & STS_OBF) v |= this.status & STS_AUXOBF ? 0x20 : 0x10;
    return v;
  }

  private writeOutPort(value: number): void {
    const old = this.outPort;
    this.outPort = value;
    if ((old ^ value) & 2) this.signals.setA20((value & 2) !== 0);
    if ((value & 1) === 0) {
      this.outPort |= 1;
      this.signals.reset();
    }
  }

  private setCtr(value: number): void {
    this.ctr = value;
    this.ram[0] = value;
    this.updateIrq();
    this.refill();
  }

  private reply(b: number, source = SRC_CTRL): void {
    this.ctrlQueue.push(b);
    this.ctrlSource.push(source);
    this.refill();
  }

  /** Moves the next byte into an empty output buffer. */
  private refill(): void {
    if (this.status & STS_OBF) return;
    for (;;) {
      let source: number;
      let b: number;
      if (this.ctrlQueue.length > 0) {
        source = this.ctrlSource.shift();
        b = this.ctrlQueue.shift();
      } else if (this.kbdQueue.length > 0 && !(this.ctr & CTR_KBDDIS)) {
        source = SRC_KBD;
        b = this.kbdQueue.shift();
        if (this.ctr & CTR_XLATE) {
          if (b === 0xf0) {
            this.breakPrefix = true;
            continue;
          }
          b = XLATE[b] as number;
          if (this.breakPrefix) {
            b |= 0x80;
            this.breakPrefix = false;
          }
        }
      } else if (this.auxQueue.length > 0 && !(this.ctr & CTR_AUXDIS)) {
        source = SRC_AUX;
        b = this.auxQueue.shift();
      } else {
        return;
      }
      this.out = b;
      this.outSource = source;
      this.status |= STS_OBF | (source === SRC_AUX ? STS_AUXOBF : 0);
      this.updateIrq();
      return;
    }
  }

  private updateIrq(): void {
    const full = (this.status & STS_OBF) !== 0;
    const kbd = full && this.outSource !== SRC_AUX && (this.ctr & CTR_KBDINT) !== 0;
    const aux = full && this.outSource === SRC_AUX && (this.ctr & CTR_AUXINT) !== 0;
    if (kbd !== this.irq1Level) {
      this.irq1Level = kbd;
      this.irq1.set(kbd);
    }
    if (aux !== this.irq12Level) {
      this.irq12Level = aux;
      this.irq12.set(aux);
    }
  }

  // ---- the keyboard -----------------------------------------------------------------

  private kbd(b: number): void {
    this.kbdQueue.push(b);
  }

  private keyboardByte(b: number): void {
    // A byte to the keyboard re-enables the keyboard clock (as the 8042 does).
    if (this.ctr & CTR_KBDDIS) this.setCtr(this.ctr & ~CTR_KBDDIS);
    const pending = this.kbdPendingCommand;
    if (pending !== 0) {
      this.kbdPendingCommand = 0;
      if (pending === 0xed) {
        this.leds = b & 7;
        this.kbd(ACK);
      } else if (pending === 0xf3) {
        this.typematic = b & 0x7f;
        this.kbd(ACK);
      } else if (pending === 0xf0) {
        if (b === 0) {
          this.kbd(ACK);
          // The raw set number; with translation on the guest reads 0x43/0x41/0x3F.
          this.kbd(this.kbdScancodeSet);
        } else if (b <= 3) {
          this.kbdScancodeSet = b;
          this.kbd(ACK);
        } else {
          this.kbd(RESEND);
        }
      }
      this.refill();
      return;
    }
    switch (b) {
      case 0xed:
      case 0xf3:
      case 0xf0:
        this.kbdPendingCommand = b;
        this.kbd(ACK);
        break;
      case 0xee:
        this.kbd(0xee);
        break;
      case 0xf2:
        this.kbd(ACK);
        this.kbd(0xab);
        this.kbd(0x83);
        break;
      case 0xf4:
        this.kbdScanning = true;
        this.kbd(ACK);
        break;
      case 0xf5:
        this.kbdDefaults();
        this.kbdScanning = false;
        this.kbd(ACK);
        break;
      case 0xf6:
        this.kbdDefaults();
        this.kbd(ACK);
        break;
      case 0xff:
        this.kbdDefaults();
        this.kbdScanning = true;
        this.kbdQueue.clear();
        this.kbd(ACK);
        this.kbd(0xaa); // basic assurance test passed
        break;
      default:
        this.kbd(RESEND);
    }
    this.refill();
  }

  private kbdDefaults(): void {
    this.kbdScancodeSet = 2;
    this.typematic = 0x2b;
    this.leds = 0;
  }
}
