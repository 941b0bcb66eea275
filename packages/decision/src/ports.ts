// What the decision needs from its caller: a read-only view of the virtual CPU.
//
// The view carries *virtual* state — what the guest believes — never the hardware's: under
// BT the hardware runs at CPL 1 with the monitor's flags, and deciding on those would send
// every guest to BT forever. `vmm` implements this over its vCPU; tests use a plain object.
//
// Deliberately absent:
// - segment selectors, bases and limits: whether a register may use its shadow is a
//   question for `segmentation` (truncation, monitor-index collisions, reversibility), and
//   the decision only needs its answer, `segmentShadow`;
// - CR0.PG: paging on or off changes which shadow root the monitor loads, not whether
//   guest code may run directly;
// - pending interrupts: the monitor delivers a deliverable interrupt *before* deciding
//   (brief §6), so no rule of the brief depends on them.
//
// The architectural constants below repeat cpu-core's values (this package may not import
// it); `vmm` passes the same numbers through unchanged.

/** Virtual CR0.PE: protected mode. */
export const CR0_PE: number = 1 << 0;
/** Virtual EFLAGS.IF: maskable interrupts enabled. */
export const EFLAGS_IF: number = 1 << 9;
/** Virtual EFLAGS.IOPL, bits 12-13. */
export const EFLAGS_IOPL: number = 3 << 12;
/** Shift that brings EFLAGS.IOPL down to 0..3. */
export const EFLAGS_IOPL_SHIFT: number = 12;
/** Virtual EFLAGS.VM: virtual-8086 mode. */
export const EFLAGS_VM: number = 1 << 17;

/** Segment register indices, in cpu-core's order (SEG_ES = 0 … SEG_GS = 5). */
export const SEG_ES = 0;
export const SEG_CS = 1;
export const SEG_SS = 2;
export const SEG_DS = 3;
export const SEG_FS = 4;
export const SEG_GS = 5;
/** One of SEG_ES … SEG_GS. */
export type SegReg = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * Whether a segment register's current contents can be served by a shadow descriptor
 * (brief §3.2–3.3). Only `USABLE` permits direct execution; any other value — including one
 * this package does not know — sends the guest to BT.
 */
export const SegmentShadow = {
  /** Reversible, and its guest descriptor has a shadow entry the hardware may load. */
  USABLE: 0,
  /**
   * Hidden state can no longer be rebuilt from memory: loaded in another mode, or its
   * descriptor was rewritten since the load. Served from the cached entry until reloaded.
   */
  NON_REVERSIBLE: 1,
  /**
   * Reversible, but the descriptor cannot be shadowed: base inside the monitor region,
   * an expand-down range reaching it, or an index colliding with the monitor's entries.
   */
  NO_SHADOW: 2,
} as const;
export type SegmentShadow = (typeof SegmentShadow)[keyof typeof SegmentShadow];

/** The virtual CPU as the decision sees it. Read on every return to the guest: keep it cheap. */
export interface VcpuView {
  /** Virtual CR0. Only PE is read. */
  readonly cr0: number;
  /** Virtual EFLAGS as the guest would push it. IF, IOPL and VM are read. */
  readonly eflags: number;
  /** Virtual CPL, 0..3. Read in protected mode only (v8086 code is always CPL 3). */
  readonly cpl: number;
  /** Shadow usability of one segment register. Called only in protected mode. */
  segmentShadow(seg: SegReg): SegmentShadow;
}
