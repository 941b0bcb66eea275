// String instructions: MOVS CMPS STOS LODS SCAS INS OUTS in 8/16/32 bits, with
// REP/REPE/REPNE.
//
// The address size selects SI/DI/CX or ESI/EDI/ECX; the source segment is DS or the
// override (`memSeg`), the destination always ES. A REP loop runs inside one handler call,
// but each iteration is an architectural step: SI/DI/CX are written back after every
// iteration, before the next access, so a fault mid-way leaves the registers of the
// completed iterations and EIP at the instruction, which the run loop re-executes after
// the handler returns (restartable, as on the hardware). F2 on a non-comparing string
// instruction acts as REP; REPE/REPNE decide only for CMPS and SCAS.

import { Pfx, type Instruction } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from '../cpu.js';
import { LZ_SUB, widthMask } from '../flags.js';
import { defineOps } from '../handlers.js';
import { EFLAGS_DF, SEG_ES } from '../state.js';
import { ioAllowed } from './io.js';
import { probeWrite } from './stack.js';

const REP = Pfx.REP;
const REPNE = Pfx.REPNE;
const REP_ANY = REP | REPNE;

/** 0: no repeat prefix, 1: REP/REPE (F3), 2: REPNE (F2); with both, the last one counts. */
function repKind(insn: Instruction): number {
  const p = insn.prefixes & REP_ANY;
  if (p === 0) return 0;
  if (p === REP) return 1;
  if (p === REPNE) return 2;
  for (let i = insn.prefixCount - 1; i >= 0; i--) {
    const b = insn.prefixBytes[i];
    if (b === 0xf3) return 1;
    if (b === 0xf2) return 2;
  }
  return 1;
}

const si = (cpu: Cpu, a32: boolean): number => (a32 ? (cpu.reg32[6] as number) : (cpu.reg16[12] as number));
const di = (cpu: Cpu, a32: boolean): number => (a32 ? (cpu.reg32[7] as number) : (cpu.reg16[14] as number));
const count = (cpu: Cpu, a32: boolean): number => (a32 ? (cpu.reg32[1] as number) : (cpu.reg16[2] as number));

function stepSi(cpu: Cpu, a32: boolean, d: number): void {
  if (a32) cpu.reg32[6] = ((cpu.reg32[6] as number) + d) | 0;
  else cpu.reg16[12] = (cpu.reg16[12] as number) + d;
}
function stepDi(cpu: Cpu, a32: boolean, d: number): void {
  if (a32) cpu.reg32[7] = ((cpu.reg32[7] as number) + d) | 0;
  else cpu.reg16[14] = (cpu.reg16[14] as number) + d;
}
/** Decrements the count register; returns the new count (0 ends the loop). */
function decCount(cpu: Cpu, a32: boolean): number {
  if (a32) return (cpu.reg32[1] = ((cpu.reg32[1] as number) - 1) | 0);
  return (cpu.reg16[2] = (cpu.reg16[2] as number) - 1);
}

const delta = (cpu: Cpu, n: number): number => ((cpu.flagsReg & EFLAGS_DF) !== 0 ? -n : n);

function getAcc(cpu: Cpu, bits: number): number {
  return bits === 8 ? (cpu.reg8[0] as number) : bits === 16 ? (cpu.reg16[0] as number) : (cpu.reg32[0] as number);
}
function setAcc(cpu: Cpu, bits: number, v: number): void {
  if (bits === 8) cpu.reg8[0] = v;
  else if (bits === 16) cpu.reg16[0] = v;
  else cpu.reg32[0] = v;
}

/** The operand width of a form: 8 for the b forms, else the operand size. */
const width = (byte: boolean, insn: Instruction): number => (byte ? 8 : insn.opSize);

function movs(byte: boolean): Handler {
  return (cpu, insn) => {
    const bits = width(byte, insn);
    const n = bits >> 3;
    const a32 = insn.adSize === 32;
    const rep = (insn.prefixes & REP_ANY) !== 0;
    const seg = insn.memSeg;
    const d = delta(cpu, n);
    if (rep && count(cpu, a32) === 0) return;
    for (;;) {
      const v = cpu.readN(cpu.linear(seg, si(cpu, a32), n), bits);
      cpu.writeN(cpu.linear(SEG_ES, di(cpu, a32), n, true), bits, v);
      stepSi(cpu, a32, d);
      stepDi(cpu, a32, d);
      if (!rep || decCount(cpu, a32) === 0) return;
    }
  };
}

function stos(byte: boolean): Handler {
  return (cpu, insn) => {
    const bits = width(byte, insn);
    const n = bits >> 3;
    const a32 = insn.adSize === 32;
    const rep = (insn.prefixes & REP_ANY) !== 0;
    const d = delta(cpu, n);
    const v = getAcc(cpu, bits);
    if (rep && count(cpu, a32) === 0) return;
    for (;;) {
      cpu.writeN(cpu.linear(SEG_ES, di(cpu, a32), n, true), bits, v);
      stepDi(cpu, a32, d);
      if (!rep || decCount(cpu, a32) === 0) return;
    }
  };
}

function lods(byte: boolean): Handler {
  return (cpu, insn) => {
    const bits = width(byte, insn);
    const n = bits >> 3;
    const a32 = insn.adSize === 32;
    const rep = (insn.prefixes & REP_ANY) !== 0;
    const seg = insn.memSeg;
    const d = delta(cpu, n);
    if (rep && count(cpu, a32) === 0) return;
    for (;;) {
      setAcc(cpu, bits, cpu.readN(cpu.linear(seg, si(cpu, a32), n), bits));
      stepSi(cpu, a32, d);
      if (!rep || decCount(cpu, a32) === 0) return;
    }
  };
}

/** CMPS: flags of [seg:SI] - [ES:DI]; REPE stops on ZF = 0, REPNE on ZF = 1. */
function cmps(byte: boolean): Handler {
  return (cpu, insn) => {
    const bits = width(byte, insn);
    const n = bits >> 3;
    const m = widthMask(bits);
    const a32 = insn.adSize === 32;
    const rep = repKind(insn);
    const seg = insn.memSeg;
    const d = delta(cpu, n);
    if (rep !== 0 && count(cpu, a32) === 0) return;
    for (;;) {
      const s = cpu.readN(cpu.linear(seg, si(cpu, a32), n), bits);
      const t = cpu.readN(cpu.linear(SEG_ES, di(cpu, a32), n), bits);
      const r = (s - t) | 0;
      cpu.setArith(LZ_SUB, s, t, r, bits);
      stepSi(cpu, a32, d);
      stepDi(cpu, a32, d);
      if (rep === 0 || decCount(cpu, a32) === 0) return;
      if (((r & m) === 0) !== (rep === 1)) return;
    }
  };
}

/** SCAS: flags of accumulator - [ES:DI]. */
function scas(byte: boolean): Handler {
  return (cpu, insn) => {
    const bits = width(byte, insn);
    const n = bits >> 3;
    const m = widthMask(bits);
    const a32 = insn.adSize === 32;
    const rep = repKind(insn);
    const d = delta(cpu, n);
    const a = getAcc(cpu, bits);
    if (rep !== 0 && count(cpu, a32) === 0) return;
    for (;;) {
      const t = cpu.readN(cpu.linear(SEG_ES, di(cpu, a32), n), bits);
      const r = (a - t) | 0;
      cpu.setArith(LZ_SUB, a, t, r, bits);
      stepDi(cpu, a32, d);
      if (rep === 0 || decCount(cpu, a32) === 0) return;
      if (((r & m) === 0) !== (rep === 1)) return;
    }
  };
}

/**
 * INS: the I/O permission check comes first; the destination is checked (limit, paging)
 * before the port is read, so a faulting iteration has no I/O side effect.
 */
function ins(byte: boolean): Handler {
  return (cpu, insn) => {
    const bits = width(byte, insn);
    const n = bits >> 3;
    const a32 = insn.adSize === 32;
    const rep = (insn.prefixes & REP_ANY) !== 0;
    const port = cpu.reg16[4] as number;
    ioAllowed(cpu, port, n);
    const d = delta(cpu, n);
    if (rep && count(cpu, a32) === 0) return;
    for (;;) {
      const lin = probeWrite(cpu, SEG_ES, di(cpu, a32), n);
      cpu.writeN(lin, bits, cpu.io.read(port, n));
      stepDi(cpu, a32, d);
      if (!rep || decCount(cpu, a32) === 0) return;
    }
  };
}

function outs(byte: boolean): Handler {
  return (cpu, insn) => {
    const bits = width(byte, insn);
    const n = bits >> 3;
    const a32 = insn.adSize === 32;
    const rep = (insn.prefixes & REP_ANY) !== 0;
    const port = cpu.reg16[4] as number;
    ioAllowed(cpu, port, n);
    const seg = insn.memSeg;
    const d = delta(cpu, n);
    if (rep && count(cpu, a32) === 0) return;
    for (;;) {
      cpu.io.write(port, n, cpu.readN(cpu.linear(seg, si(cpu, a32), n), bits));
      stepSi(cpu, a32, d);
      if (!rep || decCount(cpu, a32) === 0) return;
    }
  };
}

defineOps({
  Movs_Yb_Xb: movs(true),
  Movs_Yv_Xv: movs(false),
  Cmps_Xb_Yb: cmps(true),
  Cmps_Xv_Yv: cmps(false),
  Stos_Yb_AL: stos(true),
  Stos_Yv_eAX: stos(false),
  Lods_AL_Xb: lods(true),
  Lods_eAX_Xv: lods(false),
  Scas_AL_Yb: scas(true),
  Scas_eAX_Yv: scas(false),
  Ins_Yb_DX: ins(true),
  Ins_Yv_DX: ins(false),
  Outs_DX_Xb: outs(true),
  Outs_DX_Xv: outs(false),
});
