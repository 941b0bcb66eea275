// The stack: PUSH/POP in every form (registers, r/m, immediates, segment registers),
// PUSHA/POPA, PUSHF/POPF with the IOPL rules, ENTER (nesting levels) and LEAVE.
//
// The stack width (SP or ESP) is SS.B; the operand size gives the width of each slot.
// Instructions that write several slots check every slot (limit and paging) before they
// write the first, so a fault leaves memory and registers untouched.

import { OpKind } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import {
  CR0_PE, EFLAGS_IF, EFLAGS_IOPL, EFLAGS_RF, EFLAGS_VM, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS,
  VEC_GP,
} from '../state.js';

const KIND_MEM = OpKind.MEM;

/** Stack offset `sp + delta` wrapped to the stack width. */
export function stackOffset(s32: boolean, sp: number, delta: number): number {
  return s32 ? (sp + delta) | 0 : (sp + delta) & 0xffff;
}

/** Current stack pointer of the stack width (ESP, or SP zero-extended). */
export function stackPointer(cpu: Cpu, s32: boolean): number {
  return s32 ? (cpu.reg32[4] as number) : (cpu.reg16[8] as number);
}

/** Sets the stack pointer of the given width (SP leaves ESP's upper half alone). */
export function setStackPointer(cpu: Cpu, s32: boolean, value: number): void {
  if (s32) cpu.reg32[4] = value;
  else cpu.reg16[8] = value;
}

/**
 * Checks that `bytes` at `offset` in `seg` can be written (limit, segment type, paging)
 * without writing; returns the linear address. Used before multi-slot writes.
 */
export function probeWrite(cpu: Cpu, seg: number, offset: number, bytes: number): number {
  const lin = cpu.linear(seg, offset, bytes, true);
  cpu.translate(lin, true);
  if (((lin & 0xfff) + bytes) > 0x1000) cpu.translate((lin + bytes - 1) | 0, true);
  return lin;
}

/** Checks that `bytes` at `offset` in `seg` can be read; returns the linear address. */
export function probeRead(cpu: Cpu, seg: number, offset: number, bytes: number): number {
  const lin = cpu.linear(seg, offset, bytes);
  cpu.translate(lin, false);
  if (((lin & 0xfff) + bytes) > 0x1000) cpu.translate((lin + bytes - 1) | 0, false);
  return lin;
}

// ---- PUSH / POP ---------------------------------------------------------------------

/** PUSH r/m, reg, imm: the operand is read first (PUSH ESP pushes the old value). */
const push: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  cpu.push(bits, cpu.getOp(insn, 0, bits));
};

const popReg: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  const v = cpu.pop(bits); // POP ESP: the popped value overwrites the increment
  cpu.setReg(insn.opReg[0] as number, v);
};

/**
 * POP r/m: an ESP-based address is computed with ESP already incremented (SDM POP); if
 * the write faults, ESP is restored.
 */
const popEv: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  const v = cpu.peek(bits);
  if (insn.opKind[0] !== KIND_MEM) {
    cpu.adjustSp(bits >> 3);
    cpu.setReg(insn.opReg[0] as number, v);
    return;
  }
  const oldEsp = cpu.reg32[4] as number;
  cpu.adjustSp(bits >> 3);
  try {
    cpu.setOp(insn, 0, bits, v);
  } catch (e) {
    cpu.reg32[4] = oldEsp;
    throw e;
  }
};

/**
 * PUSH Sreg: with a 32-bit operand size the P6 decrements by 4 and writes only the low
 * 16 bits (the upper half of the slot keeps its old contents).
 */
function pushSeg(seg: number): Handler {
  return (cpu, insn) => {
    const n = insn.opSize >> 3;
    const s32 = cpu.stack32();
    const sp = stackOffset(s32, stackPointer(cpu, s32), -n);
    const lin = probeWrite(cpu, SEG_SS, sp, n);
    cpu.write16(lin, cpu.segSel[seg] as number);
    setStackPointer(cpu, s32, sp);
  };
}

/**
 * POP Sreg: the load (with its checks) comes before the stack pointer moves; the increment
 * uses the stack width in force before the load (POP SS). POP SS inhibits interrupts for
 * one instruction.
 */
function popSeg(seg: number): Handler {
  return (cpu, insn) => {
    const n = insn.opSize >> 3;
    const s32 = cpu.stack32();
    const sp = stackPointer(cpu, s32);
    const v = cpu.peek(insn.opSize) & 0xffff;
    cpu.loadSegment(seg, v);
    setStackPointer(cpu, s32, stackOffset(s32, sp, n));
    if (seg === SEG_SS) cpu.inhibitInterrupts = true;
  };
}

// ---- PUSHA / POPA -------------------------------------------------------------------

/** PUSHA/PUSHAD: EAX ECX EDX EBX (original ESP) EBP ESI EDI; every slot is checked first. */
const pusha: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  const n = bits >> 3;
  const s32 = cpu.stack32();
  const sp = stackPointer(cpu, s32);
  for (let r = 1; r <= 8; r++) probeWrite(cpu, SEG_SS, stackOffset(s32, sp, -r * n), n);
  for (let r = 0; r < 8; r++) {
    const v = bits === 32 ? (cpu.reg32[r] as number) : (cpu.reg16[r << 1] as number);
    cpu.writeN(cpu.linear(SEG_SS, stackOffset(s32, sp, -(r + 1) * n), n, true), bits, v);
  }
  setStackPointer(cpu, s32, stackOffset(s32, sp, -8 * n));
};

const popaBuf = new Int32Array(8);

/** POPA/POPAD: EDI ESI EBP (skipped) EBX EDX ECX EAX; all read before any register changes. */
const popa: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  const n = bits >> 3;
  const s32 = cpu.stack32();
  const sp = stackPointer(cpu, s32);
  for (let j = 0; j < 8; j++) {
    popaBuf[7 - j] = cpu.readN(cpu.linear(SEG_SS, stackOffset(s32, sp, j * n), n), bits);
  }
  for (let r = 0; r < 8; r++) {
    if (r === 4) continue;
    if (bits === 32) cpu.reg32[r] = popaBuf[r] as number;
    else cpu.reg16[r << 1] = popaBuf[r] as number;
  }
  setStackPointer(cpu, s32, stackOffset(s32, sp, 8 * n));
};

// ---- PUSHF / POPF -------------------------------------------------------------------

/** Flags POPF may write with a 32-bit operand at CPL 0: all but VM, VIF, VIP (RF is cleared). */
const POPF_MASK32 = 0x257fd5;
/** The non-reserved flags of the low word. */
const POPF_MASK16 = 0x7fd5;

/** PUSHF/PUSHFD: the image has VM and RF clear. In v8086 mode with IOPL < 3: #GP(0). */
const pushf: Handler = (cpu, insn) => {
  const f = cpu.getFlags();
  if ((f & EFLAGS_VM) !== 0 && (f & EFLAGS_IOPL) !== EFLAGS_IOPL) cpu.fault(VEC_GP, 0);
  cpu.push(insn.opSize, f & ~(EFLAGS_VM | EFLAGS_RF));
};

/**
 * POPF/POPFD (SDM POPF): real mode and CPL 0 may change IOPL and IF; CPL <= IOPL keeps
 * IOPL; CPL > IOPL keeps IOPL and IF (silently); v8086 mode needs IOPL = 3 (#GP(0)
 * otherwise) and keeps IOPL. VM, VIF and VIP never change; a 32-bit POPF clears RF.
 */
const popf: Handler = (cpu, insn) => {
  const f = cpu.getFlags();
  const iopl = (f >> 12) & 3;
  const vm = (f & EFLAGS_VM) !== 0;
  if (vm && iopl !== 3) cpu.fault(VEC_GP, 0);
  const bits = insn.opSize;
  const v = cpu.pop(bits);
  let mask = bits === 32 ? POPF_MASK32 : POPF_MASK16;
  if ((cpu.cr0 & CR0_PE) !== 0) {
    if (vm) mask &= ~EFLAGS_IOPL;
    else if (cpu.cpl > 0) {
      mask &= ~EFLAGS_IOPL;
      if (cpu.cpl > iopl) mask &= ~EFLAGS_IF;
    }
  }
  cpu.setFlags(v & ~EFLAGS_RF, mask);
};

// ---- ENTER / LEAVE ------------------------------------------------------------------

/**
 * ENTER imm16, imm8 (SDM ENTER): push rBP; copy level-1 frame pointers from [rBP - i*n]
 * (rBP walked as EBP or BP by the stack width, in a temporary); push the new frame
 * pointer; rBP = frame; rSP -= imm16. Every slot written, every pointer read and the final
 * stack top are checked before the first write.
 */
const enter: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  const n = bits >> 3;
  const alloc = insn.imm & 0xffff;
  const level = insn.imm2 & 31;
  const s32 = cpu.stack32();
  const sp = stackPointer(cpu, s32);
  const bp = s32 ? (cpu.reg32[5] as number) : (cpu.reg16[10] as number);
  const pushes = level === 0 ? 1 : level + 1;
  const frame = stackOffset(s32, sp, -n);
  const finalSp = stackOffset(s32, sp, -pushes * n - alloc);
  // Checks: every slot, every frame pointer read, and the final top of stack.
  for (let k = 1; k <= pushes; k++) probeWrite(cpu, SEG_SS, stackOffset(s32, sp, -k * n), n);
  for (let i = 1; i < level; i++) probeRead(cpu, SEG_SS, stackOffset(s32, bp, -i * n), n);
  probeWrite(cpu, SEG_SS, finalSp, n);
  // The writes (in the hardware's order: a copied pointer may come from a slot just written).
  const ebpVal = bits === 32 ? (cpu.reg32[5] as number) : (cpu.reg16[10] as number);
  cpu.writeN(cpu.linear(SEG_SS, frame, n, true), bits, ebpVal);
  for (let i = 1; i < level; i++) {
    const v = cpu.readN(cpu.linear(SEG_SS, stackOffset(s32, bp, -i * n), n), bits);
    cpu.writeN(cpu.linear(SEG_SS, stackOffset(s32, sp, -(i + 1) * n), n, true), bits, v);
  }
  if (level > 0) cpu.writeN(cpu.linear(SEG_SS, stackOffset(s32, sp, -(level + 1) * n), n, true), bits, frame);
  if (bits === 32) cpu.reg32[5] = frame;
  else cpu.reg16[10] = frame;
  setStackPointer(cpu, s32, finalSp);
};

/** LEAVE: rSP = rBP (by the stack width), then pop rBP (by the operand size). */
const leave: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  const s32 = cpu.stack32();
  const bp = s32 ? (cpu.reg32[5] as number) : (cpu.reg16[10] as number);
  const v = cpu.readN(cpu.linear(SEG_SS, bp, bits >> 3), bits);
  setStackPointer(cpu, s32, stackOffset(s32, bp, bits >> 3));
  if (bits === 32) cpu.reg32[5] = v;
  else cpu.reg16[10] = v;
};

defineOps({
  Push_Zv: push,
  Push_Ev: push,
  Push_Iz: push,
  Push_sIb: push,
  Pop_Zv: popReg,
  Pop_Ev: popEv,
  Push_ES: pushSeg(SEG_ES),
  Push_CS: pushSeg(SEG_CS),
  Push_SS: pushSeg(SEG_SS),
  Push_DS: pushSeg(SEG_DS),
  Push_FS: pushSeg(SEG_FS),
  Push_GS: pushSeg(SEG_GS),
  Pop_ES: popSeg(SEG_ES),
  Pop_SS: popSeg(SEG_SS),
  Pop_DS: popSeg(SEG_DS),
  Pop_FS: popSeg(SEG_FS),
  Pop_GS: popSeg(SEG_GS),
  Pusha: pusha,
  Popa: popa,
  Pushf: pushf,
  Popf: popf,
  Enter_Iw_Ib: enter,
  Leave: leave,
});
