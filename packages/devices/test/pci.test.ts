import { describe, expect, it } from 'vitest';
import { PortBus } from '../src/bus.js';
import { PciFunction, createI440fx } from '../src/pci.js';

function setup(): { io: PortBus; resets: number[] } {
  const io = new PortBus();
  const resets: number[] = [];
  const bus = createI440fx({ setA20: () => {}, reset: () => resets.push(1) });
  bus.attach(io);
  return { io, resets };
}

const addr = (dev: number, fn: number, reg: number, bus = 0): number => (0x80000000 | (bus << 16) | (dev << 11) | (fn << 8) | reg) >>> 0;
function cfgRead(io: PortBus, dev: number, fn: number, reg: number, bytes: 1 | 2 | 4): number {
  io.write(0xcf8, 4, addr(dev, fn, reg & 0xfc));
  const v = io.read(0xcfc + (reg & 3), bytes);
  return bytes === 4 ? v >>> 0 : v;
}
function cfgWrite(io: PortBus, dev: number, fn: number, reg: number, bytes: 1 | 2 | 4, value: number): void {
  io.write(0xcf8, 4, addr(dev, fn, reg & 0xfc));
  io.write(0xcfc + (reg & 3), bytes, value);
}

describe('PCI configuration mechanism #1', () => {
  it("passes Linux's pci_check_type1: byte write to CFB, then CONFIG_ADDRESS reads back 80000000", () => {
    const { io } = setup();
    io.write(0xcfb, 1, 0x01);
    const saved = io.read(0xcf8, 4);
    io.write(0xcf8, 4, 0x80000000);
    expect(io.read(0xcf8, 4) >>> 0).toBe(0x80000000);
    io.write(0xcf8, 4, saved);
    expect(io.read(0xcf8, 4)).toBe(saved);
  });

  it('keeps CONFIG_ADDRESS reserved bits 30..24 and 1..0 at zero', () => {
    const { io } = setup();
    io.write(0xcf8, 4, 0xffffffff);
    expect(io.read(0xcf8, 4) >>> 0).toBe(0x80fffffc);
  });

  it("passes pci_sanity_check: 00:00.0 class word at 0x0A is 0600 (host bridge)", () => {
    const { io } = setup();
    expect(cfgRead(io, 0, 0, 0x0a, 2)).toBe(0x0600);
  });

  it('identifies the i440FX at 00:00.0 and the multi-function PIIX3 at 00:01.0', () => {
    const { io } = setup();
    expect(cfgRead(io, 0, 0, 0x00, 4)).toBe(0x12378086);
    expect(cfgRead(io, 0, 0, 0x08, 4) >>> 8).toBe(0x060000);
    expect(cfgRead(io, 0, 0, 0x0e, 1)).toBe(0x00);
    expect(cfgRead(io, 1, 0, 0x00, 4)).toBe(0x70008086);
    expect(cfgRead(io, 1, 0, 0x08, 4) >>> 8).toBe(0x060100);
    expect(cfgRead(io, 1, 0, 0x0e, 1)).toBe(0x80);
    expect(cfgRead(io, 1, 0, 0x01, 1)).toBe(0x80); // byte at offset 1 through port CFD
    expect(cfgRead(io, 1, 0, 0x02, 2)).toBe(0x7000);
  });

  it('reads all ones from empty slots, functions, other buses and with the enable bit clear', () => {
    const { io } = setup();
    expect(cfgRead(io, 2, 0, 0, 4)).toBe(0xffffffff);
    expect(cfgRead(io, 1, 1, 0, 2)).toBe(0xffff);
    io.write(0xcf8, 4, addr(0, 0, 0, 1));
    expect(io.read(0xcfc, 4)).toBe(-1);
    io.write(0xcf8, 4, 0x00000000);
    expect(io.read(0xcfc, 4)).toBe(-1);
    expect(io.read(0xcfc, 1)).toBe(0xff);
  });

  it('read-only IDs, class and header type ignore writes', () => {
    const { io } = setup();
    cfgWrite(io, 0, 0, 0x00, 4, 0);
    cfgWrite(io, 0, 0, 0x08, 4, 0);
    cfgWrite(io, 1, 0, 0x0e, 1, 0);
    expect(cfgRead(io, 0, 0, 0x00, 4)).toBe(0x12378086);
    expect(cfgRead(io, 0, 0, 0x08, 4) >>> 8).toBe(0x060000);
    expect(cfgRead(io, 1, 0, 0x0e, 1)).toBe(0x80);
  });

  it('PIIX3 PIRQ route control 60..63 resets to 80 (disabled) and is writable', () => {
    const { io } = setup();
    expect(cfgRead(io, 1, 0, 0x60, 4)).toBe(0x80808080);
    cfgWrite(io, 1, 0, 0x61, 1, 0x0b);
    expect(cfgRead(io, 1, 0, 0x60, 4)).toBe(0x80800b80);
    expect(cfgRead(io, 1, 0, 0x69, 1)).toBe(0x02); // TOM
  });

  it('i440FX PAM registers 59..5F are writable, SMRAM resets to 02', () => {
    const { io } = setup();
    cfgWrite(io, 0, 0, 0x59, 1, 0x30);
    expect(cfgRead(io, 0, 0, 0x59, 1)).toBe(0x30);
    expect(cfgRead(io, 0, 0, 0x72, 1)).toBe(0x02);
  });

  it('sizes BARs by their writable mask (write all ones, read back)', () => {
    const io = new PortBus();
    const bus = createI440fx();
    bus.attach(io);
    const f = new PciFunction({ vendor: 0x1234, device: 0x1111, classCode: 0x030000 });
    f.defineBar(0, 16 << 20, 'mem', true);
    f.defineBar(1, 0x20, 'io');
    bus.addFunction(2, 0, f);
    cfgWrite(io, 2, 0, 0x10, 4, 0xffffffff);
    expect(cfgRead(io, 2, 0, 0x10, 4)).toBe(0xff000008);
    cfgWrite(io, 2, 0, 0x14, 4, 0xffffffff);
    expect(cfgRead(io, 2, 0, 0x14, 4)).toBe(0xffffffe1);
    cfgWrite(io, 2, 0, 0x10, 4, 0xe0000000);
    cfgWrite(io, 2, 0, 0x14, 4, 0xc040);
    expect(f.barAddress(0)).toBe(0xe0000000);
    expect(f.barAddress(1)).toBe(0xc040);
    expect(cfgRead(io, 2, 0, 0x18, 4)).toBe(0); // unimplemented BAR
  });

  it('status error bits are write-one-to-clear', () => {
    const f = new PciFunction({ vendor: 1, device: 2, classCode: 0 });
    f.set(0x06, 2, 0x2280); // received master abort, DEVSEL medium, fast b2b
    f.write(0x06, 2, 0x2000);
    expect(f.read(0x06, 2)).toBe(0x0280);
  });

  it('PIIX3 reset control (CF9): RCPU 0 -> 1 resets the board', () => {
    const { io, resets } = setup();
    io.write(0xcf9, 1, 0x02);
    expect(resets).toHaveLength(0);
    io.write(0xcf9, 1, 0x06);
    expect(resets).toHaveLength(1);
  });
});
