import { describe, expect, it } from 'vitest';
import { ManualClock, PortBus, type MmioBus, type MmioHandler } from '../src/bus.js';
import { CP437_TO_UNICODE, Vga } from '../src/vga.js';

class FakeMmio implements MmioBus {
  ranges: { base: number; size: number; handler: MmioHandler }[] = [];
  register(base: number, size: number, handler: MmioHandler): void {
    this.ranges.push({ base, size, handler });
  }
  private find(addr: number): MmioHandler {
    const r = this.ranges.find((x) => addr >= x.base && addr < x.base + x.size);
    if (r === undefined) throw new Error(`unmapped ${addr.toString(16)}`);
    return r.handler;
  }
  read(addr: number, bytes: number): number {
    return this.find(addr).read(addr, bytes);
  }
  write(addr: number, bytes: number, value: number): void {
    this.find(addr).write(addr, bytes, value);
  }
}

function setup(): { io: PortBus; mem: FakeMmio; clock: ManualClock; vga: Vga } {
  const io = new PortBus();
  const mem = new FakeMmio();
  const clock = new ManualClock();
  const vga = new Vga(clock);
  vga.attach(io, mem);
  return { io, mem, clock, vga };
}

function crtc(io: PortBus, index: number, value: number): void {
  io.write(0x3d4, 1, index);
  io.write(0x3d5, 1, value);
}

function puts(mem: FakeMmio, row: number, col: number, s: string, attr = 0x07): void {
  for (let i = 0; i < s.length; i++) mem.write(0xb8000 + (row * 80 + col + i) * 2, 2, (attr << 8) | s.charCodeAt(i));
}

describe('VGA text mode', () => {
  it('starts as the BIOS leaves mode 3: 80x25, blank with attribute 07, cursor at 0,0', () => {
    const { vga, mem } = setup();
    expect(mem.ranges).toEqual([expect.objectContaining({ base: 0xa0000, size: 0x20000 })]);
    expect(vga.columns).toBe(80);
    expect(vga.rows).toBe(25);
    expect(vga.text()).toEqual(new Array<string>(25).fill(''));
    expect(vga.cell(24, 79)).toEqual({ ch: 0x20, attr: 0x07 });
    expect(vga.cursor()).toEqual({ row: 0, col: 0, visible: true });
  });

  it('shows char/attribute pairs written at B8000 and reads them back', () => {
    const { vga, mem } = setup();
    puts(mem, 0, 0, 'Hello,', 0x1f);
    puts(mem, 3, 75, 'world');
    expect(vga.text()[0]).toBe('Hello,');
    expect(vga.text()[3]).toBe(' '.repeat(75) + 'world');
    expect(vga.cell(0, 1)).toEqual({ ch: 0x65, attr: 0x1f });
    expect(mem.read(0xb8000, 2)).toBe(0x1f48);
    expect(mem.read(0xb8002, 1)).toBe(0x65);
    expect(mem.read(0xb8000, 4) >>> 0).toBe(0x1f651f48);
  });

  it('maps CP437 to Unicode (box drawing, smileys, Greek, NBSP)', () => {
    const { vga, mem } = setup();
    expect(CP437_TO_UNICODE).toHaveLength(256);
    mem.write(0xb8000, 1, 0xc9);
    mem.write(0xb8002, 1, 0xcd);
    mem.write(0xb8004, 1, 0xbb);
    mem.write(0xb8006, 1, 0x01);
    mem.write(0xb8008, 1, 0xe1);
    expect(vga.text()[0]).toBe('╔═╗☺ß');
    expect(CP437_TO_UNICODE[0xb0]).toBe('░');
    expect(CP437_TO_UNICODE[0x7f]).toBe('⌂');
    expect(CP437_TO_UNICODE[0xe3]).toBe('π');
    expect(CP437_TO_UNICODE[0xff]).toBe('\u00a0');
  });

  it('scrolls with the CRTC start address (CR0C/CR0D) and follows CR13 offset', () => {
    const { vga, io, mem } = setup();
    puts(mem, 1, 0, 'second');
    puts(mem, 25, 0, 'below');
    crtc(io, 0x0c, 0x00);
    crtc(io, 0x0d, 80);
    expect(vga.text()[0]).toBe('second');
    expect(vga.text()[24]).toBe('below');
  });

  it('places the cursor from CR0E/CR0F and hides it with CR0A bit 5 or start > end', () => {
    const { vga, io } = setup();
    crtc(io, 0x0e, 0x00);
    crtc(io, 0x0f, 2 * 80 + 5);
    expect(vga.cursor()).toEqual({ row: 2, col: 5, visible: true });
    crtc(io, 0x0a, 0x20 | 0x0d);
    expect(vga.cursor().visible).toBe(false);
    crtc(io, 0x0a, 0x0f);
    expect(vga.cursor().visible).toBe(false);
    crtc(io, 0x0a, 0x00);
    expect(vga.cursor().visible).toBe(true);
  });

  it('derives rows from vertical display end and maximum scan line (8-line font: 50 rows)', () => {
    const { vga, io } = setup();
    crtc(io, 0x09, 0x47);
    expect(vga.rows).toBe(50);
  });

  it('CR11 bit 7 write-protects CR00-CR07; a word write sets index and data', () => {
    const { vga, io } = setup();
    crtc(io, 0x01, 0x27);
    expect(vga.columns).toBe(80);
    crtc(io, 0x11, 0x0e);
    io.write(0x3d4, 2, 0x2701);
    expect(vga.columns).toBe(40);
    io.write(0x3d4, 1, 0x0f);
    expect(io.read(0x3d5, 1)).toBe(0x00);
  });

  it('misc output bit 0 moves the CRTC between 3Dx and 3Bx', () => {
    const { io } = setup();
    expect(io.read(0x3cc, 1)).toBe(0x67);
    io.write(0x3d4, 1, 0x0a);
    expect(io.read(0x3d5, 1)).toBe(0x0d);
    expect(io.read(0x3b5, 1)).toBe(0xff);
    io.write(0x3c2, 1, 0x66);
    expect(io.read(0x3d5, 1)).toBe(0xff);
    io.write(0x3b4, 1, 0x0b);
    expect(io.read(0x3b5, 1)).toBe(0x0e);
  });

  it('graphics controller memory map select moves the window (B0000 mono, A0000 128K)', () => {
    const { io, mem, vga } = setup();
    io.write(0x3ce, 1, 0x06);
    expect(io.read(0x3cf, 1)).toBe(0x0e);
    io.write(0x3cf, 1, 0x0a); // map 2: B0000-B7FFF
    expect(mem.read(0xb8000, 1)).toBe(0xff);
    mem.write(0xb8000, 1, 0x41);
    mem.write(0xb0000, 1, 0x42);
    expect(mem.read(0xb0000, 1)).toBe(0x42);
    expect(vga.cell(0, 0).ch).toBe(0x42);
    io.write(0x3cf, 1, 0x02); // map 0: A0000-BFFFF, everything visible
    expect(mem.read(0xb0000, 1)).toBe(0x42);
    expect(mem.read(0xb8001, 1)).toBe(0x07);
    mem.write(0xa0000, 1, 0x99);
    expect(mem.read(0xa0000, 1)).toBe(0x99);
    expect(vga.cell(0, 0).ch).toBe(0x42); // the display stays on the last text window
  });

  it('a font upload through the A0000 window leaves the text page alone (vgacon font op)', () => {
    const { io, mem, vga } = setup();
    puts(mem, 0, 0, 'kept');
    io.write(0x3ce, 1, 0x06);
    io.write(0x3cf, 1, 0x04); // A0000-AFFFF
    for (let i = 0; i < 0x2000; i++) mem.write(0xa0000 + i, 1, 0xff);
    expect(mem.read(0xa1fff, 1)).toBe(0xff);
    io.write(0x3cf, 1, 0x0e);
    expect(vga.text()[0]).toBe('kept');
  });

  it('the start address wraps within the 32 KiB text window', () => {
    const { io, mem, vga } = setup();
    mem.write(0xb8000, 1, 0x41);
    crtc(io, 0x0c, 0x40); // 0x4000 characters = 0x8000 bytes: back at the window start
    crtc(io, 0x0d, 0x00);
    expect(vga.cell(0, 0).ch).toBe(0x41);
  });

  it('sequencer and graphics controller index/data read back', () => {
    const { io } = setup();
    io.write(0x3c4, 1, 0x04);
    expect(io.read(0x3c5, 1)).toBe(0x02);
    io.write(0x3c4, 1, 0x02);
    io.write(0x3c5, 1, 0x0f);
    expect(io.read(0x3c4, 1)).toBe(0x02);
    expect(io.read(0x3c5, 1)).toBe(0x0f);
    io.write(0x3ce, 1, 0x05);
    expect(io.read(0x3cf, 1)).toBe(0x10);
  });

  it('attribute controller: index/data flip-flop reset by reading input status 1', () => {
    const { io } = setup();
    io.read(0x3da, 1);
    io.write(0x3c0, 1, 0x10);
    expect(io.read(0x3c1, 1)).toBe(0x0c);
    io.write(0x3c0, 1, 0x08); // data: mode control
    expect(io.read(0x3c1, 1)).toBe(0x08);
    io.write(0x3c0, 1, 0x21); // flip-flop back at index: palette 1 with PAS set
    expect(io.read(0x3c0, 1)).toBe(0x21);
    expect(io.read(0x3c1, 1)).toBe(0x01);
    io.write(0x3c0, 1, 0x3f); // data
    io.read(0x3da, 1); // reset to index
    io.write(0x3c0, 1, 0x21);
    expect(io.read(0x3c1, 1)).toBe(0x3f);
  });

  it('DAC: 6-bit components, auto-increment on write and read, state at 3C7', () => {
    const { io, vga } = setup();
    expect(vga.paletteEntry(7)).toEqual([0x2a, 0x2a, 0x2a]);
    expect(vga.paletteEntry(0x3f)).toEqual([0x3f, 0x3f, 0x3f]);
    io.write(0x3c8, 1, 5);
    for (const v of [0x01, 0x02, 0xff, 0x04, 0x05, 0x06]) io.write(0x3c9, 1, v);
    expect(io.read(0x3c8, 1)).toBe(7);
    expect(io.read(0x3c7, 1) & 3).toBe(0);
    io.write(0x3c7, 1, 5);
    expect(io.read(0x3c7, 1) & 3).toBe(3);
    const got = [0, 1, 2, 3, 4, 5].map(() => io.read(0x3c9, 1));
    expect(got).toEqual([0x01, 0x02, 0x3f, 0x04, 0x05, 0x06]);
  });

  it('input status 1: display enable and vertical retrace follow the 70 Hz frame', () => {
    const { io, clock } = setup();
    const line = (900 * 1e9) / 28_322_000; // 31.78 us
    clock.advanceTo(10 * line + 1);
    expect(io.read(0x3da, 1) & 0x09).toBe(0x00);
    clock.advanceTo(10 * line + 0.9 * line); // horizontal blank
    expect(io.read(0x3da, 1) & 0x09).toBe(0x01);
    clock.advanceTo(412 * line + 1);
    expect(io.read(0x3da, 1) & 0x09).toBe(0x09);
    clock.advanceTo(415 * line);
    expect(io.read(0x3da, 1) & 0x09).toBe(0x01);
    clock.advanceTo(449 * line + 1); // next frame
    expect(io.read(0x3da, 1) & 0x09).toBe(0x00);
  });
});
