// XADD, CMPXCHG (8/16/32), CMPXCHG8B.
//
// LOCK changes nothing in a uniprocessor interpreter (the decoder rejects it where the CPU
// raises #UD). Order of effects, for all-or-nothing: the memory destination is written
// first (it is the only write that can fault), then registers, then flags.
//
// CMPXCHG and CMPXCHG8B always write the destination, as the hardware's locked
// read-modify-write does: the new value when the comparison succeeds, the old value when
// it fails (so a read-only destination faults either way). All flags are defined: XADD
// as ADD, CMPXCHG as CMP accumulator, destination; CMPXCHG8B writes ZF only.

import { OpKind } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from '../cpu.js';
import { LZ_ADD, LZ_SUB } from '../flags.js';
import { defineOps } from '../handlers.js';
import { EFLAGS_ZF } from '../state.js';

const KIND_MEM = OpKind.MEM;

function xadd(byte: boolean): Handler {
  return (cpu, insn) => {
    const bits = byte ? 8 : insn.opSize;
    const d = cpu.getOp(insn, 0, bits);
    const s = cpu.getOp(insn, 1, bits);
    const r = (d + s) | 0;
    if (insn.opKind[0] === KIND_MEM) {
      cpu.setOp(insn, 0, bits, r);
      cpu.setOp(insn, 1, bits, d);
    } else {
      // Two registers: SRC <- DEST then DEST <- SUM (the sum wins when they are the same).
      cpu.setOp(insn, 1, bits, d);
      cpu.setOp(insn, 0, bits, r);
    }
    cpu.setArith(LZ_ADD, d, s, r, bits);
  };
}

/** Reads the accumulator of width `bits`. */
function acc(cpu: Cpu, bits: number): number {
  return bits === 8 ? (cpu.reg8[0] as number) : bits === 16 ? (cpu.reg16[0] as number) : (cpu.reg32[0] as number);
}

function cmpxchg(byte: boolean): Handler {
  return (cpu, insn) => {
    const bits = byte ? 8 : insn.opSize;
    const d = cpu.getOp(insn, 0, bits);
    const s = cpu.getOp(insn, 1, bits);
    const a = acc(cpu, bits);
    const mask = bits === 32 ? -1 : (1 << bits) - 1;
    const equal = ((a ^ d) & mask) === 0;
    if (equal) {
      cpu.setOp(insn, 0, bits, s);
    } else {
      cpu.setOp(insn, 0, bits, d); // the locked cycle writes the old value back
      if (bits === 8) cpu.reg8[0] = d;
      else if (bits === 16) cpu.reg16[0] = d;
      else cpu.reg32[0] = d;
    }
    cpu.setArith(LZ_SUB, a, d, (a - d) | 0, bits);
  };
}

const cmpxchg8b: Handler = (cpu, insn) => {
  const lin = cpu.memLinear(insn, 8);
  const lo = cpu.read32(lin);
  const hi = cpu.read32((lin + 4) | 0);
  const equal = lo === (cpu.reg32[0] as number) && hi === (cpu.reg32[2] as number);
  const wlo = equal ? (cpu.reg32[3] as number) : lo;
  const whi = equal ? (cpu.reg32[1] as number) : hi;
  // Both halves must be writable before either is written.
  if ((lin & 0xfff) > 0xff8) cpu.translate((lin + 7) | 0, true);
  cpu.write32(lin, wlo);
  cpu.write32((lin + 4) | 0, whi);
  if (!equal) {
    cpu.reg32[0] = lo;
    cpu.reg32[2] = hi;
  }
  cpu.setFlag(EFLAGS_ZF, equal);
};

defineOps({
  Xadd_Eb_Gb: xadd(true),
  Xadd_Ev_Gv: xadd(false),
  Cmpxchg_Eb_Gb: cmpxchg(true),
  Cmpxchg_Ev_Gv: cmpxchg(false),
  Cmpxchg8b_Mq: cmpxchg8b,
});
