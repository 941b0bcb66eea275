// What the translator needs from its caller (the vmm): interfaces only.
//
// The translator never touches guest memory, page tables or the hardware directly: it reads
// code bytes through `GuestCode`, writes the TC through `TcMemory`, asks for write traces
// through `CodeTrace`, and enters the monitor by the callout convention below. The vmm
// calls back into the cache (`onCodeWrite`) when a traced page is written.

/** Guest instruction fetch, with the guest's segmentation and paging already applied by the caller. */
export interface GuestCode {
  /**
   * Copies up to `count` guest code bytes starting at guest linear address `linear` into
   * `dst[at..]`; returns how many bytes were fetchable (it stops at the first byte that the
   * guest's CS limit or page tables would refuse). Must not have side effects on the guest
   * (no A bits set, no fault raised): a refused byte becomes a fault only when execution
   * reaches it.
   */
  fetch(linear: number, dst: Uint8Array, at: number, count: number): number;
  /** Guest-physical page number (address >>> 12) backing `linear`, or -1 when unmapped. */
  physPage(linear: number): number;
}

/** The translation cache's memory: a byte arena that the hardware sees at `linearBase`. */
export interface TcMemory {
  /** Backing bytes; the CCFs are written here. */
  readonly bytes: Uint8Array;
  /** Linear address of `bytes[0]` in the monitor region (CS base is assumed 0, so EIP = linear). */
  readonly linearBase: number;
  /**
   * Called after the translator wrote `bytes[offset, offset + length)` (new CCFs, chain
   * patches, unchaining), so a hardware model that caches decoded or JIT-compiled code for
   * these addresses can drop it.
   */
  written(offset: number, length: number): void;
}

/** Write traces on the guest-physical pages that CCFs were translated from. */
export interface CodeTrace {
  /** Start reporting writes to guest-physical page `page`: call `onCodeWrite(page)` on each. */
  trace(page: number): void;
  /** No CCF is taken from `page` any more. */
  untrace(page: number): void;
}

/** How translated code enters the monitor. */
export interface CalloutConvention {
  /**
   * Vector of the `int imm8` that ends every callout and unchained exit. In hosted mode the
   * hardware returns it as a Trap whose EIP is the TC address after the `int`;
   * `TranslationCache.callout(eip)` turns that address into the site.
   */
  readonly vector: number;
}

export interface DbtPorts {
  readonly code: GuestCode;
  readonly tc: TcMemory;
  readonly trace: CodeTrace;
  readonly callout: CalloutConvention;
  /**
   * The per-vCPU area's bytes (what GS addresses during BT, at least `VCPU.SIZE` of them).
   * With it, indirect transfers probe the indirect-target table in-TC and reach the monitor
   * only on a miss; without it, every indirect transfer is a callout.
   */
  readonly area?: Uint8Array;
}
