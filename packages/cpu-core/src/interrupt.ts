// Protected-mode interrupt and exception delivery through the IDT (SDM Vol. 3, 6.12 and
// the INT n pseudo-code): interrupt and trap gates, 16- and 32-bit, at the same privilege
// or to an inner one with the stack switch from the TSS, and out of v8086 mode.
//
// All checks come first, in the SDM's order; only then are the new stack written and the
// registers changed, so a fault during delivery leaves the interrupted state intact (the
// caller turns it into #DF or a shutdown). Task gates switch tasks (task.ts).

import type { Cpu } from './cpu.js';
import { switchTask, TASK_INT } from './task.js';
import { cacheDescriptor, desc, descAcc, descBase, descLimit, markAccessed, readDescriptor, segFlagsOf } from './segment.js';
import {
  ACC_CE, ACC_CODE, ACC_DB, ACC_DPL_SHIFT, ACC_P, ACC_RW, ACC_S, EFLAGS_IF, EFLAGS_NT, EFLAGS_RF,
  EFLAGS_TF, EFLAGS_VM, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SEG_TR, VEC_GP, VEC_NP,
  SF_NULL, VEC_SS, VEC_TS,
} from './state.js';

/** Gate types in the IDT (descriptor type field with S = 0). */
const GATE_TASK = 0x5;
const GATE_INT16 = 0x6;
const GATE_TRAP16 = 0x7;
const GATE_INT32 = 0xe;
const GATE_TRAP32 = 0xf;

/**
 * Delivers `vector` in protected or v8086 mode. `software` is INT n/INT3/INTO (gate DPL
 * is checked against CPL, and the error code's EXT bit is clear); `errorCode` -1 means
 * none is pushed.
 */
export function deliverProtected(cpu: Cpu, vector: number, errorCode: number, software: boolean, eip: number): void {
  const ext = software ? 0 : 1;
  const idtErr = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > cpu.idtLimit >>> 0) cpu.fault(VEC_GP, idtErr); // beyond the IDT -> #GP(vec*8+2+EXT)
  const saved = cpu.supervisorAccess;
  cpu.supervisorAccess = true;
  let lo: number;
  let hi: number;
  try {
    lo = cpu.read32((cpu.idtBase + vector * 8) | 0);
    hi = cpu.read32((cpu.idtBase + vector * 8 + 4) | 0);
  } finally {
    cpu.supervisorAccess = saved;
  }
  const type = (hi >>> 8) & 0x1f;
  if (type !== GATE_INT16 && type !== GATE_TRAP16 && type !== GATE_INT32 && type !== GATE_TRAP32 && type !== GATE_TASK) {
    cpu.fault(VEC_GP, idtErr); // not a gate -> #GP(vec*8+2+EXT)
  }
  const gateDpl = (hi >>> 13) & 3;
  if (software && gateDpl < cpu.cpl) cpu.fault(VEC_GP, idtErr); // INT n: gate DPL < CPL -> #GP
  if ((hi & 0x8000) === 0) cpu.fault(VEC_NP, idtErr); // gate not present -> #NP(vec*8+2+EXT)
  if (type === GATE_TASK) {
    switchTask(cpu, lo >>> 16, TASK_INT, eip, errorCode);
    return;
  }

  const gate32 = type === GATE_INT32 || type === GATE_TRAP32;
  const selector = lo >>> 16;
  const offset = gate32 ? (lo & 0xffff) | (hi & 0xffff0000) : lo & 0xffff;
  if ((selector & 0xfffc) === 0) cpu.fault(VEC_GP, ext); // null code selector -> #GP(EXT)
  readDescriptor(cpu, selector, VEC_GP);
  const csLo = desc.lo;
  const csHi = desc.hi;
  const csAddr = desc.addr;
  const acc = descAcc(csHi);
  const dpl = (acc >> ACC_DPL_SHIFT) & 3;
  const selErr = (selector & 0xfffc) | ext;
  // not a code segment, or DPL > CPL -> #GP(sel+EXT)
  if ((acc & ACC_S) === 0 || (acc & ACC_CODE) === 0 || dpl > cpu.cpl) cpu.fault(VEC_GP, selErr);
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, selErr); // not present -> #NP(sel+EXT)
  const conforming = (acc & ACC_CE) !== 0;
  const flags = cpu.getFlags();
  const fromV86 = (flags & EFLAGS_VM) !== 0;
  const inner = !conforming && dpl < cpu.cpl;
  if (fromV86 && (!inner || dpl !== 0)) cpu.fault(VEC_GP, selErr); // v8086 must go to ring 0

  const word = gate32 ? 4 : 2;
  const oldSs = cpu.segSel[SEG_SS] as number;
  const oldEsp = cpu.reg32[4] as number;
  const oldCs = cpu.segSel[SEG_CS] as number;

  let newSsSel = oldSs;
  let newEsp = oldEsp;
  let ssLo = 0;
  let ssHi = 0;
  let ssAddr = 0;
  if (inner) {
    // The inner stack from the TSS: SS:ESP for the new CPL (32- or 16-bit TSS).
    const tss32 = (((cpu.segAcc[SEG_TR] as number) & 0xf) & 8) !== 0;
    const at = tss32 ? dpl * 8 + 4 : dpl * 4 + 2;
    const room = tss32 ? 5 : 3;
    if (at + room > (cpu.segLimit[SEG_TR] as number) >>> 0) cpu.fault(VEC_TS, (cpu.segSel[SEG_TR] as number) & 0xfffc);
    const tssBase = cpu.segBase[SEG_TR] as number;
    cpu.supervisorAccess = true;
    try {
      newEsp = tss32 ? cpu.read32((tssBase + at) | 0) : cpu.read16((tssBase + at) | 0);
      newSsSel = cpu.read16((tssBase + at + (tss32 ? 4 : 2)) | 0);
    } finally {
      cpu.supervisorAccess = saved;
    }
    if ((newSsSel & 0xfffc) === 0) cpu.fault(VEC_TS, ext); // null SS -> #TS(EXT)
    if ((newSsSel & 3) !== dpl) cpu.fault(VEC_TS, (newSsSel & 0xfffc) | ext); // RPL != DPL -> #TS
    readDescriptor(cpu, newSsSel, VEC_TS);
    ssLo = desc.lo;
    ssHi = desc.hi;
    ssAddr = desc.addr;
    const sacc = descAcc(ssHi);
    if ((sacc & ACC_S) === 0 || (sacc & ACC_CODE) !== 0 || (sacc & ACC_RW) === 0 || ((sacc >> ACC_DPL_SHIFT) & 3) !== dpl) {
      cpu.fault(VEC_TS, (newSsSel & 0xfffc) | ext); // not writable data of DPL = new CPL -> #TS
    }
    if ((sacc & ACC_P) === 0) cpu.fault(VEC_SS, (newSsSel & 0xfffc) | ext); // not present -> #SS
  }

  // The frame, written on the new stack before any register changes.
  const frame: number[] = FRAME;
  let n = 0;
  if (inner) {
    if (fromV86) {
      frame[n++] = cpu.segSel[SEG_GS] as number;
      frame[n++] = cpu.segSel[SEG_FS] as number;
      frame[n++] = cpu.segSel[SEG_DS] as number;
      frame[n++] = cpu.segSel[SEG_ES] as number;
    }
    frame[n++] = oldSs;
    frame[n++] = oldEsp;
  }
  frame[n++] = flags;
  frame[n++] = oldCs;
  frame[n++] = eip;
  if (errorCode >= 0) frame[n++] = errorCode;

  const ssBase = inner ? descBase(ssLo, ssHi) : (cpu.segBase[SEG_SS] as number);
  const ssLimit = inner ? descLimit(ssLo, ssHi) >>> 0 : (cpu.segLimit[SEG_SS] as number) >>> 0;
  const ss32 = inner ? (descAcc(ssHi) & ACC_DB) !== 0 : ((cpu.segAcc[SEG_SS] as number) & ACC_DB) !== 0;
  let sp = ss32 ? newEsp | 0 : newEsp & 0xffff;
  // Every slot of the frame must lie within the stack segment's limit -> #SS. An
  // expand-down stack holds the offsets above its limit, up to 0xFFFF or 0xFFFFFFFF (B).
  const expandDown = ((inner ? descAcc(ssHi) : (cpu.segAcc[SEG_SS] as number)) & ACC_CE) !== 0;
  const ssUpper = ss32 ? 0xffffffff : 0xffff;
  for (let i = 1, off = sp; i <= n; i++) {
    off = ss32 ? (off - word) | 0 : (off - word) & 0xffff;
    const first = off >>> 0;
    const outside = expandDown ? first <= ssLimit || first + word - 1 > ssUpper : first + word - 1 > ssLimit;
    if (outside) cpu.fault(VEC_SS, inner ? (newSsSel & 0xfffc) | ext : 0);
  }
  // The handler's entry point must lie within the new code segment -> #GP(0).
  if ((offset >>> 0) > descLimit(csLo, csHi) >>> 0) cpu.fault(VEC_GP, 0);
  // Write the frame (each write may page-fault: nothing architectural has changed yet).
  const savedCpl = cpu.cpl;
  if (inner) cpu.cpl = dpl; // the new stack is written with the new privilege
  try {
    for (let i = 0; i < n; i++) {
      sp = ss32 ? (sp - word) | 0 : (sp - word) & 0xffff;
      const lin = (ssBase + (ss32 ? sp : sp & 0xffff)) | 0;
      if (word === 4) cpu.write32(lin, frame[i] as number);
      else cpu.write16(lin, frame[i] as number);
    }
  } catch (e) {
    cpu.cpl = savedCpl;
    throw e;
  }

  // Commit: the new stack, CS:EIP, flags.
  if (inner) {
    desc.lo = ssLo;
    desc.hi = ssHi;
    desc.addr = ssAddr;
    markAccessed(cpu);
    cacheDescriptor(cpu, SEG_SS, newSsSel);
    if (fromV86) {
      for (const s of [SEG_ES, SEG_DS, SEG_FS, SEG_GS]) {
        cpu.segSel[s] = 0;
        cpu.segBase[s] = 0;
        cpu.segLimit[s] = 0;
        cpu.segAcc[s] = 0;
        cpu.segFlags[s] = SF_NULL;
      }
    }
  }
  if (ss32) cpu.reg32[4] = sp;
  else cpu.reg16[8] = sp;
  desc.lo = csLo;
  desc.hi = csHi;
  desc.addr = csAddr;
  markAccessed(cpu);
  const newCpl = inner ? dpl : cpu.cpl;
  cacheDescriptor(cpu, SEG_CS, (selector & 0xfffc) | newCpl);
  cpu.segFlags[SEG_CS] = segFlagsOf(acc);
  cpu.cpl = newCpl;
  cpu.eip = gate32 ? offset | 0 : offset & 0xffff;
  let clear = EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM;
  if (type === GATE_INT16 || type === GATE_INT32) clear |= EFLAGS_IF;
  cpu.setFlags(0, clear);
}

const FRAME: number[] = new Array<number>(12).fill(0);
