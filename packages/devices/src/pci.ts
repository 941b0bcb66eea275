// PCI configuration mechanism #1 (PCI Local Bus spec 3.2.2.3.2) on bus 0, with the i440FX
// host bridge and the PIIX3 PCI-to-ISA bridge built in.
//
// CONFIG_ADDRESS (0xCF8) is claimed only by dword accesses, as on the 82441FX; byte and
// word accesses to 0xCF8..0xCFB fall through to the ISA bus (all ones / ignored), except
// 0xCF9, which is the PIIX3's reset control register. Linux's pci_check_type1 depends on
// exactly this: it writes a byte to 0xCFB and then expects a dword write of 0x80000000 to
// 0xCF8 to read back unchanged.
//
// Dword reads return a signed int32, the bus convention (-1 = all ones).
//
// There are no PCI-to-PCI bridges: every bus other than 0 is empty.

import type { BoardSignals, IoBus, IoHandler } from './bus.js';

export interface PciIds {
  vendor: number;
  device: number;
  /** Base class, sub-class and programming interface: 0xBBSSPP. */
  classCode: number;
  revision?: number;
  /** 0x00 ordinary device; bit 7 marks a multi-function device. */
  headerType?: number;
  subsystemVendor?: number;
  subsystem?: number;
  /** Interrupt pin 1 = INTA# .. 4 = INTD#, 0 none. */
  interruptPin?: number;
}

/**
 * One function's 256-byte configuration space. A write changes only the bits set in
 * `writable`; bits set in `clearOnWrite1` are cleared by writing 1 (status error bits).
 * BARs are sized by their writable mask, so writing all ones and reading back gives
 * the size the way the spec's sizing procedure expects.
 */
export class PciFunction {
  readonly config: Uint8Array = new Uint8Array(256);
  readonly writable: Uint8Array = new Uint8Array(256);
  readonly clearOnWrite1: Uint8Array = new Uint8Array(256);
  /** Called after every config write with the offset and width written. */
  onWrite: ((offset: number, bytes: number) => void) | undefined = undefined;

  constructor(ids: PciIds) {
    this.set(0x00, 2, ids.vendor);
    this.set(0x02, 2, ids.device);
    this.set(0x08, 1, ids.revision ?? 0);
    this.set(0x09, 1, ids.classCode & 0xff);
    this.set(0x0a, 2, ids.classCode >>> 8);
    this.set(0x0e, 1, ids.headerType ?? 0);
    this.set(0x2c, 2, ids.subsystemVendor ?? 0);
    this.set(0x2e, 2, ids.subsystem ?? 0);
    this.set(0x3d, 1, ids.interruptPin ?? 0);
    // Command: I/O, memory, bus master, parity error response, SERR#, INTx disable.
    this.setWritable(0x04, 2, 0x0547);
    // Status: the error bits are write-one-to-clear.
    this.clearOnWrite1[0x07] = 0xf9;
    this.setWritable(0x0c, 1, 0xff); // cache line size
    this.setWritable(0x0d, 1, 0xff); // latency timer
    this.setWritable(0x3c, 1, 0xff); // interrupt line (BIOS scratch)
  }

  /** Sets a field directly (initial values, read-only registers the device updates). */
  set(offset: number, bytes: number, value: number): void {
    for (let i = 0; i < bytes; i++) this.config[offset + i] = (value >>> (8 * i)) & 0xff;
  }

  setWritable(offset: number, bytes: number, mask: number): void {
    for (let i = 0; i < bytes; i++) this.writable[offset + i] = (mask >>> (8 * i)) & 0xff;
  }

  /**
   * Declares BAR `index` (0..5) as `size` bytes (a power of two) of I/O or memory space.
   * The low type bits are read-only; the address bits below the size read as zero.
   */
  defineBar(index: number, size: number, kind: 'io' | 'mem', prefetchable = false): void {
    const offset = 0x10 + 4 * index;
    const typeBits = kind === 'io' ? 0x1 : prefetchable ? 0x8 : 0x0;
    this.set(offset, 4, typeBits);
    this.setWritable(offset, 4, ~(size - 1) & (kind === 'io' ? 0xfffffffc : 0xfffffff0));
  }

  /** The address BAR `index` holds (type bits removed). */
  barAddress(index: number): number {
    const v = this.read(0x10 + 4 * index, 4) >>> 0;
    return v & 1 ? v & 0xfffffffc : (v & 0xfffffff0) >>> 0;
  }

  read(offset: number, bytes: number): number {
    const c = this.config;
    if (bytes === 1) return c[offset] as number;
    if (bytes === 2) return (c[offset] as number) | ((c[offset + 1] as number) << 8);
    return (c[offset] as number) | ((c[offset + 1] as number) << 8) | ((c[offset + 2] as number) << 16) | ((c[offset + 3] as number) << 24);
  }

  write(offset: number, bytes: number, value: number): void {
    for (let i = 0; i < bytes; i++) {
      const at = offset + i;
      const b = (value >>> (8 * i)) & 0xff;
      const w = this.writable[at] as number;
      const old = this.config[at] as number;
      this.config[at] = ((old & ~w) | (b & w)) & ~(b & (this.clearOnWrite1[at] as number));
    }
    this.onWrite?.(offset, bytes);
  }
}

const ENABLE = 0x80000000;

export class PciBus implements IoHandler {
  /** Functions of bus 0 by devfn (device << 3 | function). */
  private readonly functions: (PciFunction | undefined)[] = new Array<PciFunction | undefined>(256).fill(undefined);
  private address = 0;
  /** PIIX3 reset control register (0xCF9). */
  private resetControl = 0;

  constructor(private readonly signals: BoardSignals | undefined = undefined) {}

  attach(io: IoBus): void {
    io.register(0xcf8, 8, this, 'pci-config', true);
  }

  addFunction(device: number, fn: number, f: PciFunction): void {
    if (device < 0 || device > 31 || fn < 0 || fn > 7) throw new RangeError(`pci: no slot ${device}.${fn}`);
    const devfn = (device << 3) | fn;
    if (this.functions[devfn] !== undefined) throw new Error(`pci: 00:${device.toString(16)}.${fn} is taken`);
    this.functions[devfn] = f;
  }

  function(device: number, fn: number): PciFunction | undefined {
    return this.functions[(device << 3) | fn];
  }

  read(port: number, bytes: number): number {
    if (port < 0xcfc) {
      if (port === 0xcf8 && bytes === 4) return this.address | 0;
      if (port === 0xcf9 && bytes === 1) return this.resetControl;
      return bytes === 4 ? -1 : bytes === 2 ? 0xffff : 0xff;
    }
    const f = this.selected();
    if (f === undefined) return bytes === 4 ? -1 : bytes === 2 ? 0xffff : 0xff;
    const offset = (this.address & 0xfc) | (port & 3);
    // An access running past the dword reads the bytes beyond as all ones.
    if ((port & 3) + bytes > 4) return bytes === 2 ? (f.read(offset, 1) | 0xff00) : -1;
    const v = f.read(offset, bytes);
    return bytes === 4 ? v | 0 : v;
  }

  write(port: number, bytes: number, value: number): void {
    if (port < 0xcfc) {
      if (port === 0xcf8 && bytes === 4) this.address = (value & 0x80fffffc) >>> 0;
      else if (port === 0xcf9 && bytes === 1) this.writeResetControl(value & 0xff);
      return;
    }
    const f = this.selected();
    if (f === undefined || (port & 3) + bytes > 4) return;
    f.write((this.address & 0xfc) | (port & 3), bytes, value);
  }

  private selected(): PciFunction | undefined {
    const a = this.address;
    if ((a & ENABLE) === 0 || (a & 0x00ff0000) !== 0) return undefined;
    return this.functions[(a >>> 8) & 0xff];
  }

  private writeResetControl(value: number): void {
    const old = this.resetControl;
    this.resetControl = value & 0x06;
    // RCPU (bit 2) 0 -> 1 starts the reset; SRST (bit 1) chooses hard or soft, same to us.
    if (value & 4 && !(old & 4)) {
      this.resetControl = 0;
      this.signals?.reset();
    }
  }
}

/** The 82441FX PMC (i440FX host bridge) at 00:00.0 with its documented reset values. */
export function createI440fxHostBridge(): PciFunction {
  const f = new PciFunction({ vendor: 0x8086, device: 0x1237, classCode: 0x060000, revision: 0x02 });
  f.set(0x04, 2, 0x0006);
  f.set(0x06, 2, 0x0280);
  const init: [number, number, number][] = [
    // offset, reset value, writable mask
    [0x50, 0x00, 0xff], // PMCCFG
    [0x51, 0x80, 0xff], // DETURBO
    [0x52, 0x00, 0xff], // DBC
    [0x53, 0x80, 0xff],
    [0x54, 0x00, 0xff], // AXC
    [0x55, 0x00, 0xff], // DRAMR
    [0x56, 0x00, 0xff],
    [0x57, 0x01, 0xff], // DRAMC
    [0x58, 0x10, 0xff], // DRAMT
    [0x68, 0x00, 0xff], // FDHC
    [0x70, 0x20, 0xff], // MTT
    [0x71, 0x10, 0xff], // CLT
    [0x72, 0x02, 0x78], // SMRAM: D_OPEN, D_CLS, D_LCK, G_SMRAME writable; C_BASE_SEG fixed at 010
    [0x90, 0x00, 0xff], // ERRCMD
    [0x91, 0x00, 0x00], // ERRSTS
    [0x93, 0x00, 0x06], // TRC
  ];
  for (const [offset, value, mask] of init) {
    f.set(offset, 1, value);
    f.setWritable(offset, 1, mask);
  }
  for (let pam = 0x59; pam <= 0x5f; pam++) f.setWritable(pam, 1, 0x33); // PAM0..6: RE/WE per half
  for (let drb = 0x60; drb <= 0x67; drb++) {
    f.set(drb, 1, 0x01);
    f.setWritable(drb, 1, 0xff);
  }
  return f;
}

/** The 82371SB PIIX3 function 0 (PCI-to-ISA bridge) at 00:01.0 with its reset values. */
export function createPiix3IsaBridge(): PciFunction {
  const f = new PciFunction({ vendor: 0x8086, device: 0x7000, classCode: 0x060100, revision: 0x00, headerType: 0x80 });
  f.set(0x04, 2, 0x0007);
  f.set(0x06, 2, 0x0200);
  const init: [number, number, number][] = [
    [0x4c, 0x4d, 0xff], // IORT
    [0x4e, 0x03, 0xff], // XBCS
    [0x4f, 0x00, 0xff],
    [0x60, 0x80, 0x8f], // PIRQRC[A..D]: bit 7 = routing disabled, bits 3..0 = IRQ
    [0x61, 0x80, 0x8f],
    [0x62, 0x80, 0x8f],
    [0x63, 0x80, 0x8f],
    [0x69, 0x02, 0xff], // TOM
    [0x6a, 0x00, 0xff], // MSTAT
    [0x6b, 0x00, 0xff],
    [0x70, 0x80, 0xcf], // MBIRQ0
    [0x71, 0x80, 0xcf], // MBIRQ1
    [0x76, 0x0c, 0x8f], // MBDMA0
    [0x77, 0x0c, 0x8f], // MBDMA1
    [0x78, 0x02, 0xff], // PCSC
    [0x79, 0x00, 0xff],
    [0x80, 0x00, 0x7f], // APICBASE
    [0x82, 0x00, 0x0f], // DLC
    [0xa0, 0x08, 0x1f], // SMICNTL
    [0xa2, 0x00, 0xff], // SMIEN
    [0xa3, 0x00, 0x00],
    [0xa4, 0x00, 0xff], // SEE
    [0xa5, 0x00, 0xff],
    [0xa6, 0x00, 0xff],
    [0xa7, 0x00, 0xff],
    [0xa8, 0x0f, 0xff], // FTMR
    [0xaa, 0x00, 0xff], // SMIREQ
    [0xab, 0x00, 0xff],
    [0xac, 0x00, 0xff], // CTLTMR
    [0xae, 0x00, 0xff], // CTHTMR
  ];
  for (const [offset, value, mask] of init) {
    f.set(offset, 1, value);
    f.setWritable(offset, 1, mask);
  }
  return f;
}

/** A bus 0 with the i440FX host bridge (00:00.0) and the PIIX3 ISA bridge (00:01.0). */
export function createI440fx(signals?: BoardSignals): PciBus {
  const bus = new PciBus(signals);
  bus.addFunction(0, 0, createI440fxHostBridge());
  bus.addFunction(1, 0, createPiix3IsaBridge());
  return bus;
}
