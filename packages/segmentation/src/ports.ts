// What segmentation needs from its caller (the vmm), and the numbers both sides share.
//
// Guest descriptor tables are addressed by *linear* address, as the guest's GDTR and LDT
// descriptor give them; the vmm owns guest paging and the trace service, so it translates,
// installs write traces on the physical pages behind a watched range, and reports traced
// writes back as linear ranges through `Segmentation.onGuestTableWrite`. The shadow
// tables live in monitor memory, which only the vmm can write.

/** Segment register numbers, cpu-core's order (the decision uses the same). */
export const SEG_ES = 0;
export const SEG_CS = 1;
export const SEG_SS = 2;
export const SEG_DS = 3;
export const SEG_FS = 4;
export const SEG_GS = 5;
export type SegReg = 0 | 1 | 2 | 3 | 4 | 5;

/** The mode a segment register was loaded in (and the vCPU's current mode). */
export const MODE_REAL = 0;
export const MODE_PROTECTED = 1;
export const MODE_V86 = 2;
export type CpuMode = 0 | 1 | 2;

/** Which guest table a watch or a shadow write is about. */
export const TABLE_GDT = 0;
export const TABLE_LDT = 1;
export type TableId = 0 | 1;

/**
 * Answer to "may the hardware use this register's shadow?", with the decision's numbering
 * (`@vmm86/decision` SegmentShadow): only USABLE permits direct execution.
 */
export const SegmentShadow = {
  USABLE: 0,
  NON_REVERSIBLE: 1,
  NO_SHADOW: 2,
} as const;
export type SegmentShadow = (typeof SegmentShadow)[keyof typeof SegmentShadow];

export interface SegmentationPorts {
  /**
   * Reads the 8-byte descriptor at guest linear `addr` as the CPU would (supervisor,
   * through the guest's paging) into out[0] (low dword) and out[1] (high dword). Returns
   * false when the guest's own paging cannot reach it; the entry is then shadowed
   * not-present so that a use traps and the vmm raises the guest's #PF.
   */
  readGuestDescriptor(addr: number, out: Int32Array): boolean;
  /**
   * Writes byte `value` at guest linear `addr` (the accessed bit, descriptor byte 5). The
   * vmm may report it back through onGuestTableWrite; that is harmless.
   */
  writeGuestByte(addr: number, value: number): void;
  /** Writes entry `index` of the hardware GDT or LDT (monitor memory). */
  writeShadow(table: TableId, index: number, lo: number, hi: number): void;
  /**
   * Report every guest write to linear [addr, addr + length) of this table from now on,
   * replacing the previous range for the same table; length 0 stops reporting.
   */
  watchTable(table: TableId, addr: number, length: number): void;
}

/** One descriptor of the monitor's own, at a fixed index of the reserved range. */
export interface MonitorEntry {
  readonly index: number;
  readonly lo: number;
  readonly hi: number;
}

export interface SegmentationConfig {
  /** First linear address of the monitor region. Default 0xFFC00000. */
  readonly monitorBase?: number;
  /**
   * First GDT index reserved for the monitor; indices from here to 8191 are never shadows
   * of guest entries. Default 8192 - 32. The six cached entries take the first six
   * (ES..GS order), the hardware LDT descriptor the seventh; the rest are `monitorEntries`.
   */
  readonly reservedFirst?: number;
  /** Linear address (in the monitor region) of the shadow LDT the hardware uses. */
  readonly shadowLdtBase?: number;
  /** The monitor's own descriptors (code/data for CPL 0/1, the per-vCPU GS area, TSS). */
  readonly monitorEntries?: readonly MonitorEntry[];
}
