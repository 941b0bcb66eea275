// The physical address space of the board: RAM from address 0, MMIO ranges claimed by
// devices (whole 4 KiB pages), and ROM images. It is the CPU's `PhysicalMemory` (RAM is
// read and written by the CPU directly; only MMIO and ROM outside RAM come through here)
// and the devices' `MmioBus`.

import { PAGE_MMIO, PAGE_RAM, PAGE_ROM, type PhysicalMemory } from '@vmm86/cpu-core';
import type { MmioBus, MmioHandler } from '@vmm86/devices';

const PAGE = 4096;
const PAGES = 1 << 20;

const OPEN_BUS: MmioHandler = {
  read: (_addr, bytes) => (bytes === 4 ? -1 : (1 << (bytes * 8)) - 1),
  write: () => {},
};

/** A ROM image outside RAM: reads come from the image, writes are dropped. */
class RomWindow implements MmioHandler {
  constructor(
    private readonly base: number,
    private readonly image: Uint8Array,
  ) {}
  read(addr: number, bytes: number): number {
    let value = 0;
    for (let i = 0; i < bytes; i++) value |= (this.image[(addr - this.base + i) >>> 0] ?? 0xff) << (8 * i);
    return bytes === 4 ? value : value & ((1 << (bytes * 8)) - 1);
  }
  write(): void {}
}

export class PhysicalBus implements PhysicalMemory, MmioBus {
  readonly ram: Uint8Array;
  readonly pageKind: Uint8Array = new Uint8Array(PAGES).fill(PAGE_MMIO);
  private readonly pageHandler = new Uint8Array(PAGES);
  private readonly handlers: MmioHandler[] = [OPEN_BUS];
  private readonly names: string[] = ['(open bus)'];

  /**
   * `ramBytes` must be a whole number of pages. `backing` (at least `ramBytes` long) lets
   * RAM be a view of a larger host memory: the monitor puts its own pages above it.
   */
  constructor(ramBytes: number, backing?: Uint8Array) {
    if (ramBytes % PAGE !== 0 || ramBytes <= 0) throw new RangeError(`RAM size ${ramBytes} is not a positive multiple of 4 KiB`);
    this.ram = backing === undefined ? new Uint8Array(ramBytes) : backing.subarray(0, ramBytes);
    this.pageKind.fill(PAGE_RAM, 0, ramBytes / PAGE);
  }

  register(base: number, size: number, handler: MmioHandler, name: string): void {
    if (base % PAGE !== 0 || size % PAGE !== 0 || size <= 0 || base + size > 2 ** 32) {
      throw new RangeError(`${name}: MMIO range 0x${base.toString(16)}+0x${size.toString(16)} is not whole pages inside 4 GiB`);
    }
    if (this.handlers.length === 255) throw new RangeError(`${name}: too many MMIO handlers`);
    const index = this.handlers.push(handler) - 1;
    this.names.push(name);
    for (let page = base / PAGE; page < (base + size) / PAGE; page++) {
      const owner = this.pageHandler[page] as number;
      if (owner !== 0) throw new Error(`${name}: page 0x${(page * PAGE).toString(16)} is already claimed by ${this.names[owner]}`);
      this.pageHandler[page] = index;
      this.pageKind[page] = PAGE_MMIO;
    }
  }

  /**
   * Maps a ROM image at `base`: inside RAM it is copied into the RAM array and its pages
   * become read-only; above RAM it is an MMIO window. `base` and the size are whole pages.
   */
  mapRom(base: number, image: Uint8Array, name: string): void {
    const size = Math.ceil(image.length / PAGE) * PAGE;
    if (base % PAGE !== 0) throw new RangeError(`${name}: ROM base 0x${base.toString(16)} is not page-aligned`);
    if (base + size <= this.ram.length) {
      this.ram.set(image, base);
      this.pageKind.fill(PAGE_ROM, base / PAGE, (base + size) / PAGE);
    } else {
      this.register(base, size, new RomWindow(base, image), name);
    }
  }

  /** Which handler owns the page of `addr`. */
  owner(addr: number): string {
    return this.names[this.pageHandler[addr >>> 12] as number] as string;
  }

  mmioRead(addr: number, bytes: number): number {
    return (this.handlers[this.pageHandler[addr >>> 12] as number] as MmioHandler).read(addr >>> 0, bytes);
  }

  mmioWrite(addr: number, bytes: number, value: number): void {
    (this.handlers[this.pageHandler[addr >>> 12] as number] as MmioHandler).write(addr >>> 0, bytes, value);
  }
}
