// Shadow descriptor tables, cached descriptors and reversibility (brief §3).
//
// The hardware GDT is the monitor's: 8192 entries whose indices below `reservedFirst` are
// shadows of the guest GDT (same index, so guest selectors work unchanged) and whose top
// indices belong to the monitor (six cached entries, the hardware LDT descriptor, the
// monitor's own code/data/GS-area/TSS entries). The hardware LDT is entirely a shadow of
// the guest LDT, with the guest's limit, so out-of-range selectors fault as natively.
//
// Invariants kept here:
// - A present shadow entry is the guest's code/data descriptor truncated below the monitor
//   region (descriptor.ts), DPL 0 rewritten to 1, accessed bit set. Anything else a guest
//   index may name — system descriptors, not-present or never-accessed entries, entries
//   that cannot be truncated, unreadable entries — is shadowed not-present, so the
//   hardware checks type and DPL exactly as for the guest and then traps with #NP/#SS,
//   where `classifyFault` says whether to reflect, retry or emulate.
// - Entries beyond the guest's limit are all-zero: the hardware raises #GP(sel) for them,
//   which is what the guest's limit check raises.
// - No guest entry is ever written at a reserved index; the monitor's entries there are
//   DPL <= 1, never conforming code and never gates, so CPL-3 code cannot load them and
//   translated code only loads selectors that `loadSegment`/`hardwareSelector` produced.
// - Accessed bits (brief §3.3 choice): an entry whose guest A bit is clear is shadowed
//   not-present; the first hardware use traps and the monitor sets A in the guest table.
//   Present shadows therefore always have A = 1 and the hardware never writes them.
//
// Everything per register lives in typed arrays indexed by SEG_ES..SEG_GS; nothing is
// allocated after construction.

import {
  ACC_A, ACC_CE, ACC_CODE, ACC_DB, ACC_DPL, ACC_DPL_SHIFT, ACC_G, ACC_P, ACC_RW, ACC_S, accDpl, accIsCode,
  accIsConforming, accIsData, accIsSystem, descAcc, descBase, descLimit, descRawLimit, encodeHi, encodeLimit,
  encodeLo, SYS_CALL_GATE16, SYS_CALL_GATE32, SYS_INT_GATE16, SYS_INT_GATE32, SYS_LDT, SYS_TASK_GATE,
  SYS_TRAP_GATE16, SYS_TRAP_GATE32, truncatedLimit, UNSHADOWABLE,
} from './descriptor.js';
import {
  MODE_PROTECTED, MODE_REAL, MODE_V86, SEG_CS, SEG_SS, SegmentShadow, TABLE_GDT, TABLE_LDT,
  type CpuMode, type SegmentationConfig, type SegmentationPorts, type SegReg, type TableId,
} from './ports.js';

export const GDT_ENTRIES = 8192;
export const DEFAULT_MONITOR_BASE = 0xffc00000;
export const DEFAULT_RESERVED_FIRST: number = GDT_ENTRIES - 32;
/** Offsets inside the reserved range. */
export const RESERVED_CACHED = 0; // +0..+5: cached entries, ES..GS
export const RESERVED_LDT = 6; // hardware LDT descriptor
export const RESERVED_MONITOR = 7; // first index free for MonitorEntry

/** Why a shadow entry is (not) usable. Only ENTRY_OK shadows are present. */
export const ENTRY_OK = 0;
/** Beyond the guest limit (or no table): zero descriptor, #GP(sel) as natively. */
export const ENTRY_EMPTY = 1;
/** Guest P = 0: the shadow is not present either, same fault. */
export const ENTRY_GUEST_NP = 2;
/** Guest A = 0: not present until first use sets A in the guest. */
export const ENTRY_UNACCESSED = 3;
/** TSS, LDT or gate: not present, every use emulated. */
export const ENTRY_SYSTEM = 4;
/** Reaches the monitor region: not present; loads emulated through the cached entry. */
export const ENTRY_UNSHADOWABLE = 5;
/** The guest's paging does not map the entry. */
export const ENTRY_UNREADABLE = 6;
/** GDT index owned by the monitor. */
export const ENTRY_RESERVED = 7;

/** `classifyFault` results. */
export const FAULT_REFLECT = 0; // the guest faults the same way: reflect the hardware fault
export const FAULT_RETRY = 1; // hidden: the shadow was brought up to date, restart
export const FAULT_EMULATE = 2; // the guest's use is legal but needs the monitor

const VEC_NP = 11;
const VEC_SS = 12;
const VEC_GP = 13;
const VEC_PF = 14;
const A_BIT_HI = 0x100; // ACC_A in the high dword
const NO_TABLE = -1;

export class Segmentation {
  readonly monitorBase: number;
  readonly reservedFirst: number;
  readonly shadowLdtBase: number;

  /** Current vCPU mode (`setMode`). */
  mode: CpuMode = MODE_REAL;
  gdtBase = 0;
  /** Guest GDT limit; -1 before the first `setGdtr`. */
  gdtLimit = -1;
  ldtSelector = 0;
  ldtBase = 0;
  /** Guest LDT limit; -1 when LDTR is null. */
  ldtLimit = -1;

  /** Last fault from `loadSegment`/`loadLdtr`: vector and error code (for #PF, the address). */
  faultVector = 0;
  faultCode = 0;

  /** Per register: selector, guest hidden state (what the guest's CPU would cache). */
  readonly selector: Uint16Array = new Uint16Array(6);
  readonly base: Uint32Array = new Uint32Array(6);
  readonly limit: Uint32Array = new Uint32Array(6);
  readonly acc: Uint16Array = new Uint16Array(6);
  /** Mode each register was loaded in. */
  readonly loadMode: Uint8Array = new Uint8Array(6);
  /** Table the register was loaded from (TABLE_GDT/LDT), or -1 for null/real/unknown. */
  readonly source: Int8Array = new Int8Array(6).fill(NO_TABLE);
  /** 1 when the descriptor in memory differs from what was loaded. */
  readonly changed: Uint8Array = new Uint8Array(6);
  private readonly loadedLo = new Int32Array(6);
  private readonly loadedHi = new Int32Array(6);

  /** Per table: the guest's entries as last read, their shadows, and the state codes. */
  private readonly guest: [Int32Array, Int32Array] = [new Int32Array(GDT_ENTRIES * 2), new Int32Array(GDT_ENTRIES * 2)];
  private readonly shadow: [Int32Array, Int32Array] = [new Int32Array(GDT_ENTRIES * 2), new Int32Array(GDT_ENTRIES * 2)];
  private readonly state: [Uint8Array, Uint8Array] = [
    new Uint8Array(GDT_ENTRIES).fill(ENTRY_EMPTY),
    new Uint8Array(GDT_ENTRIES).fill(ENTRY_EMPTY),
  ];
  private readonly count = new Int32Array(2);
  private readonly scratch = new Int32Array(2);
  private readonly raw = new Int32Array(1);
  private readonly reservedMask = new Uint8Array(GDT_ENTRIES);

  constructor(
    private readonly ports: SegmentationPorts,
    config: SegmentationConfig = {},
  ) {
    this.monitorBase = (config.monitorBase ?? DEFAULT_MONITOR_BASE) >>> 0;
    this.reservedFirst = config.reservedFirst ?? DEFAULT_RESERVED_FIRST;
    this.shadowLdtBase = (config.shadowLdtBase ?? this.monitorBase + 0x10000) >>> 0;
    if (!Number.isInteger(this.reservedFirst) || this.reservedFirst < 1 || this.reservedFirst > GDT_ENTRIES - RESERVED_MONITOR) {
      throw new RangeError(`reservedFirst ${this.reservedFirst} leaves no room for the monitor's entries`);
    }
    this.reservedMask.fill(1, this.reservedFirst);
    for (let r = 0; r < 6; r++) this.writeReserved(this.reservedFirst + RESERVED_CACHED + r, 0, 0);
    this.writeReserved(this.reservedFirst + RESERVED_LDT, 0, 0);
    for (const e of config.monitorEntries ?? []) {
      checkMonitorEntry(e.index, e.hi, this.reservedFirst);
      this.writeReserved(e.index, e.lo, e.hi);
    }
  }

  // ---- guest table registers -------------------------------------------------------

  /** Guest LGDT (or reset): rebuild every shadow entry and re-check loaded registers. */
  setGdtr(base: number, limit: number): void {
    this.gdtBase = base >>> 0;
    this.gdtLimit = limit & 0xffff;
    this.ports.watchTable(TABLE_GDT, this.gdtBase, this.gdtLimit + 1);
    this.rebuildTable(TABLE_GDT, this.gdtLimit);
  }

  /**
   * Guest LLDT (or a task switch's LDTR load), with the guest's checks: returns false with
   * faultVector/faultCode set when the guest would fault. Null clears the LDT.
   */
  loadLdtr(selector: number): boolean {
    selector &= 0xffff;
    if ((selector & 0xfffc) === 0) {
      this.ldtSelector = selector;
      this.ldtBase = 0;
      this.ldtLimit = -1;
      this.ports.watchTable(TABLE_LDT, 0, 0);
      this.writeReserved(this.reservedFirst + RESERVED_LDT, 0, 0);
      this.rebuildTable(TABLE_LDT, -1);
      return true;
    }
    if ((selector & 4) !== 0) return this.fail(VEC_GP, selector & 0xfffc); // TI = 1 -> #GP(sel)
    const at = this.descriptorAddress(selector);
    if (at < 0) return this.fail(VEC_GP, selector & 0xfffc); // beyond GDT limit -> #GP(sel)
    if (!this.ports.readGuestDescriptor(at, this.scratch)) return this.fail(VEC_PF, at);
    const lo = this.scratch[0] as number;
    const hi = this.scratch[1] as number;
    const acc = descAcc(hi);
    if (!accIsSystem(acc) || (acc & 0xf) !== SYS_LDT) return this.fail(VEC_GP, selector & 0xfffc); // not an LDT -> #GP(sel)
    if ((acc & ACC_P) === 0) return this.fail(VEC_NP, selector & 0xfffc); // not present -> #NP(sel)
    this.ldtSelector = selector;
    this.ldtBase = descBase(lo, hi);
    const limit = descLimit(lo, hi);
    this.ldtLimit = limit > 0xffff ? 0xffff : limit; // selectors reach 8192 entries at most
    const hwLimit = this.ldtLimit;
    this.writeReserved(
      this.reservedFirst + RESERVED_LDT,
      encodeLo(this.shadowLdtBase, hwLimit),
      encodeHi(this.shadowLdtBase, hwLimit, ACC_P | SYS_LDT),
    );
    this.ports.watchTable(TABLE_LDT, this.ldtBase, this.ldtLimit + 1);
    this.rebuildTable(TABLE_LDT, this.ldtLimit);
    return true;
  }

  /** The selector the hardware LDTR must hold: the monitor's LDT descriptor, or null. */
  hardwareLdtr(): number {
    return this.ldtLimit < 0 ? 0 : (this.reservedFirst + RESERVED_LDT) << 3;
  }

  /**
   * vCPU mode change (CR0.PE written, entering or leaving v8086). Registers loaded in
   * another mode become non-reversible until reloaded (brief §3.3).
   */
  setMode(mode: CpuMode): void {
    this.mode = mode;
  }

  /** Re-reads both guest tables, e.g. after the guest's paging of them changed (CR3). */
  resync(): void {
    this.rebuildTable(TABLE_GDT, this.gdtLimit);
    this.rebuildTable(TABLE_LDT, this.ldtLimit);
  }

  /**
   * A guest write hit linear [addr, addr + length) of a watched table (called by the vmm
   * from the trace service after the write was performed). Brings the affected shadow
   * entries up to date and re-checks the registers loaded from them.
   */
  onGuestTableWrite(addr: number, length: number): void {
    const start = addr >>> 0;
    const end = start + length;
    this.tableWrite(TABLE_GDT, this.gdtBase, this.gdtLimit, start, end);
    this.tableWrite(TABLE_LDT, this.ldtBase, this.ldtLimit, start, end);
  }

  // ---- segment register loads --------------------------------------------------------

  /**
   * A guest MOV/POP/LDS-style load of a data or stack register in protected mode at
   * virtual CPL `cpl`, with the guest CPU's checks in the SDM's order. On success sets the
   * guest's accessed bit, records the hidden state and returns the selector translated
   * code (CPL 1) must put in the hardware register; on failure returns -1 with
   * faultVector/faultCode as the guest would see them. CS is loaded by far transfers: use
   * `recordLoad`. In real and v8086 mode this is `loadReal` and returns the cached entry.
   */
  loadSegment(reg: SegReg, selector: number, cpl: number): number {
    selector &= 0xffff;
    if (this.mode !== MODE_PROTECTED) {
      this.loadReal(reg, selector);
      return this.cachedSelector(reg);
    }
    const rpl = selector & 3;
    const errSel = selector & 0xfffc;
    if (reg === SEG_SS) {
      if (errSel === 0) return this.failN(VEC_GP, 0); // null SS -> #GP(0)
      if (rpl !== cpl) return this.failN(VEC_GP, errSel); // RPL != CPL -> #GP(sel)
    } else if (errSel === 0) {
      this.recordNull(reg, selector);
      return selector;
    }
    const at = this.descriptorAddress(selector);
    if (at < 0) return this.failN(VEC_GP, errSel); // beyond the table limit / no LDT -> #GP(sel)
    if (!this.ports.readGuestDescriptor(at, this.scratch)) return this.failN(VEC_PF, at);
    const lo = this.scratch[0] as number;
    let hi = this.scratch[1] as number;
    const acc = descAcc(hi);
    const dpl = accDpl(acc);
    if (reg === SEG_SS) {
      // not a writable data segment, or DPL != CPL -> #GP(sel)
      if (!accIsData(acc) || (acc & ACC_RW) === 0 || dpl !== cpl) return this.failN(VEC_GP, errSel);
      if ((acc & ACC_P) === 0) return this.failN(VEC_SS, errSel); // not present -> #SS(sel)
    } else {
      // system segment, or execute-only code -> #GP(sel)
      if (accIsSystem(acc) || (accIsCode(acc) && (acc & ACC_RW) === 0)) return this.failN(VEC_GP, errSel);
      // data or non-conforming code: DPL < max(CPL, RPL) -> #GP(sel)
      if (!accIsConforming(acc) && dpl < (cpl > rpl ? cpl : rpl)) return this.failN(VEC_GP, errSel);
      if ((acc & ACC_P) === 0) return this.failN(VEC_NP, errSel); // not present -> #NP(sel)
    }
    if ((hi & A_BIT_HI) === 0) {
      hi |= A_BIT_HI;
      this.setGuestAccessed(selector, at, hi);
    }
    this.record(reg, selector, lo, hi);
    return this.hardwareSelector(reg, 1);
  }

  /**
   * Records a protected-mode load the vmm performed itself (CS and SS from far transfers,
   * IRET, interrupt delivery, task switches) after the guest's checks passed: `lo`/`hi`
   * are the guest descriptor the guest's CPU would have cached. Sets the guest A bit.
   */
  recordLoad(reg: SegReg, selector: number, lo: number, hi: number): void {
    selector &= 0xffff;
    if ((selector & 0xfffc) === 0) {
      this.recordNull(reg, selector);
      return;
    }
    if ((hi & A_BIT_HI) === 0) {
      hi |= A_BIT_HI;
      const at = this.descriptorAddress(selector);
      if (at >= 0) this.setGuestAccessed(selector, at, hi);
    }
    this.record(reg, selector, lo, hi);
  }

  /**
   * A real-mode or v8086 load: base = selector * 16. Real mode keeps the limit (so
   * "unreal" 4 GiB limits survive, truncated in the cached entry); both write the
   * present, accessed read/write attributes cpu-core caches for such loads.
   */
  loadReal(reg: SegReg, selector: number): void {
    selector &= 0xffff;
    const code = reg === SEG_CS ? ACC_CODE : 0;
    if (this.mode === MODE_V86) {
      this.setHidden(reg, selector, selector << 4, 0xffff, ACC_P | ACC_S | ACC_RW | ACC_A | ACC_DPL | code, MODE_V86);
    } else {
      this.setHidden(reg, selector, selector << 4, this.limit[reg] as number, ACC_P | ACC_S | ACC_RW | ACC_A | code, MODE_REAL);
    }
  }

  /**
   * Sets hidden state that no descriptor in memory backs (reset, mode switches the vmm
   * emulates, snapshots). In protected mode such a register is non-reversible.
   */
  setHidden(reg: SegReg, selector: number, base: number, limit: number, acc: number, mode: CpuMode): void {
    this.selector[reg] = selector;
    this.base[reg] = base >>> 0;
    this.limit[reg] = limit >>> 0;
    this.acc[reg] = acc & 0xfff;
    this.loadMode[reg] = mode;
    this.source[reg] = NO_TABLE;
    this.changed[reg] = 0;
    this.writeCached(reg);
  }

  // ---- questions from the decision, the translator and the vmm ------------------------

  /**
   * Whether the hardware may run guest code with this register loaded from its shadow by
   * the guest's own selector at CPL 3 (the decision's segment rule; asked in protected
   * mode at virtual CPL 3).
   */
  segmentShadow(reg: SegReg): SegmentShadow {
    if (this.mode === MODE_V86) {
      return this.loadMode[reg] === MODE_V86 ? SegmentShadow.USABLE : SegmentShadow.NON_REVERSIBLE;
    }
    if (this.mode !== MODE_PROTECTED || this.loadMode[reg] !== MODE_PROTECTED) return SegmentShadow.NON_REVERSIBLE;
    const sel = this.selector[reg] as number;
    const src = this.source[reg] as number;
    if (src === NO_TABLE) {
      // a null data selector needs no descriptor; any other unbacked state does
      return (sel & 0xfffc) === 0 && reg !== SEG_SS && reg !== SEG_CS ? SegmentShadow.USABLE : SegmentShadow.NON_REVERSIBLE;
    }
    if (this.changed[reg] !== 0) return SegmentShadow.NON_REVERSIBLE;
    if ((this.state[src as TableId][sel >>> 3] as number) !== ENTRY_OK) return SegmentShadow.NO_SHADOW;
    // the hardware must accept the guest's selector at CPL 3 (DS holding a DPL-0 segment
    // after SYSEXIT, say, cannot be reloaded there)
    const acc = this.acc[reg] as number;
    const dpl = accDpl(acc);
    if (reg === SEG_SS) return dpl === 3 && (sel & 3) === 3 ? SegmentShadow.USABLE : SegmentShadow.NO_SHADOW;
    if (reg === SEG_CS) return accIsConforming(acc) || dpl === 3 ? SegmentShadow.USABLE : SegmentShadow.NO_SHADOW;
    return accIsConforming(acc) || dpl === 3 ? SegmentShadow.USABLE : SegmentShadow.NO_SHADOW;
  }

  /** Shorthand for `segmentShadow(reg) === USABLE`. */
  hasUsableShadow(reg: SegReg): boolean {
    return this.segmentShadow(reg) === SegmentShadow.USABLE;
  }

  /**
   * The selector to put in hardware register `reg` when running at hardware CPL `hwCpl`
   * (1 under BT, 3 in DE): the guest's own selector when its shadow serves (SS gets RPL =
   * hwCpl, which the hardware demands; the guest reads the virtual one through non-IDENT
   * `mov r, ss`), otherwise the register's cached entry.
   */
  hardwareSelector(reg: SegReg, hwCpl: number): number {
    const sel = this.selector[reg] as number;
    if (this.mode === MODE_PROTECTED && this.loadMode[reg] === MODE_PROTECTED) {
      const src = this.source[reg] as number;
      if (src === NO_TABLE && (sel & 0xfffc) === 0 && reg !== SEG_SS && reg !== SEG_CS) return sel;
      if (src !== NO_TABLE && this.changed[reg] === 0 && (this.state[src as TableId][sel >>> 3] as number) === ENTRY_OK) {
        const acc = this.acc[reg] as number;
        const dpl = accDpl(acc) === 0 ? 1 : accDpl(acc);
        if (reg === SEG_SS) {
          if (dpl === hwCpl) return (sel & 0xfffc) | hwCpl;
        } else if (reg === SEG_CS) {
          if (accIsConforming(acc) ? dpl <= hwCpl : dpl === hwCpl) return (sel & 0xfffc) | hwCpl;
        } else if (accIsConforming(acc) || dpl >= (hwCpl > (sel & 3) ? hwCpl : sel & 3)) {
          return sel;
        }
      }
    }
    return this.cachedSelector(reg);
  }

  /** Selector of register `reg`'s cached entry (DPL 1, RPL 1). */
  cachedSelector(reg: SegReg): number {
    return ((this.reservedFirst + RESERVED_CACHED + reg) << 3) | 1;
  }

  /** State code (ENTRY_*) of a guest selector's shadow entry. */
  entryState(selector: number): number {
    const table = (selector & 4) !== 0 ? TABLE_LDT : TABLE_GDT;
    return this.state[table][(selector & 0xffff) >>> 3] as number;
  }

  /** Shadow entry `index` of a table as last written to the hardware: out[0] lo, out[1] hi. */
  readShadow(table: TableId, index: number, out: Int32Array): void {
    out[0] = this.shadow[table][index * 2] as number;
    out[1] = this.shadow[table][index * 2 + 1] as number;
  }

  /**
   * The hardware raised `vector` (#NP, #SS or #GP) with an error code naming a selector
   * (bit 1, IDT, clear). Says whether the guest would have faulted the same way
   * (FAULT_REFLECT), whether the fault was only the accessed-bit trap — now handled, so
   * the instruction restarts (FAULT_RETRY) — or whether the guest's use may be legal and
   * needs emulation, which redoes the guest's checks (FAULT_EMULATE).
   *
   * Shadows keep the guest's type and (mapped) DPL, so the hardware's checks before the
   * present check fail exactly when the guest's do: a #GP(sel) is the guest's own unless
   * the hardware entry is not a shadow (reserved index) or not the guest's (unreadable).
   * A #NP/#SS on a shadow we made not-present is ours; on a guest not-present entry it is
   * the guest's.
   */
  classifyFault(vector: number, errorCode: number): number {
    if ((errorCode & 2) !== 0) return FAULT_REFLECT;
    const selector = errorCode & 0xfffc;
    const table: TableId = (selector & 4) !== 0 ? TABLE_LDT : TABLE_GDT;
    const state = this.state[table][selector >>> 3];
    if (state === ENTRY_RESERVED || state === ENTRY_UNREADABLE) return FAULT_EMULATE;
    if (vector !== VEC_NP && vector !== VEC_SS) return FAULT_REFLECT;
    if (state === ENTRY_UNACCESSED) {
      this.syncAccessed(selector);
      return FAULT_RETRY;
    }
    return state === ENTRY_SYSTEM || state === ENTRY_UNSHADOWABLE ? FAULT_EMULATE : FAULT_REFLECT;
  }

  /**
   * Reflects a hardware-style use of a descriptor into the guest: sets the guest's
   * accessed bit when it is clear and refreshes the shadow. The vmm calls it when its
   * emulation loads a descriptor the guest's CPU would have marked accessed.
   */
  syncAccessed(selector: number): void {
    const at = this.descriptorAddress(selector);
    if (at < 0 || !this.ports.readGuestDescriptor(at, this.scratch)) return;
    const hi = this.scratch[1] as number;
    if (accIsSystem(descAcc(hi)) || (hi & A_BIT_HI) !== 0) return;
    this.setGuestAccessed(selector, at, hi | A_BIT_HI);
  }

  // ---- internals --------------------------------------------------------------------

  private fail(vector: number, code: number): false {
    this.faultVector = vector;
    this.faultCode = code;
    return false;
  }

  private failN(vector: number, code: number): number {
    this.faultVector = vector;
    this.faultCode = code;
    return -1;
  }

  /** Linear address of a selector's descriptor, or -1 when the guest's limit excludes it. */
  private descriptorAddress(selector: number): number {
    const offset = selector & 0xfff8;
    if ((selector & 4) !== 0) {
      if (this.ldtLimit < 0 || offset + 7 > this.ldtLimit) return -1;
      return (this.ldtBase + offset) >>> 0;
    }
    if (offset + 7 > this.gdtLimit) return -1;
    return (this.gdtBase + offset) >>> 0;
  }

  private setGuestAccessed(selector: number, at: number, hi: number): void {
    this.ports.writeGuestByte((at + 5) >>> 0, (hi >>> 8) & 0xff);
    const table: TableId = (selector & 4) !== 0 ? TABLE_LDT : TABLE_GDT;
    const index = (selector & 0xffff) >>> 3;
    this.buildEntry(table, index);
    this.recheck(table, index, index);
  }

  private recordNull(reg: SegReg, selector: number): void {
    this.selector[reg] = selector;
    this.base[reg] = 0;
    this.limit[reg] = 0;
    this.acc[reg] = 0;
    this.loadMode[reg] = MODE_PROTECTED;
    this.source[reg] = NO_TABLE;
    this.changed[reg] = 0;
    this.writeCached(reg);
  }

  private record(reg: SegReg, selector: number, lo: number, hi: number): void {
    this.selector[reg] = selector;
    this.base[reg] = descBase(lo, hi);
    this.limit[reg] = descLimit(lo, hi);
    this.acc[reg] = descAcc(hi);
    this.loadMode[reg] = MODE_PROTECTED;
    this.source[reg] = (selector & 4) !== 0 ? TABLE_LDT : TABLE_GDT;
    this.loadedLo[reg] = lo;
    this.loadedHi[reg] = hi;
    this.changed[reg] = 0;
    this.recheckReg(reg);
    this.writeCached(reg);
  }

  /**
   * The cached entry carries the guest's hidden state for translated code at CPL 1:
   * truncated like a shadow, DPL forced to 1 (so SS loads at CPL 1 whatever the guest
   * DPL, and CPL-3 code can never load it), accessed. State that cannot be truncated
   * becomes a writable data segment with an empty expand-down range, so loads succeed and
   * every access faults (#GP(0)/#SS(0)) into emulation against the guest's hidden state;
   * for CS it becomes not-present (translated code never runs on a guest CS).
   */
  private writeCached(reg: SegReg): void {
    const index = this.reservedFirst + RESERVED_CACHED + reg;
    let acc = this.acc[reg] as number;
    if ((acc & ACC_P) === 0 || accIsSystem(acc)) {
      this.writeReserved(index, 0, 0);
      return;
    }
    const base = this.base[reg] as number;
    const guestLimit = this.limit[reg] as number;
    acc = (acc & ~ACC_DPL) | (1 << ACC_DPL_SHIFT) | ACC_A;
    const limit = truncatedLimit(base, guestLimit, acc, this.monitorBase);
    if (limit === UNSHADOWABLE) {
      if (reg === SEG_CS) {
        acc &= ~ACC_P;
        this.raw[0] = 0;
      } else {
        // readable code in a data register becomes data too: only BT loads this entry,
        // and every access faults anyway
        acc = (acc & ~(ACC_CODE | ACC_G)) | ACC_CE | ACC_RW;
        this.raw[0] = (acc & ACC_DB) !== 0 ? 0xfffff : 0xffff;
        if ((acc & ACC_DB) !== 0) acc |= ACC_G;
      }
    } else {
      acc = encodeLimit(limit, guestLimit, acc, this.raw, 0);
    }
    const raw = this.raw[0] as number;
    this.writeReserved(index, encodeLo(base, raw), encodeHi(base, raw, acc));
  }

  private writeReserved(index: number, lo: number, hi: number): void {
    const s = this.shadow[TABLE_GDT];
    s[index * 2] = lo;
    s[index * 2 + 1] = hi;
    this.ports.writeShadow(TABLE_GDT, index, lo, hi);
  }

  private rebuildTable(table: TableId, limit: number): void {
    const old = this.count[table] as number;
    const count = limit < 0 ? 0 : Math.min(GDT_ENTRIES, Math.floor((limit + 1) / 8));
    this.count[table] = count;
    const n = old > count ? old : count;
    for (let i = 0; i < n; i++) this.buildEntry(table, i);
    this.recheck(table, 0, GDT_ENTRIES - 1);
  }

  private tableWrite(table: TableId, base: number, limit: number, start: number, end: number): void {
    if (limit < 0) return;
    const lo = start > base ? start : base;
    const tableEnd = base + limit + 1;
    const hi = end < tableEnd ? end : tableEnd;
    if (lo >= hi) return;
    const first = Math.floor((lo - base) / 8);
    let last = Math.floor((hi - 1 - base) / 8);
    if (last >= GDT_ENTRIES) last = GDT_ENTRIES - 1;
    for (let i = first; i <= last; i++) this.buildEntry(table, i);
    this.recheck(table, first, last);
  }

  /** Re-reads guest entry `index` and rewrites its shadow when it changed. */
  private buildEntry(table: TableId, index: number): void {
    const g = this.guest[table];
    const s = this.shadow[table];
    const st = this.state[table];
    let state: number;
    let lo = 0;
    let hi = 0;
    let gLo = 0;
    let gHi = 0;
    const reserved = table === TABLE_GDT && this.reservedMask[index] === 1;
    if (index >= (this.count[table] as number) || (table === TABLE_GDT && index === 0)) {
      state = ENTRY_EMPTY;
    } else {
      const at = ((table === TABLE_GDT ? this.gdtBase : this.ldtBase) + index * 8) >>> 0;
      if (!this.ports.readGuestDescriptor(at, this.scratch)) {
        state = ENTRY_UNREADABLE;
      } else {
        gLo = this.scratch[0] as number;
        gHi = this.scratch[1] as number;
        state = reserved ? ENTRY_RESERVED : this.shadowOf(gLo, gHi);
        lo = this.scratch[0] as number;
        hi = this.scratch[1] as number;
      }
    }
    g[index * 2] = gLo;
    g[index * 2 + 1] = gHi;
    st[index] = state;
    if (reserved) return; // the hardware entry is the monitor's
    if (state === ENTRY_EMPTY || state === ENTRY_UNREADABLE) {
      lo = 0;
      hi = 0;
      if (state === ENTRY_UNREADABLE) hi = encodeHi(0, 0, ACC_S | ACC_RW); // not present: #NP, then emulated
    }
    if (s[index * 2] !== lo || s[index * 2 + 1] !== hi) {
      s[index * 2] = lo;
      s[index * 2 + 1] = hi;
      this.ports.writeShadow(table, index, lo, hi);
    }
  }

  /**
   * Computes the shadow of guest descriptor (lo, hi) into `scratch` and returns its state.
   * Not-present shadows keep the guest's type, DPL mapping and (where safe) limit so the
   * hardware's checks before the present check match the guest's.
   */
  private shadowOf(lo: number, hi: number): number {
    let acc = descAcc(hi);
    if (accIsSystem(acc)) {
      this.scratch[1] = hi & ~(ACC_P << 8);
      return ENTRY_SYSTEM;
    }
    if ((acc & ACC_DPL) === 0) acc |= 1 << ACC_DPL_SHIFT;
    const base = descBase(lo, hi);
    const guestLimit = descLimit(lo, hi);
    const limit = truncatedLimit(base, guestLimit, acc, this.monitorBase);
    let state = ENTRY_OK;
    if ((acc & ACC_P) === 0) state = ENTRY_GUEST_NP;
    else if (limit === UNSHADOWABLE) state = ENTRY_UNSHADOWABLE;
    else if ((acc & ACC_A) === 0) state = ENTRY_UNACCESSED;
    if (limit === UNSHADOWABLE) {
      // never loadable, so the guest's own limit cannot be reached through it
      this.scratch[1] = encodeHi(base, descRawLimit(lo, hi), acc & ~ACC_P);
      return state;
    }
    acc = encodeLimit(limit, guestLimit, acc, this.raw, 0);
    if (state !== ENTRY_OK) acc &= ~ACC_P;
    const raw = this.raw[0] as number;
    this.scratch[0] = encodeLo(base, raw);
    this.scratch[1] = encodeHi(base, raw, acc);
    return state;
  }

  /** Re-checks reversibility of registers loaded from entries first..last of `table`. */
  private recheck(table: TableId, first: number, last: number): void {
    for (let r = 0; r < 6; r++) {
      if (this.source[r] !== table) continue;
      const index = (this.selector[r] as number) >>> 3;
      if (index >= first && index <= last) this.recheckReg(r as SegReg);
    }
  }

  /** A register is reversible while its entry still holds what was loaded (A aside). */
  private recheckReg(reg: SegReg): void {
    const table = this.source[reg] as TableId;
    const index = (this.selector[reg] as number) >>> 3;
    const g = this.guest[table];
    const same =
      index < (this.count[table] as number) &&
      this.state[table][index] !== ENTRY_UNREADABLE &&
      g[index * 2] === this.loadedLo[reg] &&
      (((g[index * 2 + 1] as number) ^ (this.loadedHi[reg] as number)) & ~A_BIT_HI) === 0;
    this.changed[reg] = same ? 0 : 1;
  }
}

/** The monitor's own entries must be unloadable from CPL 3 and never gates. */
function checkMonitorEntry(index: number, hi: number, reservedFirst: number): void {
  if (!Number.isInteger(index) || index < reservedFirst + RESERVED_MONITOR || index >= GDT_ENTRIES) {
    throw new RangeError(`monitor entry ${index} is outside the monitor's part of the reserved range`);
  }
  const acc = descAcc(hi);
  if (accDpl(acc) > 1) throw new RangeError(`monitor entry ${index} has DPL ${accDpl(acc)} (> 1)`);
  if (accIsConforming(acc)) throw new RangeError(`monitor entry ${index} is conforming code`);
  const type = acc & 0xf;
  if (
    accIsSystem(acc) &&
    (type === SYS_CALL_GATE16 || type === SYS_CALL_GATE32 || type === SYS_TASK_GATE || type === SYS_INT_GATE16 ||
      type === SYS_INT_GATE32 || type === SYS_TRAP_GATE16 || type === SYS_TRAP_GATE32)
  ) {
    throw new RangeError(`monitor entry ${index} is a gate`);
  }
}

