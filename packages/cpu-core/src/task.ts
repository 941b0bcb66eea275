// Hardware task switching (SDM Vol. 3, 7.3): JMP or CALL to a TSS or a task gate,
// interrupts and exceptions through task gates, and IRET with NT set.
//
// Order of events, as on the hardware: the new TSS descriptor is checked (#GP/#NP/#TS
// with its selector) while the old task is still current; the old task's state is saved
// into its TSS; busy bits and the back link are updated; TR, CR3 and the registers are
// loaded from the new TSS; only then are the new segment registers checked, and a fault
// there is raised in the context of the new task. TSSs and descriptors are accessed with
// supervisor rights.

import type { Cpu } from './cpu.js';
import { cacheDescriptor, desc, descAcc, descLimit, readDescriptor, segFlagsOf } from './segment.js';
import {
  ACC_CE, ACC_CODE, ACC_DPL_SHIFT, ACC_P, ACC_RW, ACC_S, CR0_PG, CR0_TS, EFLAGS_NT, EFLAGS_VM, SEG_CS,
  SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_LDTR, SEG_SS, SEG_TR, SF_NULL, VEC_GP, VEC_NP, VEC_SS, VEC_TS,
} from './state.js';

export const TASK_JMP = 0;
export const TASK_CALL = 1;
/** An interrupt or exception through a task gate (nests like CALL). */
export const TASK_INT = 2;
export const TASK_IRET = 3;

/** Segment order in both TSS formats: ES CS SS DS (FS GS in the 32-bit one). */
const SEGS = [SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS];

function sup<T>(cpu: Cpu, fn: () => T): T {
  const saved = cpu.supervisorAccess;
  cpu.supervisorAccess = true;
  try {
    return fn();
  } finally {
    cpu.supervisorAccess = saved;
  }
}

/**
 * Switches to the task whose TSS selector is `selector`. `eip` is the return address
 * saved in the old TSS. For TASK_INT with an error code, the code is pushed on the new
 * task's stack after the switch.
 */
export function switchTask(cpu: Cpu, selector: number, kind: number, eip: number, errorCode = -1): void {
  const err = selector & 0xfffc;
  // IRET's back link is checked with #TS(sel), JMP/CALL/INT targets with #GP(sel) (SDM IRET, TASK-RETURN).
  const bad = kind === TASK_IRET ? VEC_TS : VEC_GP;
  if ((selector & 4) !== 0) cpu.fault(bad, err); // TSS selector must reference the GDT
  readDescriptor(cpu, selector, bad);
  const acc = descAcc(desc.hi);
  const type = acc & 0xf;
  const busyType = type === 3 || type === 11;
  const tssType = busyType || type === 1 || type === 9;
  // not a TSS, or busy for JMP/CALL/INT, or available for IRET -> #GP(sel) / #TS(sel)
  if ((acc & ACC_S) !== 0 || !tssType || busyType !== (kind === TASK_IRET)) cpu.fault(bad, err);
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, err); // not present -> #NP(sel)
  const new32 = (type & 8) !== 0;
  const newLimit = descLimit(desc.lo, desc.hi) >>> 0;
  if (newLimit < (new32 ? 0x67 : 0x2b)) cpu.fault(VEC_TS, err); // TSS too small -> #TS(sel)
  const newDescAddr = desc.addr;
  const newLo = desc.lo;
  const newHi = desc.hi;
  const newBase = ((newLo >>> 16) | ((newHi & 0xff) << 16) | (newHi & 0xff000000)) | 0;

  // Save the outgoing task.
  const oldSel = cpu.segSel[SEG_TR] as number;
  const oldBase = cpu.segBase[SEG_TR] as number;
  const old32 = ((cpu.segAcc[SEG_TR] as number) & 8) !== 0;
  let flags = cpu.getFlags();
  if (kind === TASK_JMP || kind === TASK_IRET) flags &= ~EFLAGS_NT;
  sup(cpu, () => {
    if (old32) {
      cpu.write32(oldBase + 32, eip);
      cpu.write32(oldBase + 36, flags);
      for (let r = 0; r < 8; r++) cpu.write32(oldBase + 40 + r * 4, cpu.reg32[r] as number);
      SEGS.forEach((s, i) => cpu.write16(oldBase + 72 + i * 4, cpu.segSel[s] as number));
    } else {
      cpu.write16(oldBase + 14, eip);
      cpu.write16(oldBase + 16, flags);
      for (let r = 0; r < 8; r++) cpu.write16(oldBase + 18 + r * 2, cpu.reg16[r * 2] as number);
      for (let i = 0; i < 4; i++) cpu.write16(oldBase + 34 + i * 2, cpu.segSel[SEGS[i] as number] as number);
    }
  });

  // Busy bits and the back link.
  if (kind === TASK_JMP || kind === TASK_IRET) setBusy(cpu, oldSel, false);
  if (kind !== TASK_IRET) {
    sup(cpu, () => {
      cpu.write8((newDescAddr + 5) | 0, ((newHi >>> 8) & 0xff) | 0x02);
      if (kind === TASK_CALL || kind === TASK_INT) cpu.write16(newBase, oldSel);
    });
  }

  // Read the incoming task.
  const regs = REGS;
  const sels = SELS;
  let newEip = 0;
  let newFlags = 0;
  let ldt = 0;
  let cr3 = cpu.cr3;
  sup(cpu, () => {
    if (new32) {
      cr3 = cpu.read32(newBase + 28);
      newEip = cpu.read32(newBase + 32);
      newFlags = cpu.read32(newBase + 36);
      for (let r = 0; r < 8; r++) regs[r] = cpu.read32(newBase + 40 + r * 4);
      for (let i = 0; i < 6; i++) sels[i] = cpu.read16(newBase + 72 + i * 4);
      ldt = cpu.read16(newBase + 96);
    } else {
      newEip = cpu.read16(newBase + 14);
      newFlags = cpu.read16(newBase + 16);
      for (let r = 0; r < 8; r++) regs[r] = cpu.read16(newBase + 18 + r * 2);
      for (let i = 0; i < 4; i++) sels[i] = cpu.read16(newBase + 34 + i * 2);
      ldt = cpu.read16(newBase + 42);
    }
  });
  if (kind === TASK_CALL || kind === TASK_INT) newFlags |= EFLAGS_NT;

  // Commit: TR, CR0.TS, CR3, registers, flags; then the segment registers with checks.
  desc.lo = newLo;
  desc.hi = newHi | 0x200;
  desc.addr = newDescAddr;
  cacheDescriptor(cpu, SEG_TR, selector);
  cpu.segFlags[SEG_TR] = 0;
  cpu.cr0 |= CR0_TS;
  if (new32 && (cpu.cr0 & CR0_PG) !== 0 && cr3 !== cpu.cr3) cpu.setCr3(cr3);
  for (let r = 0; r < 8; r++) {
    if (new32) cpu.reg32[r] = regs[r] as number;
    else cpu.reg16[r * 2] = regs[r] as number;
  }
  cpu.setFlags(newFlags, new32 ? 0x3f7fd5 : 0xffff);
  cpu.eip = new32 ? newEip : newEip & 0xffff;
  cpu.nextEip = cpu.eip;

  const v86 = new32 && (newFlags & EFLAGS_VM) !== 0;
  // Selectors first (so that the new task's state is visible even if a check faults).
  for (let i = 0; i < 6; i++) cpu.segSel[SEGS[i] as number] = sels[i] as number;
  cpu.segSel[SEG_LDTR] = ldt;
  if (v86) {
    cpu.cpl = 3;
    for (let i = 0; i < 6; i++) cpu.loadSegmentReal(SEGS[i] as number, sels[i] as number);
  } else {
    cpu.cpl = (sels[1] as number) & 3;
    loadTaskLdt(cpu, ldt);
    loadTaskCode(cpu, sels[1] as number);
    loadTaskStack(cpu, sels[2] as number);
    for (const i of [0, 3, 4, 5]) loadTaskData(cpu, SEGS[i] as number, sels[i] as number);
  }
  if (kind === TASK_INT && errorCode >= 0) cpu.push(new32 ? 32 : 16, errorCode);
}

const REGS = new Int32Array(8);
const SELS = new Uint16Array(6);

function setBusy(cpu: Cpu, selector: number, busy: boolean): void {
  readDescriptor(cpu, selector);
  const b = (desc.hi >>> 8) & 0xff;
  sup(cpu, () => cpu.write8((desc.addr + 5) | 0, busy ? b | 0x02 : b & ~0x02));
}

function loadTaskLdt(cpu: Cpu, sel: number): void {
  if ((sel & 0xfffc) === 0) {
    cpu.segFlags[SEG_LDTR] = SF_NULL;
    return;
  }
  if ((sel & 4) !== 0) cpu.fault(VEC_TS, sel & 0xfffc);
  readDescriptor(cpu, sel, VEC_TS);
  const acc = descAcc(desc.hi);
  if ((acc & ACC_S) !== 0 || (acc & 0xf) !== 2) cpu.fault(VEC_TS, sel & 0xfffc); // not an LDT -> #TS
  if ((acc & ACC_P) === 0) cpu.fault(VEC_TS, sel & 0xfffc);
  cacheDescriptor(cpu, SEG_LDTR, sel);
  cpu.segFlags[SEG_LDTR] = 0;
}

function loadTaskCode(cpu: Cpu, sel: number): void {
  const err = sel & 0xfffc;
  if (err === 0) cpu.fault(VEC_TS, 0);
  readDescriptor(cpu, sel, VEC_TS);
  const acc = descAcc(desc.hi);
  const dpl = (acc >> ACC_DPL_SHIFT) & 3;
  if ((acc & ACC_S) === 0 || (acc & ACC_CODE) === 0) cpu.fault(VEC_TS, err); // not code -> #TS
  if ((acc & ACC_CE) !== 0 ? dpl > (sel & 3) : dpl !== (sel & 3)) cpu.fault(VEC_TS, err);
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, err);
  cacheDescriptor(cpu, SEG_CS, sel);
  cpu.segFlags[SEG_CS] = segFlagsOf(acc);
}

function loadTaskStack(cpu: Cpu, sel: number): void {
  const err = sel & 0xfffc;
  if (err === 0 || (sel & 3) !== cpu.cpl) cpu.fault(VEC_TS, err);
  readDescriptor(cpu, sel, VEC_TS);
  const acc = descAcc(desc.hi);
  if ((acc & ACC_S) === 0 || (acc & ACC_CODE) !== 0 || (acc & ACC_RW) === 0 || ((acc >> ACC_DPL_SHIFT) & 3) !== cpu.cpl) {
    cpu.fault(VEC_TS, err);
  }
  if ((acc & ACC_P) === 0) cpu.fault(VEC_SS, err);
  cacheDescriptor(cpu, SEG_SS, sel);
}

function loadTaskData(cpu: Cpu, seg: number, sel: number): void {
  const err = sel & 0xfffc;
  if (err === 0) {
    cpu.segFlags[seg] = SF_NULL;
    cpu.segAcc[seg] = 0;
    return;
  }
  readDescriptor(cpu, sel, VEC_TS);
  const acc = descAcc(desc.hi);
  const dpl = (acc >> ACC_DPL_SHIFT) & 3;
  if ((acc & ACC_S) === 0 || ((acc & ACC_CODE) !== 0 && (acc & ACC_RW) === 0)) cpu.fault(VEC_TS, err);
  const conforming = (acc & ACC_CODE) !== 0 && (acc & ACC_CE) !== 0;
  if (!conforming && dpl < Math.max(cpu.cpl, sel & 3)) cpu.fault(VEC_TS, err);
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, err);
  cacheDescriptor(cpu, seg, sel);
}
