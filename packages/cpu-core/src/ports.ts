// What the CPU needs from the board: physical memory and I/O ports.
//
// The CPU owns no devices. RAM is one Uint8Array from physical address 0, read and
// written directly on the hot path; a page map says, per 4 KiB physical page, whether a
// page is RAM, ROM (reads from the same array, writes dropped) or MMIO (every access goes
// to the bus). Physical addresses at or beyond the end of RAM are MMIO unless mapped.

/** Page kinds in `PhysicalMemory.pageKind` (one byte per 4 KiB physical page). */
export const PAGE_RAM: number = 0;
export const PAGE_ROM: number = 1;
export const PAGE_MMIO: number = 2;

export interface PhysicalMemory {
  /**
   * RAM (and ROM images) from physical address 0. The CPU caches decoded instructions by
   * physical address: whoever writes this array directly (DMA, loaders, tests) must then
   * call `Cpu.invalidateCode(addr, length)` (a RESET also clears the cache).
   */
  readonly ram: Uint8Array;
  /** Kind of each 4 KiB physical page (1,048,576 entries): PAGE_RAM, PAGE_ROM or PAGE_MMIO. */
  readonly pageKind: Uint8Array;
  /** MMIO read of `bytes` (1, 2 or 4) at `addr`; unmapped addresses read as all ones. */
  mmioRead(addr: number, bytes: number): number;
  /** MMIO write; unmapped addresses ignore the write. */
  mmioWrite(addr: number, bytes: number, value: number): void;
}

export interface IoPorts {
  /** IN of `bytes` (1, 2 or 4) from `port`; an unclaimed port reads as all ones. */
  read(port: number, bytes: number): number;
  /** OUT of `bytes` to `port`. */
  write(port: number, bytes: number, value: number): void;
}

/**
 * A plain RAM-only memory of `size` bytes rounded up to whole 4 KiB pages (tests, tools);
 * every other physical address is MMIO that reads all ones. RAM sizes are always whole
 * pages: the CPU reads an instruction's bytes straight from `ram` within a RAM page.
 */
export function ramOnly(size: number): PhysicalMemory {
  const ram = new Uint8Array(Math.ceil(size / 4096) * 4096);
  const pageKind = new Uint8Array(1 << 20).fill(PAGE_MMIO);
  pageKind.fill(PAGE_RAM, 0, Math.ceil(size / 4096));
  return {
    ram,
    pageKind,
    mmioRead: (_addr, bytes) => (bytes === 4 ? -1 : (1 << (bytes * 8)) - 1),
    mmioWrite: () => {},
  };
}

/** I/O ports that nobody claims. */
export const NO_IO: IoPorts = {
  read: (_port, bytes) => (bytes === 4 ? -1 : (1 << (bytes * 8)) - 1),
  write: () => {},
};
