// Data movement: MOV in every form, MOVZX/MOVSX, LEA, XCHG, CBW/CWD family, LAHF/SAHF,
// XLAT, BSWAP, CMOVcc, SETcc, segment-register moves and the NOPs.

import type { Instruction } from '@vmm86/x86-decoder';
import type { Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import { EFLAGS_AF, EFLAGS_CF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF, SEG_SS } from '../state.js';

const width = (letter: string, insn: Instruction): number => (letter === 'b' ? 8 : letter === 'w' ? 16 : insn.opSize);

function mov(dst: string, src: string): Handler {
  return (cpu, insn) => {
    const bits = width(dst, insn);
    cpu.setOp(insn, 0, bits, cpu.getOp(insn, 1, width(src, insn)));
  };
}

const table: Record<string, Handler> = {
  Mov_Eb_Gb: mov('b', 'b'),
  Mov_Ev_Gv: mov('v', 'v'),
  Mov_Gb_Eb: mov('b', 'b'),
  Mov_Gv_Ev: mov('v', 'v'),
  Mov_AL_Ob: mov('b', 'b'),
  Mov_eAX_Ov: mov('v', 'v'),
  Mov_Ob_AL: mov('b', 'b'),
  Mov_Ov_eAX: mov('v', 'v'),
  Mov_Zb_Ib: mov('b', 'b'),
  Mov_Zv_Iz: mov('v', 'v'),
  Mov_Eb_Ib: mov('b', 'b'),
  Mov_Ev_Iz: mov('v', 'v'),
  Movzx_Gv_Eb: (cpu, insn) => cpu.setOp(insn, 0, insn.opSize, cpu.getOp(insn, 1, 8)),
  Movzx_Gv_Ew: (cpu, insn) => cpu.setOp(insn, 0, insn.opSize, cpu.getOp(insn, 1, 16)),
  Movsx_Gv_Eb: (cpu, insn) => cpu.setOp(insn, 0, insn.opSize, (cpu.getOp(insn, 1, 8) << 24) >> 24),
  Movsx_Gv_Ew: (cpu, insn) => cpu.setOp(insn, 0, insn.opSize, (cpu.getOp(insn, 1, 16) << 16) >> 16),
  // LEA: the offset only, truncated to the operand size (no segment, no access).
  Lea_Gv_M: (cpu, insn) => cpu.setOp(insn, 0, insn.opSize, cpu.effectiveAddress(insn)),
  Nop: () => {},
  Pause: () => {},
  Nop_Ev: () => {},
  Xchg_Zv_eAX: (cpu, insn) => {
    const bits = insn.opSize;
    const a = cpu.getOp(insn, 0, bits);
    cpu.setOp(insn, 0, bits, cpu.getOp(insn, 1, bits));
    cpu.setOp(insn, 1, bits, a);
  },
  // CBW/CWDE and CWD/CDQ are named after their 32-bit forms.
  Cwde: (cpu, insn) => {
    if (insn.opSize === 16) cpu.reg16[0] = ((cpu.reg8[0] as number) << 24) >> 24;
    else cpu.reg32[0] = ((cpu.reg16[0] as number) << 16) >> 16;
  },
  Cdq: (cpu, insn) => {
    if (insn.opSize === 16) cpu.reg16[4] = (cpu.reg16[0] as number) & 0x8000 ? 0xffff : 0;
    else cpu.reg32[2] = (cpu.reg32[0] as number) >> 31;
  },
  Lahf: (cpu) => {
    cpu.reg8[1] = cpu.getFlags() & 0xff;
  },
  Sahf: (cpu) => {
    cpu.setFlags(cpu.reg8[1] as number, EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF | EFLAGS_CF);
  },
  Xlat_Xlat: (cpu, insn) => {
    const off = ((insn.adSize === 16 ? cpu.reg16[6] : cpu.reg32[3]) as number) + (cpu.reg8[0] as number);
    const seg = insn.memSeg;
    cpu.reg8[0] = cpu.read8(cpu.linear(seg, insn.adSize === 16 ? off & 0xffff : off | 0, 1));
  },
  Bswap_Zv: (cpu, insn) => {
    const r = insn.opReg[0] as number;
    if (insn.opSize === 16) {
      cpu.setReg(r, 0); // BSWAP r16 is undefined; the P6 family clears the register
      return;
    }
    const v = cpu.getReg(r);
    cpu.setReg(r, ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24));
  },
  // MOV r/m, Sreg: a register destination takes the selector zero-extended to the operand size.
  Mov_EvMw_Sw: (cpu, insn) => {
    const sel = cpu.segSel[(insn.opReg[1] as number) & 7] as number;
    cpu.setOp(insn, 0, insn.opKind[0] === 2 ? 16 : insn.opSize, sel);
  },
  Mov_Sw_EvMw: (cpu, insn) => {
    const seg = (insn.opReg[0] as number) & 7;
    cpu.loadSegment(seg, cpu.getOp(insn, 1, 16));
    if (seg === SEG_SS) cpu.inhibitInterrupts = true; // one instruction of shadow after MOV SS
  },
};

const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
CC.forEach((name, cc) => {
  // SETcc writes the byte; CMOVcc reads its source (and may fault) even when it does not move.
  table[`Set${name}_Eb`] = (cpu, insn) => cpu.setOp(insn, 0, 8, cpu.testCC(cc) ? 1 : 0);
  table[`Cmov${name}_Gv_Ev`] = (cpu, insn) => {
    const v = cpu.getOp(insn, 1, insn.opSize);
    if (cpu.testCC(cc)) cpu.setOp(insn, 0, insn.opSize, v);
  };
});

function xchg(letter: string): Handler {
  return (cpu, insn) => {
    const bits = width(letter, insn);
    const a = cpu.getOp(insn, 0, bits);
    const b = cpu.getOp(insn, 1, bits);
    cpu.setOp(insn, 0, bits, b);
    cpu.setOp(insn, 1, bits, a);
  };
}
table['Xchg_Eb_Gb'] = xchg('b');
table['Xchg_Ev_Gv'] = xchg('v');

defineOps(table);
