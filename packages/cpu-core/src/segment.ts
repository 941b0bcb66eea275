// Protected-mode segmentation: descriptor reads and the checked loads of data and stack
// segment registers (SDM Vol. 3, 5.x and the MOV/POP/LDS pseudo-code).
//
// Descriptors are read with supervisor rights at any CPL (implicit system accesses). Every
// load sets the accessed bit in the descriptor when it is clear, after all checks pass.
// The hidden cache keeps the base, the byte-granular limit, the access word (descriptor
// bytes 5-6) and the SF_* restrictions that `Cpu.linear` enforces on each access.

import type { Cpu } from './cpu.js';
import {
  ACC_CE, ACC_CODE, ACC_DPL_SHIFT, ACC_P, ACC_RW, ACC_S, SEG_LDTR, SEG_SS, SF_EXPAND_DOWN, SF_NOREAD,
  SF_NOWRITE, SF_NULL, VEC_GP, VEC_NP, VEC_SS,
} from './state.js';

/** The two dwords of the descriptor last read by `readDescriptor`. */
export const desc: { lo: number; hi: number; addr: number } = { lo: 0, hi: 0, addr: 0 };

/**
 * Reads the descriptor for `selector` from the GDT or LDT into `desc`. Faults with
 * `vector`(selector & ~3) when the selector indexes beyond the table (or the LDT is null).
 */
export function readDescriptor(cpu: Cpu, selector: number, vector: number = VEC_GP): void {
  const index = selector & 0xfff8;
  let base: number;
  let limit: number;
  if ((selector & 4) !== 0) {
    if ((cpu.segFlags[SEG_LDTR] as number) & SF_NULL) cpu.fault(vector, selector & 0xfffc);
    base = cpu.segBase[SEG_LDTR] as number;
    limit = (cpu.segLimit[SEG_LDTR] as number) >>> 0;
  } else {
    base = cpu.gdtBase;
    limit = cpu.gdtLimit >>> 0;
  }
  if (index + 7 > limit) cpu.fault(vector, selector & 0xfffc);
  const addr = (base + index) | 0;
  const saved = cpu.supervisorAccess;
  cpu.supervisorAccess = true;
  try {
    desc.lo = cpu.read32(addr);
    desc.hi = cpu.read32((addr + 4) | 0);
  } finally {
    cpu.supervisorAccess = saved;
  }
  desc.addr = addr;
}

/** Descriptor fields of `desc`. */
export const descBase = (lo: number, hi: number): number => ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
export const descLimit = (lo: number, hi: number): number => {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & 0x800000) !== 0 ? ((raw << 12) | 0xfff) | 0 : raw;
};
/** The access word as cached: descriptor byte 5 in bits 0-7, the flags nibble in bits 8-11. */
export const descAcc = (hi: number): number => ((hi >>> 8) & 0xff) | ((hi >>> 12) & 0xf00);

/** Sets the accessed bit of the descriptor at `desc.addr` if it is clear. */
export function markAccessed(cpu: Cpu): void {
  if ((desc.hi & 0x100) !== 0) return;
  desc.hi |= 0x100;
  const saved = cpu.supervisorAccess;
  cpu.supervisorAccess = true;
  try {
    cpu.write8((desc.addr + 5) | 0, (desc.hi >>> 8) & 0xff);
  } finally {
    cpu.supervisorAccess = saved;
  }
}

/** Fills segment slot `seg`'s cache from `desc`. */
export function cacheDescriptor(cpu: Cpu, seg: number, selector: number): void {
  const acc = descAcc(desc.hi);
  cpu.segSel[seg] = selector;
  cpu.segBase[seg] = descBase(desc.lo, desc.hi);
  cpu.segLimit[seg] = descLimit(desc.lo, desc.hi);
  cpu.segAcc[seg] = acc;
  cpu.segFlags[seg] = segFlagsOf(acc);
}

/** The SF_* restrictions of a code/data access word. */
export function segFlagsOf(acc: number): number {
  if ((acc & ACC_CODE) !== 0) return SF_NOWRITE | ((acc & ACC_RW) === 0 ? SF_NOREAD : 0);
  return ((acc & ACC_RW) === 0 ? SF_NOWRITE : 0) | ((acc & ACC_CE) !== 0 ? SF_EXPAND_DOWN : 0);
}

/** Loads a null selector into a data segment register: later accesses fault. */
function loadNull(cpu: Cpu, seg: number, selector: number): void {
  cpu.segSel[seg] = selector;
  cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = 0;
  cpu.segAcc[seg] = 0;
  cpu.segFlags[seg] = SF_NULL;
}

/**
 * MOV/POP/LxS to a data or stack segment register in protected mode, with the SDM's
 * checks in order. (CS is loaded only by far transfers, in far-transfer code.)
 */
export function loadSegmentProtected(cpu: Cpu, seg: number, selector: number): void {
  const rpl = selector & 3;
  const cpl = cpu.cpl;
  if (seg === SEG_SS) {
    if ((selector & 0xfffc) === 0) cpu.fault(VEC_GP, 0); // null SS -> #GP(0)
    if (rpl !== cpl) cpu.fault(VEC_GP, selector & 0xfffc); // RPL != CPL -> #GP(sel)
    readDescriptor(cpu, selector);
    const acc = descAcc(desc.hi);
    const dpl = (acc >> ACC_DPL_SHIFT) & 3;
    // not a writable data segment, or DPL != CPL -> #GP(sel)
    if ((acc & ACC_S) === 0 || (acc & ACC_CODE) !== 0 || (acc & ACC_RW) === 0 || dpl !== cpl) {
      cpu.fault(VEC_GP, selector & 0xfffc);
    }
    if ((acc & ACC_P) === 0) cpu.fault(VEC_SS, selector & 0xfffc); // not present -> #SS(sel)
    markAccessed(cpu);
    cacheDescriptor(cpu, seg, selector);
    return;
  }
  if ((selector & 0xfffc) === 0) {
    loadNull(cpu, seg, selector);
    return;
  }
  readDescriptor(cpu, selector);
  const acc = descAcc(desc.hi);
  const dpl = (acc >> ACC_DPL_SHIFT) & 3;
  // a system segment, or execute-only code -> #GP(sel)
  if ((acc & ACC_S) === 0 || ((acc & ACC_CODE) !== 0 && (acc & ACC_RW) === 0)) cpu.fault(VEC_GP, selector & 0xfffc);
  // data or non-conforming code: DPL < max(CPL, RPL) -> #GP(sel)
  const conforming = (acc & ACC_CODE) !== 0 && (acc & ACC_CE) !== 0;
  if (!conforming && dpl < Math.max(cpl, rpl)) cpu.fault(VEC_GP, selector & 0xfffc);
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, selector & 0xfffc); // not present -> #NP(sel)
  markAccessed(cpu);
  cacheDescriptor(cpu, seg, selector);
}

