// Control transfer: JMP/Jcc/CALL/RET near (relative and indirect), far JMP/CALL/RET in
// real and v8086 mode, LOOP/LOOPE/LOOPNE/JCXZ/JECXZ, INT n/INT3/INTO/INT1, IRET in real
// and v8086 mode, HLT.
//
// Every branch checks its target against the CS limit before anything changes (#GP(0)).
// Protected-mode far transfers and IRET go through `protectedControl`, the integration
// point with the protected-mode unit (far-transfer.ts: call gates, task switches,
// privilege changes).

import type { Instruction } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from '../cpu.js';
import { farCall as pmFarCall, farJump as pmFarJump, farReturn as pmFarReturn, iretProtected as pmIret } from '../far-transfer.js';
import { defineOps } from '../handlers.js';
import { CR0_PE, EFLAGS_IOPL, EFLAGS_VM, SEG_CS, SEG_SS, VEC_GP } from '../state.js';
import { probeWrite, setStackPointer, stackOffset, stackPointer } from './stack.js';

/**
 * Protected-mode far transfers (not v8086), provided by the protected-mode unit. Each is called after the operands are fetched and before any
 * state has changed; it must do every check, then the whole transfer (set CS, `nextEip`,
 * the stack), or throw leaving the state untouched.
 */
export interface ProtectedControl {
  /** JMP ptr16:16/32 or JMP m16:16/32 to `selector:offset` (offset already masked to `bits`). */
  farJump(cpu: Cpu, selector: number, offset: number, bits: number): void;
  /** CALL far; the return address is CS:`cpu.nextEip`, pushed with `bits`-wide slots. */
  farCall(cpu: Cpu, selector: number, offset: number, bits: number): void;
  /** RETF [imm16]: pops with `bits`-wide slots, then releases `popBytes` more. */
  farReturn(cpu: Cpu, bits: number, popBytes: number): void;
  /** IRET/IRETD in protected mode (same or outer privilege, to v8086, NT task return). */
  iret(cpu: Cpu, bits: number): void;
}

/**
 * The integration point, wired to the protected-mode unit (far-transfer.ts: gates, task
 * switches, privilege changes); entries may be replaced (tests, instrumentation).
 */
export const protectedControl: ProtectedControl = {
  farJump: pmFarJump,
  farCall: pmFarCall,
  farReturn: pmFarReturn,
  iret: pmIret,
};

/** #GP(0) unless `target` is within the CS limit. */
function checkCsLimit(cpu: Cpu, target: number): void {
  if (target >>> 0 > (cpu.segLimit[SEG_CS] as number) >>> 0) cpu.fault(VEC_GP, 0);
}

// ---- near transfers -----------------------------------------------------------------

const jmpRel: Handler = (cpu, insn) => {
  checkCsLimit(cpu, insn.target);
  cpu.nextEip = insn.target;
};

const jmpEv: Handler = (cpu, insn) => {
  const t = cpu.getOp(insn, 0, insn.opSize);
  checkCsLimit(cpu, t);
  cpu.nextEip = t;
};

function jcc(cc: number): Handler {
  return (cpu, insn) => {
    if (!cpu.testCC(cc)) return;
    checkCsLimit(cpu, insn.target);
    cpu.nextEip = insn.target;
  };
}

const callRel: Handler = (cpu, insn) => {
  const t = insn.target;
  checkCsLimit(cpu, t);
  cpu.push(insn.opSize, cpu.nextEip);
  cpu.nextEip = t;
};

const callEv: Handler = (cpu, insn) => {
  const t = cpu.getOp(insn, 0, insn.opSize);
  checkCsLimit(cpu, t);
  cpu.push(insn.opSize, cpu.nextEip);
  cpu.nextEip = t;
};

/** RET [imm16]: the release uses the stack width. */
function retNear(withImm: boolean): Handler {
  return (cpu, insn) => {
    const bits = insn.opSize;
    const t = cpu.peek(bits);
    checkCsLimit(cpu, t);
    cpu.adjustSp((bits >> 3) + (withImm ? insn.imm & 0xffff : 0));
    cpu.nextEip = t;
  };
}

// ---- far transfers ------------------------------------------------------------------

/** Reads a far pointer m16:16/m16:32 into `farPtr` (offset, selector). */
const farPtr = { offset: 0, selector: 0 };
function readFarPointer(cpu: Cpu, insn: Instruction): void {
  const n = insn.opSize >> 3;
  const lin = cpu.memLinear(insn, n + 2);
  farPtr.offset = cpu.readN(lin, insn.opSize);
  farPtr.selector = cpu.read16((lin + n) | 0);
}

function farJump(cpu: Cpu, selector: number, offset: number, bits: number): void {
  if (cpu.protectedMode()) {
    protectedControl.farJump(cpu, selector, offset, bits);
    return;
  }
  checkCsLimit(cpu, offset);
  cpu.loadSegment(SEG_CS, selector);
  cpu.nextEip = offset;
}

/** Real/v8086 far CALL: both slots are checked, then CS and the return offset pushed. */
function farCall(cpu: Cpu, selector: number, offset: number, bits: number): void {
  if (cpu.protectedMode()) {
    protectedControl.farCall(cpu, selector, offset, bits);
    return;
  }
  const n = bits >> 3;
  checkCsLimit(cpu, offset);
  const s32 = cpu.stack32();
  const sp = stackPointer(cpu, s32);
  const linCs = probeWrite(cpu, SEG_SS, stackOffset(s32, sp, -n), n);
  const linIp = probeWrite(cpu, SEG_SS, stackOffset(s32, sp, -2 * n), n);
  cpu.writeN(linCs, bits, cpu.segSel[SEG_CS] as number); // 32-bit: zero-extended selector
  cpu.writeN(linIp, bits, cpu.nextEip);
  setStackPointer(cpu, s32, stackOffset(s32, sp, -2 * n));
  cpu.loadSegment(SEG_CS, selector);
  cpu.nextEip = offset;
}

function retFar(withImm: boolean): Handler {
  return (cpu, insn) => {
    const bits = insn.opSize;
    const n = bits >> 3;
    const imm = withImm ? insn.imm & 0xffff : 0;
    if (cpu.protectedMode()) {
      protectedControl.farReturn(cpu, bits, imm);
      return;
    }
    const offset = cpu.peek(bits);
    const selector = cpu.peek(bits, n) & 0xffff;
    checkCsLimit(cpu, offset);
    cpu.loadSegment(SEG_CS, selector);
    cpu.adjustSp(2 * n + imm);
    cpu.nextEip = offset;
  };
}

// ---- loops --------------------------------------------------------------------------

/** LOOP (kind 0), LOOPE (1), LOOPNE (2): the count register is CX or ECX by address size. */
function loop(kind: number): Handler {
  return (cpu, insn) => {
    const a32 = insn.adSize === 32;
    const count = a32 ? ((cpu.reg32[1] as number) - 1) | 0 : ((cpu.reg16[2] as number) - 1) & 0xffff;
    let taken = count !== 0;
    if (taken && kind !== 0) taken = (cpu.zf() !== 0) === (kind === 1);
    if (taken) checkCsLimit(cpu, insn.target);
    if (a32) cpu.reg32[1] = count;
    else cpu.reg16[2] = count;
    if (taken) cpu.nextEip = insn.target;
  };
}

const jcxz: Handler = (cpu, insn) => {
  const count = insn.adSize === 32 ? (cpu.reg32[1] as number) : (cpu.reg16[2] as number);
  if (count !== 0) return;
  checkCsLimit(cpu, insn.target);
  cpu.nextEip = insn.target;
};

// ---- interrupts ---------------------------------------------------------------------

/**
 * Raises interrupt `vector` after the current instruction. Real mode (not hosted): the
 * IVT delivery happens here, so a fault while pushing is an ordinary fault of this
 * instruction. Otherwise `raiseAfter` lets the run loop deliver it (IDT, or a hosted Trap)
 * with the EIP of the next instruction.
 */
function interruptAfter(cpu: Cpu, vector: number, software: boolean): void {
  if (!cpu.hosted && (cpu.cr0 & CR0_PE) === 0) {
    cpu.deliverReal(vector, cpu.nextEip);
    cpu.nextEip = cpu.eip; // deliverReal left the handler's IP in eip
    return;
  }
  cpu.raiseAfter(vector, software);
}

/** INT imm8: IOPL-sensitive in v8086 mode (#GP(0) when IOPL < 3; no VME on this CPU). */
const intIb: Handler = (cpu, insn) => {
  if ((cpu.flagsReg & EFLAGS_VM) !== 0 && (cpu.flagsReg & EFLAGS_IOPL) !== EFLAGS_IOPL) cpu.fault(VEC_GP, 0);
  interruptAfter(cpu, insn.imm & 0xff, true);
};

/** IRET in real mode and in v8086 mode (IOPL 3: IOPL itself is kept); protected mode: the hook. */
const iret: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  const f = cpu.getFlags();
  const vm = (f & EFLAGS_VM) !== 0;
  if ((cpu.cr0 & CR0_PE) !== 0 && !vm) {
    protectedControl.iret(cpu, bits);
    cpu.nmiBlocked = false; // IRET ends the NMI-blocked state
    return;
  }
  if (vm && (f & EFLAGS_IOPL) !== EFLAGS_IOPL) cpu.fault(VEC_GP, 0);
  const n = bits >> 3;
  const offset = cpu.peek(bits);
  const selector = cpu.peek(bits, n) & 0xffff;
  const flags = cpu.peek(bits, 2 * n);
  checkCsLimit(cpu, offset);
  cpu.loadSegment(SEG_CS, selector);
  cpu.adjustSp(3 * n);
  // 32-bit: every flag but VM, VIF, VIP (0x257FD5); 16-bit: the low word. v8086 keeps IOPL.
  let mask = bits === 32 ? 0x257fd5 : 0x7fd5;
  if (vm) mask &= ~EFLAGS_IOPL;
  cpu.setFlags(flags, mask);
  cpu.nextEip = offset;
  cpu.nmiBlocked = false; // IRET ends the NMI-blocked state
};

/** HLT: privileged (#GP(0) at CPL > 0 and in v8086 mode). */
const hlt: Handler = (cpu) => {
  if ((cpu.cr0 & CR0_PE) !== 0 && (cpu.cpl !== 0 || (cpu.flagsReg & EFLAGS_VM) !== 0)) cpu.fault(VEC_GP, 0);
  cpu.halted = true;
};

const table: Record<string, Handler> = {
  Jmp_Jb: jmpRel,
  Jmp_Jz: jmpRel,
  Jmp_Ev: jmpEv,
  Call_Jz: callRel,
  Call_Ev: callEv,
  Ret: retNear(false),
  Ret_Iw: retNear(true),
  Jmp_Ap: (cpu, insn) => farJump(cpu, insn.imm2 & 0xffff, insn.imm, insn.opSize),
  Jmp_Mp: (cpu, insn) => {
    readFarPointer(cpu, insn);
    farJump(cpu, farPtr.selector, farPtr.offset, insn.opSize);
  },
  Call_Ap: (cpu, insn) => farCall(cpu, insn.imm2 & 0xffff, insn.imm, insn.opSize),
  Call_Mp: (cpu, insn) => {
    readFarPointer(cpu, insn);
    farCall(cpu, farPtr.selector, farPtr.offset, insn.opSize);
  },
  Retf: retFar(false),
  Retf_Iw: retFar(true),
  Loop_Jb: loop(0),
  Loope_Jb: loop(1),
  Loopne_Jb: loop(2),
  Jecxz_Jb: jcxz,
  Int_Ib: intIb,
  Int3: (cpu) => interruptAfter(cpu, 3, true),
  Into: (cpu) => {
    if (cpu.of() !== 0) interruptAfter(cpu, 4, true);
  },
  Int1: (cpu) => interruptAfter(cpu, 1, false),
  Iret: iret,
  Hlt: hlt,
};

const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
CC.forEach((name, cc) => {
  table[`J${name}_Jb`] = jcc(cc);
  table[`J${name}_Jz`] = jcc(cc);
});

defineOps(table);
