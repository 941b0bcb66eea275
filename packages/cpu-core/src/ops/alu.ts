// ADD OR ADC SBB AND SUB XOR CMP, INC DEC NEG NOT TEST: the two-operand ALU in every form.
//
// One width-parameterised helper per operation (`alu(op, dst, src, bits)`) computes the
// result and records the flags; thin wrappers bind the operand forms. Operand widths come
// from the form's letters: b = 8 bits, v = the operand size (16/32).

import type { Instruction } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from '../cpu.js';
import { LZ_ADC, LZ_ADD, LZ_DEC, LZ_INC, LZ_NEG, LZ_SBB, LZ_SUB } from '../flags.js';
import { defineOps } from '../handlers.js';
import { EFLAGS_CF } from '../state.js';

const ADD = 0;
const OR = 1;
const ADC = 2;
const SBB = 3;
const AND = 4;
const SUB = 5;
const XOR = 6;
const CMP = 7;
const NAMES = ['Add', 'Or', 'Adc', 'Sbb', 'And', 'Sub', 'Xor', 'Cmp'];

/** Applies ALU operation `op` and records its flags; returns the result (CMP: unused). */
export function alu(cpu: Cpu, op: number, dst: number, src: number, bits: number): number {
  let r: number;
  switch (op) {
    case ADD:
      r = (dst + src) | 0;
      cpu.setArith(LZ_ADD, dst, src, r, bits);
      return r;
    case OR:
      r = dst | src;
      cpu.setResult(r, bits, 0);
      return r;
    case ADC: {
      const c = cpu.cf();
      r = (dst + src + c) | 0;
      cpu.setArith(c ? LZ_ADC : LZ_ADD, dst, src, r, bits);
      return r;
    }
    case SBB: {
      const c = cpu.cf();
      r = (dst - src - c) | 0;
      cpu.setArith(c ? LZ_SBB : LZ_SUB, dst, src, r, bits);
      return r;
    }
    case AND:
      r = dst & src;
      cpu.setResult(r, bits, 0);
      return r;
    case XOR:
      r = dst ^ src;
      cpu.setResult(r, bits, 0);
      return r;
    case SUB:
    case CMP:
    default:
      r = (dst - src) | 0;
      cpu.setArith(LZ_SUB, dst, src, r, bits);
      return r;
  }
}

const width = (letter: string, insn: Instruction): number => (letter === 'b' ? 8 : insn.opSize);

/** The result of ALU operation `op` alone (no flags), with the carry-in `c` for ADC/SBB. */
function aluValue(op: number, d: number, s: number, c: number): number {
  switch (op) {
    case ADD:
      return (d + s) | 0;
    case OR:
      return d | s;
    case ADC:
      return (d + s + c) | 0;
    case SBB:
      return (d - s - c) | 0;
    case AND:
      return d & s;
    case XOR:
      return d ^ s;
    default:
      return (d - s) | 0;
  }
}

function binary(op: number, dstLetter: string): Handler {
  const write = op !== CMP;
  return (cpu, insn) => {
    const bits = width(dstLetter, insn);
    const d = cpu.getOp(insn, 0, bits);
    const s = cpu.getOp(insn, 1, bits);
    // The destination is written before the flags change, so a faulting write-back
    // (a read-only page under a read-modify-write) leaves the flags as they were.
    if (write) cpu.setOp(insn, 0, bits, aluValue(op, d, s, op === ADC || op === SBB ? cpu.cf() : 0));
    alu(cpu, op, d, s, bits);
  };
}

const table: Record<string, Handler> = {};
NAMES.forEach((n, op) => {
  for (const [ops, dstLetter] of [
    ['Eb_Gb', 'b'], ['Ev_Gv', 'v'], ['Gb_Eb', 'b'], ['Gv_Ev', 'v'], ['AL_Ib', 'b'], ['eAX_Iz', 'v'],
    ['Eb_Ib', 'b'], ['Ev_Iz', 'v'], ['Ev_sIb', 'v'],
  ] as const) {
    table[`${n}_${ops}`] = binary(op, dstLetter);
  }
});

function test(letter: string): Handler {
  return (cpu, insn) => {
    const bits = width(letter, insn);
    cpu.setResult(cpu.getOp(insn, 0, bits) & cpu.getOp(insn, 1, bits), bits, 0);
  };
}
for (const [ops, l] of [['Eb_Gb', 'b'], ['Ev_Gv', 'v'], ['AL_Ib', 'b'], ['eAX_Iz', 'v'], ['Eb_Ib', 'b'], ['Ev_Iz', 'v']] as const) {
  table[`Test_${ops}`] = test(l);
}

function incDec(dec: boolean, letter: string): Handler {
  return (cpu, insn) => {
    const bits = width(letter, insn);
    const d = cpu.getOp(insn, 0, bits);
    const r = dec ? (d - 1) | 0 : (d + 1) | 0;
    cpu.setOp(insn, 0, bits, r);
    cpu.setIncDec(dec ? LZ_DEC : LZ_INC, d, r, bits);
  };
}
table['Inc_Zv'] = incDec(false, 'v');
table['Dec_Zv'] = incDec(true, 'v');
table['Inc_Eb'] = incDec(false, 'b');
table['Dec_Eb'] = incDec(true, 'b');
table['Inc_Ev'] = incDec(false, 'v');
table['Dec_Ev'] = incDec(true, 'v');

function neg(letter: string): Handler {
  return (cpu, insn) => {
    const bits = width(letter, insn);
    const d = cpu.getOp(insn, 0, bits);
    const r = -d | 0;
    cpu.setOp(insn, 0, bits, r);
    cpu.setArith(LZ_NEG, 0, d, r, bits);
  };
}
table['Neg_Eb'] = neg('b');
table['Neg_Ev'] = neg('v');

function not(letter: string): Handler {
  return (cpu, insn) => {
    const bits = width(letter, insn);
    cpu.setOp(insn, 0, bits, ~cpu.getOp(insn, 0, bits));
  };
}
table['Not_Eb'] = not('b');
table['Not_Ev'] = not('v');

/** CLC/STC/CMC: the carry flag alone. */
table['Clc'] = (cpu) => cpu.setFlag(EFLAGS_CF, false);
table['Stc'] = (cpu) => cpu.setFlag(EFLAGS_CF, true);
table['Cmc'] = (cpu) => cpu.setFlag(EFLAGS_CF, cpu.cf() === 0);

defineOps(table);
