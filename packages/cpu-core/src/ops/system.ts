// System instructions: control and debug registers, descriptor-table registers, LDTR and
// TR, MSW, CLTS, INVLPG, cache control, and the descriptor probes LAR/LSL/VERR/VERW/ARPL.
//
// Privileged forms raise #GP(0) at CPL > 0 (CPL is 3 in v8086 mode). The probes never
// fault on a bad selector: they report through ZF, as the SDM specifies.

import type { Instruction } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import { cacheDescriptor, desc, descAcc, descLimit, readDescriptor } from '../segment.js';
import {
  ACC_CE, ACC_CODE, ACC_DPL_SHIFT, ACC_P, ACC_RW, ACC_S, CR0_PE, CR0_PG, CR0_TS, CR4_PAE, EFLAGS_VM,
  EFLAGS_ZF, SEG_LDTR, SEG_TR, SF_NULL, VEC_GP, VEC_NP, VEC_UD,
} from '../state.js';

/** #GP(0) unless CPL = 0 (and not in v8086 mode). */
export function requirePrivilege(cpu: Cpu): void {
  if (cpu.cpl !== 0 || (cpu.getFlags() & EFLAGS_VM) !== 0) cpu.fault(VEC_GP, 0);
}

/** LLDT, LTR, LAR ... are #UD in real and v8086 mode. */
function requireProtected(cpu: Cpu): void {
  if (!cpu.protectedMode()) cpu.fault(VEC_UD);
}

/** Bits of CR0 a Pentium Pro keeps (the rest read as zero); ET reads as one. */
const CR0_MASK = 0xe005003f | 0;
/** CR4 bits of the modelled CPU (no PAE, no OSFXSR without FXSR). */
const CR4_MASK = 0x1df & ~CR4_PAE;

function movToCr(cpu: Cpu, insn: Instruction): void {
  requirePrivilege(cpu);
  const n = (insn.opReg[0] as number) & 7;
  const v = cpu.getReg(insn.opReg[1] as number);
  switch (n) {
    case 0:
      // PG without PE, or NW without CD -> #GP(0); reserved high bits -> #GP(0)
      if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) cpu.fault(VEC_GP, 0);
      if ((v & (1 << 29)) !== 0 && (v & (1 << 30)) === 0) cpu.fault(VEC_GP, 0);
      cpu.setCr0(v & CR0_MASK);
      break;
    case 2:
      cpu.cr2 = v;
      break;
    case 3:
      cpu.setCr3(v & 0xfffff018);
      break;
    case 4:
      if ((v & ~CR4_MASK) !== 0) cpu.fault(VEC_GP, 0); // reserved or absent feature bits -> #GP(0)
      cpu.setCr4(v);
      break;
    default:
      cpu.fault(VEC_UD); // CR1, CR5-CR7 -> #UD
  }
}

function movFromCr(cpu: Cpu, insn: Instruction): void {
  requirePrivilege(cpu);
  const n = (insn.opReg[1] as number) & 7;
  let v: number;
  switch (n) {
    case 0:
      v = cpu.cr0;
      break;
    case 2:
      v = cpu.cr2;
      break;
    case 3:
      v = cpu.cr3;
      break;
    case 4:
      v = cpu.cr4;
      break;
    default:
      return cpu.fault(VEC_UD);
  }
  cpu.setReg(insn.opReg[0] as number, v);
}

/** SGDT/SIDT: limit word then base (with a 16-bit operand, the base's low 24 bits and a zero byte). */
function storeTable(which: 'gdt' | 'idt'): Handler {
  return (cpu, insn) => {
    const lin = cpu.memLinear(insn, 6);
    const limit = which === 'gdt' ? cpu.gdtLimit : cpu.idtLimit;
    const base = which === 'gdt' ? cpu.gdtBase : cpu.idtBase;
    cpu.linear(insn.memSeg, cpu.effectiveAddress(insn), 6, true);
    cpu.write16(lin, limit);
    cpu.write32((lin + 2) | 0, insn.opSize === 16 ? base & 0x00ffffff : base);
  };
}

function loadTable(which: 'gdt' | 'idt'): Handler {
  return (cpu, insn) => {
    requirePrivilege(cpu);
    const lin = cpu.memLinear(insn, 6);
    const limit = cpu.read16(lin);
    let base = cpu.read32((lin + 2) | 0);
    if (insn.opSize === 16) base &= 0x00ffffff;
    if (which === 'gdt') {
      cpu.gdtLimit = limit;
      cpu.gdtBase = base;
    } else {
      cpu.idtLimit = limit;
      cpu.idtBase = base;
    }
  };
}

/** LLDT: a null selector makes the LDT unusable; otherwise an LDT descriptor from the GDT. */
const lldt: Handler = (cpu, insn) => {
  requireProtected(cpu);
  requirePrivilege(cpu);
  const sel = cpu.getOp(insn, 0, 16) & 0xffff;
  if ((sel & 0xfffc) === 0) {
    cpu.segSel[SEG_LDTR] = sel;
    cpu.segFlags[SEG_LDTR] = SF_NULL;
    return;
  }
  if ((sel & 4) !== 0) cpu.fault(VEC_GP, sel & 0xfffc); // TI = 1 -> #GP(sel)
  readDescriptor(cpu, sel);
  const acc = descAcc(desc.hi);
  if ((acc & ACC_S) !== 0 || (acc & 0xf) !== 2) cpu.fault(VEC_GP, sel & 0xfffc); // not an LDT -> #GP(sel)
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, sel & 0xfffc);
  cacheDescriptor(cpu, SEG_LDTR, sel);
  cpu.segFlags[SEG_LDTR] = 0;
};

/** LTR: an available TSS from the GDT, marked busy. */
const ltr: Handler = (cpu, insn) => {
  requireProtected(cpu);
  requirePrivilege(cpu);
  const sel = cpu.getOp(insn, 0, 16) & 0xffff;
  if ((sel & 0xfffc) === 0) cpu.fault(VEC_GP, 0); // null -> #GP(0)
  if ((sel & 4) !== 0) cpu.fault(VEC_GP, sel & 0xfffc);
  readDescriptor(cpu, sel);
  const acc = descAcc(desc.hi);
  const type = acc & 0xf;
  if ((acc & ACC_S) !== 0 || (type !== 1 && type !== 9)) cpu.fault(VEC_GP, sel & 0xfffc); // not an available TSS
  if ((acc & ACC_P) === 0) cpu.fault(VEC_NP, sel & 0xfffc);
  desc.hi |= 0x200; // busy
  const saved = cpu.supervisorAccess;
  cpu.supervisorAccess = true;
  try {
    cpu.write8((desc.addr + 5) | 0, (desc.hi >>> 8) & 0xff);
  } finally {
    cpu.supervisorAccess = saved;
  }
  cacheDescriptor(cpu, SEG_TR, sel);
  cpu.segFlags[SEG_TR] = 0;
};

/** SLDT/STR/SMSW to a register store the whole operand size (upper bits zero on the P6). */
function storeSel(get: (cpu: Cpu) => number, needsPm: boolean): Handler {
  return (cpu, insn) => {
    if (needsPm) requireProtected(cpu);
    const v = get(cpu) & 0xffff;
    cpu.setOp(insn, 0, insn.opKind[0] === 2 ? 16 : insn.opSize, v);
  };
}

/**
 * LAR/LSL/VERR/VERW: look a selector up as the CPU would for the CPL and RPL, and report
 * through ZF; the descriptor's accessed bit is not touched and no fault is raised for the
 * selector itself (memory faults reading the table still occur).
 */
function probe(cpu: Cpu, sel: number, kind: 'lar' | 'lsl' | 'verr' | 'verw'): boolean {
  if ((sel & 0xfffc) === 0) return false;
  const tableLimit = (sel & 4) !== 0 ? (cpu.segLimit[SEG_LDTR] as number) >>> 0 : cpu.gdtLimit >>> 0;
  if ((sel & 4) !== 0 && ((cpu.segFlags[SEG_LDTR] as number) & SF_NULL) !== 0) return false;
  if ((sel & 0xfff8) + 7 > tableLimit) return false;
  readDescriptor(cpu, sel);
  const acc = descAcc(desc.hi);
  const dpl = (acc >> ACC_DPL_SHIFT) & 3;
  const rpl = sel & 3;
  const conformingCode = (acc & ACC_S) !== 0 && (acc & ACC_CODE) !== 0 && (acc & ACC_CE) !== 0;
  if (kind === 'verr' || kind === 'verw') {
    if ((acc & ACC_S) === 0) return false;
    if (!conformingCode && (dpl < cpu.cpl || dpl < rpl)) return false;
    if (kind === 'verr') return (acc & ACC_CODE) === 0 || (acc & ACC_RW) !== 0;
    return (acc & ACC_CODE) === 0 && (acc & ACC_RW) !== 0;
  }
  if ((acc & ACC_S) === 0) {
    // System descriptors: LAR accepts TSS, LDT, call and task gates; LSL only those with a limit.
    const type = acc & 0xf;
    const lar = [1, 2, 3, 4, 5, 9, 11, 12].includes(type);
    const lsl = [1, 2, 3, 9, 11].includes(type);
    if (!(kind === 'lar' ? lar : lsl)) return false;
  }
  if (!conformingCode && (dpl < cpu.cpl || dpl < rpl)) return false;
  return true;
}

function probeOp(kind: 'lar' | 'lsl' | 'verr' | 'verw'): Handler {
  return (cpu, insn) => {
    requireProtected(cpu);
    const sel = cpu.getOp(insn, kind === 'lar' || kind === 'lsl' ? 1 : 0, 16) & 0xffff;
    const ok = probe(cpu, sel, kind);
    if (ok && kind === 'lar') {
      const v = desc.hi & 0x00f0ff00;
      cpu.setOp(insn, 0, insn.opSize, insn.opSize === 16 ? v & 0xff00 : v);
    } else if (ok && kind === 'lsl') {
      cpu.setOp(insn, 0, insn.opSize, descLimit(desc.lo, desc.hi));
    }
    cpu.setFlag(EFLAGS_ZF, ok);
  };
}

const table: Record<string, Handler> = {
  Mov_Cd_Rd: movToCr,
  Mov_Rd_Cd: movFromCr,
  Mov_Dd_Rd: (cpu, insn) => {
    requirePrivilege(cpu);
    const n = (insn.opReg[0] as number) & 7;
    cpu.regs.dr[n === 4 ? 6 : n === 5 ? 7 : n] = cpu.getReg(insn.opReg[1] as number);
  },
  Mov_Rd_Dd: (cpu, insn) => {
    requirePrivilege(cpu);
    const n = (insn.opReg[1] as number) & 7;
    cpu.setReg(insn.opReg[0] as number, cpu.regs.dr[n === 4 ? 6 : n === 5 ? 7 : n] as number);
  },
  Sgdtd_Ms: storeTable('gdt'),
  Sidtd_Ms: storeTable('idt'),
  Lgdtd_Ms: loadTable('gdt'),
  Lidtd_Ms: loadTable('idt'),
  Lldt_Ew: lldt,
  Ltr_Ew: ltr,
  Sldt_EvMw: storeSel((cpu) => cpu.segSel[SEG_LDTR] as number, true),
  Str_EvMw: storeSel((cpu) => cpu.segSel[SEG_TR] as number, true),
  Smsw_EvMw: storeSel((cpu) => cpu.cr0, false),
  // LMSW loads PE, MP, EM, TS; it can set PE but never clear it.
  Lmsw_Ew: (cpu, insn) => {
    requirePrivilege(cpu);
    const v = cpu.getOp(insn, 0, 16);
    cpu.setCr0((cpu.cr0 & ~0xe) | (v & 0xf) | (cpu.cr0 & CR0_PE));
  },
  Clts: (cpu) => {
    requirePrivilege(cpu);
    cpu.cr0 &= ~CR0_TS;
  },
  Invlpg_Mb: (cpu, insn) => {
    requirePrivilege(cpu);
    const seg = insn.memSeg;
    const lin = ((cpu.segBase[seg] as number) + cpu.effectiveAddress(insn)) | 0;
    cpu.tlb.invalidate(lin >>> 12);
  },
  Invd: requirePrivilege,
  Wbinvd: requirePrivilege,
  Lar_Gv_EvMw: probeOp('lar'),
  Lsl_Gv_EvMw: probeOp('lsl'),
  Verr_Ew: probeOp('verr'),
  Verw_Ew: probeOp('verw'),
  // ARPL (protected mode only): raise the destination's RPL to the source's.
  Arpl_Ew_Gw: (cpu, insn) => {
    requireProtected(cpu);
    const d = cpu.getOp(insn, 0, 16);
    const s = cpu.getOp(insn, 1, 16);
    if ((d & 3) < (s & 3)) {
      cpu.setOp(insn, 0, 16, (d & ~3) | (s & 3));
      cpu.setFlag(EFLAGS_ZF, true);
    } else {
      cpu.setFlag(EFLAGS_ZF, false);
    }
  },
};

defineOps(table);
