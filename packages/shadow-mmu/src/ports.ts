// What the shadow MMU needs from its caller (the vmm). Everything here is an interface:
// the package never reaches guest RAM, host memory or the hardware any other way, so the
// tests run it against fakes and another shadow-paging policy can be wired the same way.

/** Guest-physical memory as the guest sees it (RAM; unbacked addresses may read as ones). */
export interface GuestMemoryPort {
  /** Reads `size` bytes (1, 2 or 4, within one page) at a guest-physical address, little-endian. */
  readGuestPhys(gpa: number, size: 1 | 2 | 4): number;
  /** Writes `size` bytes (1, 2 or 4, within one page) at a guest-physical address. */
  writeGuestPhys(gpa: number, size: 1 | 2 | 4, value: number): void;
}

/**
 * Host-physical memory for shadow tables: pages taken from monitor memory, which the
 * hardware walks. The shadow MMU keeps a mirror of every table it writes, so it never
 * reads host memory back.
 */
export interface HostMemoryPort {
  /** A zero-filled page of monitor memory: its host page number (address >>> 12), or -1 when none is left. */
  allocHostPage(): number;
  /** Returns a page obtained from allocHostPage (zero-filled again by the shadow MMU before it is returned). */
  freeHostPage(hpn: number): void;
  /** Writes one 32-bit entry of a shadow table. */
  writeHost32(hpa: number, value: number): void;
}

/** The hardware TLB. */
export interface TlbPort {
  /** Drops every cached translation, global ones included. */
  flushTlb(): void;
  /** Drops the cached translation of one linear page (INVLPG on the hardware). */
  invalidatePage(lin: number): void;
}

/**
 * Optional lazy pmap: asked for the host page backing a guest-physical page the first
 * time a shadow entry needs it. Returns -1 when the guest page is not RAM (device memory,
 * holes): accesses to it are reported as FAULT_MMIO for the vmm to emulate.
 */
export type PmapResolver = (gpn: number) => number;

/** Everything the shadow MMU needs, wired by the vmm. */
export interface ShadowMmuPorts extends GuestMemoryPort, HostMemoryPort, TlbPort {
  resolveGuestPage?: PmapResolver;
  /**
   * Optional: the trace state of guest page `gpn` (traceState) may have changed — a page
   * table or directory began or stopped being shadowed, or a trace was added or removed.
   * A caller that lets some other agent (an interpreter) store to guest RAM uses it to
   * route that agent's stores to traced pages through writeGuestPhys.
   */
  traceChanged?(gpn: number): void;
}

/**
 * An owner of a trace (segmentation for GDT/LDT pages, dbt for translated code pages, the
 * vmm for ROM and memory-mapped devices). Called after the monitor has performed an
 * emulated access through ShadowMmu.writeGuestPhys / readGuestPhys, or after the shadow
 * MMU has set an accessed/dirty bit in a traced page on the guest's behalf.
 */
export interface TraceOwner {
  /** A write of `size` bytes at `gpa` changed `oldValue` into `newValue` (already in memory). */
  onWrite(gpa: number, size: number, oldValue: number, newValue: number): void;
  /** A read of `size` bytes at `gpa` is about to be performed (read/write traces only). */
  onRead?(gpa: number, size: number): void;
}
