// MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV.
//
// Widths: the one-operand forms take AL/AX/EAX (and AH/DX/EDX) implicitly; 32 x 32 -> 64
// products and 64 / 32 divisions are computed exactly with 16-bit limbs in doubles (no
// BigInt, nothing allocated). DIV/IDIV raise #DE (vector 0) on a zero divisor and on a
// quotient that does not fit the destination, before any register changes; IDIV accepts
// the most negative quotient (-128 / -32768 / -2^31), as every CPU since the 286 does.
//
// Flags: MUL/IMUL define CF = OF (the upper half is significant / the product did not fit
// the destination sign-extended); SF, ZF, AF, PF are undefined. DIV/IDIV leave all six
// undefined. What we produce (P6, as Bochs models it):
//
// | instruction | undefined per SDM      | value we produce                                          |
// |-------------|------------------------|-----------------------------------------------------------|
// | MUL, IMUL   | SF ZF AF PF            | SF/ZF/PF from the low half of the product (AL/AX/EAX or   |
// |             |                        | the destination of the 2/3-operand forms); AF = 0         |
// | DIV, IDIV   | CF OF SF ZF AF PF      | unchanged                                                 |

import type { Cpu, Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import { EFLAGS_AF, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF, VEC_DE } from '../state.js';
import type { UndefinedFlagsRule } from './shift.js';

/** The multiply/divide rows of the undefined-flags table. */
export const MULDIV_UNDEFINED_FLAGS: readonly UndefinedFlagsRule[] = [
  { mnemonics: ['mul', 'imul'], when: 'always', flags: EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF, value: 'SF/ZF/PF from the low half of the product, AF = 0' },
  { mnemonics: ['div', 'idiv'], when: 'always', flags: EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF, value: 'unchanged' },
];

/** High 32 bits of the last `mulU32`/`mulS32` (int32). */
let hi32 = 0;

/** Unsigned 32 x 32 -> 64 multiply: returns the low half, leaves the high half in `hi32`. */
function mulU32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl; // < 2^32
  const mid = ah * bl + al * bh + (ll >>> 16); // < 2^34: exact
  const hi = ah * bh + Math.floor(mid / 65536);
  hi32 = hi | 0;
  return ((mid << 16) | (ll & 0xffff)) | 0;
}

/** Signed 32 x 32 -> 64 multiply: low half returned, high half in `hi32`. */
function mulS32(a: number, b: number): number {
  const lo = mulU32(a, b);
  let hi = hi32;
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  hi32 = hi;
  return lo;
}

/** MUL/IMUL flags: CF = OF = `overflow`; SF/ZF/PF from `low`, AF = 0. */
function mulFlags(cpu: Cpu, low: number, bits: number, overflow: boolean): void {
  cpu.setResult(low, bits, overflow ? EFLAGS_CF | EFLAGS_OF : 0);
}

const mulEb: Handler = (cpu, insn) => {
  const p = (cpu.reg8[0] as number) * cpu.getOp(insn, 0, 8);
  cpu.reg16[0] = p;
  mulFlags(cpu, p & 0xff, 8, p > 0xff);
};

const imulEb: Handler = (cpu, insn) => {
  const p = (((cpu.reg8[0] as number) << 24) >> 24) * ((cpu.getOp(insn, 0, 8) << 24) >> 24);
  cpu.reg16[0] = p;
  mulFlags(cpu, p & 0xff, 8, p !== (p << 24) >> 24);
};

const mulEv: Handler = (cpu, insn) => {
  if (insn.opSize === 16) {
    const p = (cpu.reg16[0] as number) * cpu.getOp(insn, 0, 16);
    cpu.reg16[0] = p;
    cpu.reg16[4] = p >>> 16;
    mulFlags(cpu, p, 16, p > 0xffff);
  } else {
    const lo = mulU32(cpu.reg32[0] as number, cpu.getOp(insn, 0, 32));
    cpu.reg32[0] = lo;
    cpu.reg32[2] = hi32;
    mulFlags(cpu, lo, 32, hi32 !== 0);
  }
};

const imulEv: Handler = (cpu, insn) => {
  if (insn.opSize === 16) {
    const p = (((cpu.reg16[0] as number) << 16) >> 16) * ((cpu.getOp(insn, 0, 16) << 16) >> 16);
    cpu.reg16[0] = p;
    cpu.reg16[4] = p >> 16;
    mulFlags(cpu, p, 16, p !== (p << 16) >> 16);
  } else {
    const lo = mulS32(cpu.reg32[0] as number, cpu.getOp(insn, 0, 32));
    cpu.reg32[0] = lo;
    cpu.reg32[2] = hi32;
    mulFlags(cpu, lo, 32, hi32 !== lo >> 31);
  }
};

/** Signed a * b truncated to `bits`; sets the IMUL flags; returns the truncated product. */
function imulTrunc(cpu: Cpu, a: number, b: number, bits: number): number {
  if (bits === 16) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    mulFlags(cpu, p, 16, p !== (p << 16) >> 16);
    return p;
  }
  const lo = mulS32(a | 0, b | 0);
  mulFlags(cpu, lo, 32, hi32 !== lo >> 31);
  return lo;
}

/** IMUL Gv, Ev: destination = destination * source. */
const imulGvEv: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  const a = cpu.getOp(insn, 0, bits);
  const b = cpu.getOp(insn, 1, bits);
  cpu.setOp(insn, 0, bits, imulTrunc(cpu, a, b, bits));
};

/** IMUL Gv, Ev, imm: destination = source * immediate (already sign-extended by the decoder). */
const imulGvEvI: Handler = (cpu, insn) => {
  const bits = insn.opSize;
  const a = cpu.getOp(insn, 1, bits);
  const b = cpu.getOp(insn, 2, bits);
  cpu.setOp(insn, 0, bits, imulTrunc(cpu, a, b, bits));
};

const divEb: Handler = (cpu, insn) => {
  const d = cpu.getOp(insn, 0, 8);
  if (d === 0) cpu.fault(VEC_DE);
  const n = cpu.reg16[0] as number;
  const q = Math.floor(n / d);
  if (q > 0xff) cpu.fault(VEC_DE);
  cpu.reg8[0] = q;
  cpu.reg8[1] = n - q * d;
};

const idivEb: Handler = (cpu, insn) => {
  const d = (cpu.getOp(insn, 0, 8) << 24) >> 24;
  if (d === 0) cpu.fault(VEC_DE);
  const n = ((cpu.reg16[0] as number) << 16) >> 16;
  const q = Math.trunc(n / d);
  if (q > 127 || q < -128) cpu.fault(VEC_DE);
  cpu.reg8[0] = q;
  cpu.reg8[1] = n - q * d;
};

/** Quotient and remainder of the last `divU64` (unsigned, as plain numbers). */
let divQ = 0;
let divR = 0;

/**
 * Unsigned (hi:lo) / d with hi < d (so the quotient fits 32 bits); all values unsigned
 * numbers below 2^32. Exact: every intermediate is below 2^48.
 */
function divU64(hi: number, lo: number, d: number): void {
  let x = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(x / d);
  x = (x - q1 * d) * 65536 + (lo & 0xffff);
  const q0 = Math.floor(x / d);
  divQ = q1 * 65536 + q0;
  divR = x - q0 * d;
}

const divEv: Handler = (cpu, insn) => {
  if (insn.opSize === 16) {
    const d = cpu.getOp(insn, 0, 16);
    if (d === 0) cpu.fault(VEC_DE);
    const n = (cpu.reg16[4] as number) * 65536 + (cpu.reg16[0] as number);
    const q = Math.floor(n / d);
    if (q > 0xffff) cpu.fault(VEC_DE);
    cpu.reg16[0] = q;
    cpu.reg16[4] = n - q * d;
    return;
  }
  const d = cpu.getOp(insn, 0, 32) >>> 0;
  if (d === 0) cpu.fault(VEC_DE);
  const hi = (cpu.reg32[2] as number) >>> 0;
  if (hi >= d) cpu.fault(VEC_DE);
  divU64(hi, (cpu.reg32[0] as number) >>> 0, d);
  cpu.reg32[0] = divQ;
  cpu.reg32[2] = divR;
};

const idivEv: Handler = (cpu, insn) => {
  if (insn.opSize === 16) {
    const d = (cpu.getOp(insn, 0, 16) << 16) >> 16;
    if (d === 0) cpu.fault(VEC_DE);
    const n = ((cpu.reg16[4] as number) << 16) | (cpu.reg16[0] as number);
    const q = Math.trunc(n / d);
    if (q > 32767 || q < -32768) cpu.fault(VEC_DE);
    cpu.reg16[0] = q;
    cpu.reg16[4] = n - q * d;
    return;
  }
  const ds = cpu.getOp(insn, 0, 32) | 0;
  if (ds === 0) cpu.fault(VEC_DE);
  let hi = cpu.reg32[2] as number;
  let lo = cpu.reg32[0] as number;
  const negN = hi < 0;
  if (negN) {
    // 64-bit two's complement negation of hi:lo.
    lo = -lo | 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) | 0;
  }
  const negD = ds < 0;
  const d = negD ? -ds >>> 0 : ds; // |d| <= 2^31
  // |n| = hi:lo unsigned (hi < 2^31, or |n| = 2^63 with hi = 0x80000000 as unsigned).
  if (hi >>> 0 >= d) cpu.fault(VEC_DE);
  divU64(hi >>> 0, lo >>> 0, d);
  const negQ = negN !== negD;
  if (negQ ? divQ > 0x80000000 : divQ > 0x7fffffff) cpu.fault(VEC_DE);
  cpu.reg32[0] = negQ ? -divQ : divQ;
  cpu.reg32[2] = negN ? -divR : divR;
};

defineOps({
  Mul_Eb: mulEb,
  Imul_Eb: imulEb,
  Mul_Ev: mulEv,
  Imul_Ev: imulEv,
  Imul_Gv_Ev: imulGvEv,
  Imul_Gv_Ev_Iz: imulGvEvI,
  Imul_Gv_Ev_sIb: imulGvEvI,
  Div_Eb: divEb,
  Idiv_Eb: idivEb,
  Div_Ev: divEv,
  Idiv_Ev: idivEv,
});
