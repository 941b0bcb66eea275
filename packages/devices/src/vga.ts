// The IBM VGA as far as text mode and Linux's vgacon need it: the register file (misc
// output, sequencer, CRTC, graphics controller, attribute controller, DAC) and 128 KiB of
// display memory, rendered on demand as a character grid.
//
// Memory is one flat 128 KiB byte array indexed by physical address - 0xA0000, visible
// only through the window the graphics controller's memory map select (GR06 bits 3..2)
// opens: A0000-BFFFF, A0000-AFFFF, B0000-B7FFF or B8000-BFFFF. A text page at B8000 is
// bytes char, attribute, char, attribute..., the odd/even view a real VGA gives in text
// mode. Planes are not modelled; indexing by physical address rather than by window offset
// keeps a font upload (vgacon maps A0000 to write plane 2) from landing on the text page.
// The CRTC displays from B8000, or from B0000 once the graphics controller has selected
// the monochrome window; the start address wraps within those 32 KiB. Graphics modes are
// not modelled.
//
// Timing: input status 1 is derived from the virtual clock for the 70 Hz mode-3 frame
// (28.322 MHz dot clock, 900 dots per line, 449 lines): display enable off during the
// horizontal and vertical blanks, vertical retrace on lines 412-413 (CR10, CR11).
//
// The power-on state is what a BIOS leaves after setting mode 3: 80x25 colour text, CRTC
// at 3D4, a blank screen of spaces with attribute 07, cursor lines 13-14 at the origin.

import type { IoBus, IoHandler, MmioBus, MmioHandler, Scheduler } from './bus.js';

// prettier-ignore
const MODE3_SEQ = [0x03, 0x00, 0x03, 0x00, 0x02];
// prettier-ignore
const MODE3_CRTC = [
  0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00,
  0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
];
// prettier-ignore
const MODE3_GC = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff];
// prettier-ignore
const MODE3_ATTR = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
  0x0c, 0x00, 0x0f, 0x08, 0x00,
];

/** Code page 437 as Unicode; 0x00 shows as a space. */
const CP437 =
  ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼' +
  ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~⌂' +
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»' +
  '░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** CP437 code -> Unicode character (256 entries). */
export const CP437_TO_UNICODE: readonly string[] = Array.from(CP437);

const LINE_NS = (900 * 1e9) / 28_322_000;
const FRAME_NS = 449 * LINE_NS;
const ACTIVE_NS = (720 / 900) * LINE_NS;

const WINDOW_BASE = [0xa0000, 0xa0000, 0xb0000, 0xb8000] as const;
const WINDOW_SIZE = [0x20000, 0x10000, 0x8000, 0x8000] as const;

export class Vga implements IoHandler {
  /** The display memory window's handler (registered at A0000-BFFFF). */
  readonly mmio: MmioHandler = {
    read: (addr, bytes) => this.readMemory(addr, bytes),
    write: (addr, bytes, value) => this.writeMemory(addr, bytes, value),
  };
  readonly memory: Uint8Array = new Uint8Array(0x20000);
  private misc = 0x67;
  private seqIndex = 0;
  private readonly seq = new Uint8Array(8);
  private crtcIndex = 0;
  private readonly crtc = new Uint8Array(64);
  private gcIndex = 0;
  private readonly gc = new Uint8Array(16);
  /** Attribute index including bit 5 (palette address source). */
  private attrIndex = 0x20;
  private attrFlipFlopData = false;
  private readonly attr = new Uint8Array(32);
  private featureControl = 0;
  private vgaEnable = 1;

  private readonly palette = new Uint8Array(256 * 3);
  private dacMask = 0xff;
  private dacReadIndex = 0;
  private dacWriteIndex = 0;
  private dacComponent = 0;
  /** 0 = the DAC was last given a write index, 3 = a read index (port 3C7 read). */
  private dacState = 0;

  private windowBase = 0xb8000;
  private windowSize = 0x8000;
  /** Array offset of the text page the CRTC shows (B8000 or B0000). */
  private displayOffset = 0x18000;

  constructor(private readonly clock: Scheduler) {
    this.seq.set(MODE3_SEQ);
    this.crtc.set(MODE3_CRTC);
    this.gc.set(MODE3_GC);
    this.attr.set(MODE3_ATTR);
    this.updateWindow();
    for (let i = 0x18000; i < 0x20000; i += 2) {
      this.memory[i] = 0x20;
      this.memory[i + 1] = 0x07;
    }
    // The EGA-compatible 64 colours (rgbRGB: primary bits 2/3, secondary bits 1/3).
    for (let i = 0; i < 64; i++) {
      this.palette[i * 3] = ((i >> 2) & 1) * 0x2a + ((i >> 5) & 1) * 0x15;
      this.palette[i * 3 + 1] = ((i >> 1) & 1) * 0x2a + ((i >> 4) & 1) * 0x15;
      this.palette[i * 3 + 2] = (i & 1) * 0x2a + ((i >> 3) & 1) * 0x15;
    }
  }

  attach(io: IoBus, mmio: MmioBus): void {
    io.register(0x3b4, 2, this, 'vga');
    io.register(0x3ba, 1, this, 'vga');
    io.register(0x3c0, 16, this, 'vga');
    io.register(0x3d4, 2, this, 'vga');
    io.register(0x3da, 1, this, 'vga');
    mmio.register(0xa0000, 0x20000, this.mmio, 'vga-memory');
  }

  // ---- ports ------------------------------------------------------------------------

  read(port: number, _bytes: number): number {
    switch (port) {
      case 0x3b4:
      case 0x3d4:
        return this.crtcPort(port) ? this.crtcIndex : 0xff;
      case 0x3b5:
      case 0x3d5:
        return this.crtcPort(port) ? (this.crtc[this.crtcIndex] as number) : 0xff;
      case 0x3ba:
      case 0x3da:
        if (!this.crtcPort(port)) return 0xff;
        this.attrFlipFlopData = false;
        return this.inputStatus1();
      case 0x3c0:
        return this.attrIndex;
      case 0x3c1:
        return this.attr[this.attrIndex & 0x1f] as number;
      case 0x3c2:
        return 0x10; // input status 0: switch sense reads 1 (a colour monitor)
      case 0x3c3:
        return this.vgaEnable;
      case 0x3c4:
        return this.seqIndex;
      case 0x3c5:
        return this.seq[this.seqIndex] as number;
      case 0x3c6:
        return this.dacMask;
      case 0x3c7:
        return this.dacState;
      case 0x3c8:
        return this.dacWriteIndex;
      case 0x3c9: {
        const v = this.palette[this.dacReadIndex * 3 + this.dacComponent] as number;
        if (++this.dacComponent === 3) {
          this.dacComponent = 0;
          this.dacReadIndex = (this.dacReadIndex + 1) & 0xff;
        }
        return v;
      }
      case 0x3ca:
        return this.featureControl;
      case 0x3cc:
        return this.misc;
      case 0x3ce:
        return this.gcIndex;
      case 0x3cf:
        return this.gc[this.gcIndex] as number;
      default:
        return 0xff;
    }
  }

  write(port: number, _bytes: number, value: number): void {
    value &= 0xff;
    switch (port) {
      case 0x3b4:
      case 0x3d4:
        if (this.crtcPort(port)) this.crtcIndex = value & 0x3f;
        return;
      case 0x3b5:
      case 0x3d5:
        if (this.crtcPort(port)) this.writeCrtc(value);
        return;
      case 0x3ba:
      case 0x3da:
        if (this.crtcPort(port)) this.featureControl = value;
        return;
      case 0x3c0:
        if (this.attrFlipFlopData) {
          const i = this.attrIndex & 0x1f;
          if (i < MODE3_ATTR.length) this.attr[i] = value;
        } else {
          this.attrIndex = value & 0x3f;
        }
        this.attrFlipFlopData = !this.attrFlipFlopData;
        return;
      case 0x3c2:
        this.misc = value;
        return;
      case 0x3c3:
        this.vgaEnable = value & 1;
        return;
      case 0x3c4:
        this.seqIndex = value & 0x07;
        return;
      case 0x3c5:
        this.seq[this.seqIndex] = value;
        return;
      case 0x3c6:
        this.dacMask = value;
        return;
      case 0x3c7:
        this.dacReadIndex = value;
        this.dacComponent = 0;
        this.dacState = 3;
        return;
      case 0x3c8:
        this.dacWriteIndex = value;
        this.dacComponent = 0;
        this.dacState = 0;
        return;
      case 0x3c9:
        this.palette[this.dacWriteIndex * 3 + this.dacComponent] = value & 0x3f;
        if (++this.dacComponent === 3) {
          this.dacComponent = 0;
          this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff;
        }
        return;
      case 0x3ce:
        this.gcIndex = value & 0x0f;
        return;
      case 0x3cf:
        this.gc[this.gcIndex] = value;
        if (this.gcIndex === 6) this.updateWindow();
        return;
      default:
        return;
    }
  }

  /** Misc output bit 0 puts the CRTC and input status 1 at 3Dx (colour) or 3Bx (mono). */
  private crtcPort(port: number): boolean {
    return ((port & 0xf0) === 0xd0) === ((this.misc & 1) !== 0);
  }

  private writeCrtc(value: number): void {
    const i = this.crtcIndex;
    // CR11 bit 7 write-protects CR00-CR07, except the line compare bit CR07 bit 4.
    if (i <= 7 && (this.crtc[0x11] as number) & 0x80) {
      if (i === 7) this.crtc[7] = ((this.crtc[7] as number) & ~0x10) | (value & 0x10);
      return;
    }
    this.crtc[i] = value;
  }

  private inputStatus1(): number {
    const t = this.clock.now() % FRAME_NS;
    const line = Math.floor(t / LINE_NS);
    const x = t - line * LINE_NS;
    const displayEnabled = line < 400 && x < ACTIVE_NS;
    const retrace = line >= 412 && line < 414;
    return (retrace ? 0x08 : 0) | (displayEnabled ? 0 : 0x01);
  }

  private updateWindow(): void {
    const map = ((this.gc[6] as number) >> 2) & 3;
    this.windowBase = WINDOW_BASE[map as 0 | 1 | 2 | 3];
    this.windowSize = WINDOW_SIZE[map as 0 | 1 | 2 | 3];
    if (map >= 2) this.displayOffset = this.windowBase - 0xa0000;
  }

  // ---- memory -----------------------------------------------------------------------

  private readMemory(addr: number, bytes: number): number {
    const off = addr - this.windowBase;
    if (bytes === 1) return off >= 0 && off < this.windowSize ? (this.memory[addr - 0xa0000] as number) : 0xff;
    let v = 0;
    for (let i = 0; i < bytes; i++) {
      const o = off + i;
      v |= (o >= 0 && o < this.windowSize ? (this.memory[addr + i - 0xa0000] as number) : 0xff) << (8 * i);
    }
    return v;
  }

  private writeMemory(addr: number, bytes: number, value: number): void {
    const off = addr - this.windowBase;
    for (let i = 0; i < bytes; i++) {
      const o = off + i;
      if (o >= 0 && o < this.windowSize) this.memory[addr + i - 0xa0000] = (value >>> (8 * i)) & 0xff;
    }
  }

  // ---- what the screen shows --------------------------------------------------------

  get columns(): number {
    return (this.crtc[1] as number) + 1;
  }

  get rows(): number {
    const c7 = this.crtc[7] as number;
    const lines = ((this.crtc[0x12] as number) | ((c7 & 0x02) << 7) | ((c7 & 0x40) << 3)) + 1;
    return Math.floor(lines / (((this.crtc[9] as number) & 0x1f) + 1));
  }

  /** Characters per row in memory (CR13 counts words in text mode). */
  private get stride(): number {
    return (this.crtc[0x13] as number) * 2;
  }

  private get startAddress(): number {
    return ((this.crtc[0x0c] as number) << 8) | (this.crtc[0x0d] as number);
  }

  cell(row: number, col: number): { ch: number; attr: number } {
    const o = this.displayOffset + (((this.startAddress + row * this.stride + col) * 2) & 0x7fff);
    return { ch: this.memory[o] as number, attr: this.memory[o + 1] as number };
  }

  /** The screen as text, one string per row, CP437 mapped to Unicode, trailing spaces cut. */
  text(): string[] {
    const out: string[] = [];
    const rows = this.rows;
    const cols = this.columns;
    const start = this.startAddress;
    const stride = this.stride;
    const base = this.displayOffset;
    for (let r = 0; r < rows; r++) {
      let line = '';
      for (let c = 0; c < cols; c++) line += CP437_TO_UNICODE[this.memory[base + (((start + r * stride + c) * 2) & 0x7fff)] as number];
      out.push(line.replace(/ +$/, ''));
    }
    return out;
  }

  cursor(): { row: number; col: number; visible: boolean } {
    const loc = ((this.crtc[0x0e] as number) << 8) | (this.crtc[0x0f] as number);
    const rel = loc - this.startAddress;
    const stride = this.stride || 1;
    const row = Math.floor(rel / stride);
    const col = rel - row * stride;
    const cs = this.crtc[0x0a] as number;
    const ce = (this.crtc[0x0b] as number) & 0x1f;
    // CR0A bit 5 turns the cursor off; on the VGA a start line after the end line does too.
    const visible = (cs & 0x20) === 0 && (cs & 0x1f) <= ce && rel >= 0 && row < this.rows && col < this.columns;
    return { row, col, visible };
  }

  /** DAC entry `index` as 6-bit red, green, blue. */
  paletteEntry(index: number): [number, number, number] {
    const p = this.palette;
    return [p[index * 3] as number, p[index * 3 + 1] as number, p[index * 3 + 2] as number];
  }
}
