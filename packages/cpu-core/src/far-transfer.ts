// Protected-mode far transfers: JMP/CALL far (direct and through call gates, with the
// privilege change and parameter copy of an inner call), RET far (to the same or an outer
// level) and IRET (same level, outer level, and back to v8086 mode), after the SDM's
// pseudo-code, one check per line with the fault it raises.
//
// Each function checks everything and reads every value it needs before the first
// architectural change, so a fault leaves the state of the instruction's start. TSS and
// task-gate targets, and IRET with NT, switch tasks (task.ts).

import type { Cpu } from './cpu.js';
import { switchTask, TASK_CALL, TASK_IRET, TASK_JMP } from './task.js';
import { cacheDescriptor, desc, descAcc, descBase, descLimit, markAccessed, readDescriptor } from './segment.js';
import {
  ACC_CE, ACC_CODE, ACC_DB, ACC_DPL_SHIFT, ACC_P, ACC_RW, ACC_S, EFLAGS_AC, EFLAGS_ID, EFLAGS_IF,
  EFLAGS_IOPL, EFLAGS_NT, EFLAGS_RF, EFLAGS_VIF, EFLAGS_VIP, EFLAGS_VM, SEG_CS, SEG_DS, SEG_ES,
  SEG_FS, SEG_GS, SEG_SS, SEG_TR, SF_NULL, VEC_GP, VEC_NP, VEC_SS, VEC_TS,
} from './state.js';

interface Seg {
  lo: number;
  hi: number;
  addr: number;
}
const target: Seg = { lo: 0, hi: 0, addr: 0 };
const stackSeg: Seg = { lo: 0, hi: 0, addr: 0 };

function save(to: Seg): void {
  to.lo = desc.lo;
  to.hi = desc.hi;
  to.addr = desc.addr;
}

function commit(cpu: Cpu, seg: number, from: Seg, selector: number): void {
  desc.lo = from.lo;
  desc.hi = from.hi;
  desc.addr = from.addr;
  markAccessed(cpu);
  cacheDescriptor(cpu, seg, selector);
}

const dplOf = (hi: number): number => (descAcc(hi) >> ACC_DPL_SHIFT) & 3;

/**
 * Checks a code segment descriptor (in `desc`) as the destination of a direct JMP/CALL
 * or of a gate: returns nothing, faults on a violation.
 */
function checkCodeTarget(cpu: Cpu, selector: number, viaGate: boolean): void {
  const acc = descAcc(desc.hi);
  const err = selector & 0xfffc;
  if ((acc & ACC_S) === 0 || (acc & ACC_CODE) === 0) cpu.fault(VEC_GP, err); // not code -> #GP(sel)
  const dpl = (acc >> ACC_DPL_SHIFT) & 3;
  if ((acc & ACC_CE) !== 0) {
    if (dpl > cpu.cpl) cpu.fault(VEC_GP, err); // conforming: DPL > CPL -> #GP(sel)
  } else if (viaGate) {
    if (dpl > cpu.cpl) cpu.fault(VEC_GP, err); // gate target: DPL > CPL -> #GP(sel)
  } else if ((selector & 3) > cpu.cpl || dpl !== cpu.cpl) {
    cpu.fault(VEC_GP, err); // non-conforming: RPL > CPL or DPL != CPL -> #GP(sel)
  }
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, err); // not present -> #NP(sel)
}

/**
 * JMP/CALL to a TSS (types 1, 9) or a task gate (type 5): checks DPL against CPL and RPL,
 * presence, and switches tasks. Returns false for other descriptor types.
 */
function taskTarget(cpu: Cpu, selector: number, type: number, kind: number): boolean {
  if (type !== 1 && type !== 9 && type !== 5) return false;
  const acc = descAcc(desc.hi);
  const dpl = (acc >> ACC_DPL_SHIFT) & 3;
  const err = selector & 0xfffc;
  if (dpl < cpu.cpl || dpl < (selector & 3)) cpu.fault(VEC_GP, err); // DPL < CPL or RPL -> #GP(sel)
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, err); // not present -> #NP(sel)
  const tss = type === 5 ? desc.lo >>> 16 : selector;
  switchTask(cpu, tss, kind, cpu.nextEip);
  return true;
}

/** Reads a call gate in `desc` and the code descriptor it names; returns the gate fields. */
const gate = { selector: 0, offset: 0, params: 0, is32: false };
function readGate(cpu: Cpu, selector: number): void {
  const acc = descAcc(desc.hi);
  const dpl = (acc >> ACC_DPL_SHIFT) & 3;
  const err = selector & 0xfffc;
  if (dpl < cpu.cpl || dpl < (selector & 3)) cpu.fault(VEC_GP, err); // gate DPL < CPL or RPL -> #GP(sel)
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, err); // gate not present -> #NP(sel)
  gate.is32 = (acc & 0xf) === 12;
  gate.selector = desc.lo >>> 16;
  gate.offset = gate.is32 ? (desc.lo & 0xffff) | (desc.hi & 0xffff0000) : desc.lo & 0xffff;
  gate.params = desc.hi & 0x1f;
  if ((gate.selector & 0xfffc) === 0) cpu.fault(VEC_GP, 0); // null code selector -> #GP(0)
  readDescriptor(cpu, gate.selector);
}

/** JMP ptr16:16/32 or m16:16/32 in protected mode. */
export function farJump(cpu: Cpu, selector: number, offset: number, opSize: number): void {
  if ((selector & 0xfffc) === 0) cpu.fault(VEC_GP, 0); // null -> #GP(0)
  readDescriptor(cpu, selector);
  const acc = descAcc(desc.hi);
  let newSel = selector;
  let newOff = opSize === 16 ? offset & 0xffff : offset;
  if ((acc & ACC_S) === 0) {
    const type = acc & 0xf;
    if (taskTarget(cpu, selector, type, TASK_JMP)) return;
    if (type !== 4 && type !== 12) cpu.fault(VEC_GP, selector & 0xfffc); // not a gate or TSS -> #GP(sel)
    readGate(cpu, selector);
    newSel = gate.selector;
    newOff = gate.offset;
    checkCodeTarget(cpu, newSel, true);
    if ((descAcc(desc.hi) & ACC_CE) === 0 && dplOf(desc.hi) !== cpu.cpl) cpu.fault(VEC_GP, newSel & 0xfffc); // JMP never changes CPL
  } else {
    checkCodeTarget(cpu, selector, false);
  }
  if (newOff >>> 0 > descLimit(desc.lo, desc.hi) >>> 0) cpu.fault(VEC_GP, 0); // beyond the limit -> #GP(0)
  save(target);
  commit(cpu, SEG_CS, target, (newSel & 0xfffc) | cpu.cpl);
  cpu.nextEip = newOff;
}

/** CALL far in protected mode: direct, or through a call gate (same or inner privilege). */
export function farCall(cpu: Cpu, selector: number, offset: number, opSize: number): void {
  if ((selector & 0xfffc) === 0) cpu.fault(VEC_GP, 0); // null -> #GP(0)
  readDescriptor(cpu, selector);
  const acc = descAcc(desc.hi);
  const retCs = cpu.segSel[SEG_CS] as number;
  const retEip = cpu.nextEip;
  if ((acc & ACC_S) !== 0) {
    checkCodeTarget(cpu, selector, false);
    const off = opSize === 16 ? offset & 0xffff : offset;
    if (off >>> 0 > descLimit(desc.lo, desc.hi) >>> 0) cpu.fault(VEC_GP, 0);
    save(target);
    pushPair(cpu, opSize, retCs, retEip); // faults before CS changes
    commit(cpu, SEG_CS, target, (selector & 0xfffc) | cpu.cpl);
    cpu.nextEip = off;
    return;
  }
  const type = acc & 0xf;
  if (taskTarget(cpu, selector, type, TASK_CALL)) return;
  if (type !== 4 && type !== 12) cpu.fault(VEC_GP, selector & 0xfffc); // not a gate or TSS -> #GP(sel)
  readGate(cpu, selector);
  checkCodeTarget(cpu, gate.selector, true);
  const dpl = dplOf(desc.hi);
  const conforming = (descAcc(desc.hi) & ACC_CE) !== 0;
  const off = gate.is32 ? gate.offset : gate.offset & 0xffff;
  if (off >>> 0 > descLimit(desc.lo, desc.hi) >>> 0) cpu.fault(VEC_GP, 0);
  save(target);
  const width = gate.is32 ? 32 : 16;
  if (conforming || dpl === cpu.cpl) {
    pushPair(cpu, width, retCs, retEip);
    commit(cpu, SEG_CS, target, (gate.selector & 0xfffc) | cpu.cpl);
    cpu.nextEip = off;
    return;
  }
  // Inner privilege: new stack from the TSS, old SS:ESP and the parameters copied onto it.
  const tss32 = ((cpu.segAcc[SEG_TR] as number) & 8) !== 0;
  const at = tss32 ? dpl * 8 + 4 : dpl * 4 + 2;
  if (at + (tss32 ? 5 : 3) > (cpu.segLimit[SEG_TR] as number) >>> 0) cpu.fault(VEC_TS, (cpu.segSel[SEG_TR] as number) & 0xfffc);
  const tssBase = cpu.segBase[SEG_TR] as number;
  const saved = cpu.supervisorAccess;
  cpu.supervisorAccess = true;
  let newEsp: number;
  let newSs: number;
  try {
    newEsp = tss32 ? cpu.read32((tssBase + at) | 0) : cpu.read16((tssBase + at) | 0);
    newSs = cpu.read16((tssBase + at + (tss32 ? 4 : 2)) | 0);
  } finally {
    cpu.supervisorAccess = saved;
  }
  checkStack(cpu, newSs, dpl, VEC_TS);
  save(stackSeg);
  // Parameters from the old stack, read before anything changes.
  const word = width >> 3;
  const params = PARAMS;
  const n = gate.params;
  const oldSs = cpu.segSel[SEG_SS] as number;
  const oldEsp = cpu.reg32[4] as number;
  for (let i = 0; i < n; i++) params[i] = cpu.peek(width, (n - 1 - i) * word);
  // Write the new stack with the new privilege (its pages must be supervisor-writable).
  const ssBase = descBase(stackSeg.lo, stackSeg.hi);
  const ss32 = (descAcc(stackSeg.hi) & ACC_DB) !== 0;
  const ssLimit = descLimit(stackSeg.lo, stackSeg.hi) >>> 0;
  let sp = ss32 ? newEsp : newEsp & 0xffff;
  const values = VALUES;
  let k = 0;
  values[k++] = oldSs;
  values[k++] = oldEsp;
  for (let i = 0; i < n; i++) values[k++] = params[i] as number;
  values[k++] = retCs;
  values[k++] = retEip;
  for (let i = 0, o = sp; i < k; i++) {
    o = ss32 ? (o - word) | 0 : (o - word) & 0xffff;
    if ((o >>> 0) + word - 1 > ssLimit) cpu.fault(VEC_SS, newSs & 0xfffc); // new stack too small -> #SS(sel)
  }
  const oldCpl = cpu.cpl;
  cpu.cpl = dpl;
  try {
    for (let i = 0; i < k; i++) {
      sp = ss32 ? (sp - word) | 0 : (sp - word) & 0xffff;
      if (word === 4) cpu.write32((ssBase + sp) | 0, values[i] as number);
      else cpu.write16((ssBase + sp) | 0, values[i] as number);
    }
  } catch (e) {
    cpu.cpl = oldCpl;
    throw e;
  }
  commit(cpu, SEG_SS, stackSeg, newSs);
  if (ss32) cpu.reg32[4] = sp;
  else cpu.reg16[8] = sp;
  commit(cpu, SEG_CS, target, (gate.selector & 0xfffc) | dpl);
  cpu.nextEip = off;
}

const PARAMS: number[] = new Array<number>(32).fill(0);
const VALUES: number[] = new Array<number>(40).fill(0);

function pushPair(cpu: Cpu, bits: number, cs: number, eip: number): void {
  // Both slots are checked before either is written (the second push cannot fault alone).
  const word = bits >> 3;
  const s32 = cpu.stack32();
  const sp = s32 ? (cpu.reg32[4] as number) : (cpu.reg16[8] as number);
  cpu.linear(SEG_SS, s32 ? (sp - 2 * word) | 0 : (sp - 2 * word) & 0xffff, 2 * word, true);
  cpu.push(bits, cs);
  cpu.push(bits, eip);
}

/** Checks a stack segment selector for privilege level `rpl` (from a TSS or a return frame). */
function checkStack(cpu: Cpu, selector: number, rpl: number, vector: number): void {
  const err = selector & 0xfffc;
  if (err === 0) cpu.fault(vector, 0); // null SS
  if ((selector & 3) !== rpl) cpu.fault(vector, err); // RPL mismatch
  readDescriptor(cpu, selector, vector);
  const acc = descAcc(desc.hi);
  if ((acc & ACC_S) === 0 || (acc & ACC_CODE) !== 0 || (acc & ACC_RW) === 0 || ((acc >> ACC_DPL_SHIFT) & 3) !== rpl) {
    cpu.fault(vector, err); // not a writable data segment of that DPL
  }
  if ((acc & ACC_P) === 0) cpu.fault(VEC_SS, err); // not present -> #SS(sel)
}

/** Reads the return CS (already popped) and checks it for RET/IRET; leaves the descriptor in `target`. */
function checkReturnCs(cpu: Cpu, selector: number): number {
  const err = selector & 0xfffc;
  if (err === 0) cpu.fault(VEC_GP, 0); // null -> #GP(0)
  const rpl = selector & 3;
  if (rpl < cpu.cpl) cpu.fault(VEC_GP, err); // return to an inner level -> #GP(sel)
  readDescriptor(cpu, selector);
  const acc = descAcc(desc.hi);
  if ((acc & ACC_S) === 0 || (acc & ACC_CODE) === 0) cpu.fault(VEC_GP, err);
  const dpl = (acc >> ACC_DPL_SHIFT) & 3;
  if ((acc & ACC_CE) !== 0 ? dpl > rpl : dpl !== rpl) cpu.fault(VEC_GP, err); // conforming DPL > RPL / non-conforming DPL != RPL
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, err);
  save(target);
  return rpl;
}

/** After a return to an outer level: data segments the new CPL may not use become null. */
function dropInnerSegments(cpu: Cpu): void {
  for (const s of [SEG_ES, SEG_DS, SEG_FS, SEG_GS]) {
    const acc = cpu.segAcc[s] as number;
    if (((cpu.segFlags[s] as number) & SF_NULL) !== 0) continue;
    const dpl = (acc >> ACC_DPL_SHIFT) & 3;
    const conformingCode = (acc & ACC_CODE) !== 0 && (acc & ACC_CE) !== 0;
    if (!conformingCode && dpl < cpu.cpl) {
      cpu.segSel[s] = 0;
      cpu.segFlags[s] = SF_NULL;
      cpu.segAcc[s] = 0;
    }
  }
}

/** RETF [imm16] in protected mode. */
export function farReturn(cpu: Cpu, opSize: number, imm: number): void {
  const word = opSize >> 3;
  const eip = cpu.peek(opSize, 0);
  const cs = cpu.peek(opSize, word) & 0xffff;
  const rpl = checkReturnCs(cpu, cs);
  const off = opSize === 16 ? eip & 0xffff : eip;
  if (off >>> 0 > descLimit(target.lo, target.hi) >>> 0) cpu.fault(VEC_GP, 0);
  if (rpl === cpu.cpl) {
    commit(cpu, SEG_CS, target, cs);
    cpu.adjustSp(2 * word + imm);
    cpu.nextEip = off;
    return;
  }
  // Outer level: SS:ESP follow the parameters.
  const esp = cpu.peek(opSize, 2 * word + imm);
  const ss = cpu.peek(opSize, 3 * word + imm) & 0xffff;
  checkStack(cpu, ss, rpl, VEC_GP);
  save(stackSeg);
  commit(cpu, SEG_CS, target, cs);
  cpu.cpl = rpl;
  commit(cpu, SEG_SS, stackSeg, ss);
  const ss32 = (descAcc(stackSeg.hi) & ACC_DB) !== 0;
  if (ss32) cpu.reg32[4] = (esp + imm) | 0;
  else cpu.reg16[8] = (esp & 0xffff) + imm;
  cpu.nextEip = off;
  dropInnerSegments(cpu);
}

/** IRET/IRETD in protected mode (not NT): same level, outer level, or back to v8086. */
export function iretProtected(cpu: Cpu, opSize: number): void {
  const flagsNow = cpu.getFlags();
  if ((flagsNow & EFLAGS_NT) !== 0) {
    // Return from a nested task: the back link of the current TSS.
    const saved = cpu.supervisorAccess;
    cpu.supervisorAccess = true;
    let link: number;
    try {
      link = cpu.read16(cpu.segBase[SEG_TR] as number);
    } finally {
      cpu.supervisorAccess = saved;
    }
    switchTask(cpu, link, TASK_IRET, cpu.nextEip);
    return;
  }
  const word = opSize >> 3;
  const eip = cpu.peek(opSize, 0);
  const cs = cpu.peek(opSize, word) & 0xffff;
  const fl = cpu.peek(opSize, 2 * word);
  if (opSize === 32 && (fl & EFLAGS_VM) !== 0 && cpu.cpl === 0) {
    iretToV86(cpu, eip, cs, fl);
    return;
  }
  const rpl = checkReturnCs(cpu, cs);
  const off = opSize === 16 ? eip & 0xffff : eip;
  if (off >>> 0 > descLimit(target.lo, target.hi) >>> 0) cpu.fault(VEC_GP, 0);
  let esp = 0;
  let ss = 0;
  if (rpl !== cpu.cpl) {
    esp = cpu.peek(opSize, 3 * word);
    ss = cpu.peek(opSize, 4 * word) & 0xffff;
    checkStack(cpu, ss, rpl, VEC_GP);
    save(stackSeg);
  }
  // Flags: IOPL only at CPL 0, IF only when CPL <= IOPL; VM, VIF, VIP stay (16-bit: low word only).
  const oldCpl = cpu.cpl;
  const iopl = (flagsNow & EFLAGS_IOPL) >> 12;
  let mask = 0x00007fd5 | EFLAGS_RF | EFLAGS_AC | EFLAGS_ID;
  if (opSize === 16) mask &= 0xffff;
  if (oldCpl !== 0) mask &= ~EFLAGS_IOPL;
  if (oldCpl > iopl) mask &= ~EFLAGS_IF;
  commit(cpu, SEG_CS, target, cs);
  if (rpl !== oldCpl) {
    cpu.cpl = rpl;
    commit(cpu, SEG_SS, stackSeg, ss);
    const ss32 = (descAcc(stackSeg.hi) & ACC_DB) !== 0;
    if (ss32) cpu.reg32[4] = esp;
    else cpu.reg16[8] = esp;
    dropInnerSegments(cpu);
  } else {
    cpu.adjustSp(3 * word);
  }
  cpu.setFlags(fl, mask & ~(EFLAGS_VM | EFLAGS_VIF | EFLAGS_VIP));
  cpu.nextEip = off;
}

/** IRETD from CPL 0 with VM set in the popped flags: the v8086 frame. */
function iretToV86(cpu: Cpu, eip: number, cs: number, fl: number): void {
  const esp = cpu.peek(32, 12);
  const ss = cpu.peek(32, 16) & 0xffff;
  const es = cpu.peek(32, 20) & 0xffff;
  const ds = cpu.peek(32, 24) & 0xffff;
  const fs = cpu.peek(32, 28) & 0xffff;
  const gs = cpu.peek(32, 32) & 0xffff;
  cpu.setFlags(fl, 0x3f7fd5);
  cpu.cpl = 3;
  for (const [s, v] of [[SEG_CS, cs], [SEG_SS, ss], [SEG_ES, es], [SEG_DS, ds], [SEG_FS, fs], [SEG_GS, gs]] as const) {
    cpu.loadSegmentReal(s, v);
  }
  cpu.reg32[4] = esp;
  cpu.nextEip = eip & 0xffff;
}


