// Seeded generator of random x87 instruction sequences for the instruction-level x87
// differential test (x87-oracle.ts). Every case is an ordinary OracleCase, so the integer
// oracle's native runner (native/oracle-runner.c) and CoreRunner (harness.ts) run it as is.
//
// Shape of a case (all memory operands are [disp32] absolute addresses in the window):
//   prelude   FNINIT; FLDZ x8; FNINIT      every physical register holds +0, TOP = 0, all
//                                         empty (FNINIT keeps register bits, so without
//                                         this the image would show the previous case's
//                                         leftovers, which differ natively and in the core)
//             FLDCW [cw]                  random RC, PC (0, 2, 3), reserved bit 6 set;
//                                         masks 0x3f in ~85% of cases, else random (such
//                                         sequences are short: 1-4 instructions)
//   body      loads (FLD m32/m64/m80, FILD m16/m32/m64, FBLD, FLD ST(i), constants),
//             arithmetic in every form, FSQRT FRNDINT FSCALE FXTRACT FPREM FPREM1, the
//             compares, FTST FXAM FCHS FABS FXCH FCMOVcc FINCSTP FDECSTP FFREE, and the
//             stores FST/FSTP m32/m64/m80/ST(i), FIST/FISTP m16/m32/(m64), FBSTP
//   tail      (masked cases, 1 in 5) FLD m80 of a domain-biased operand (one or two), then
//             one transcendental (FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1) as
//             the last body instruction, so a result the host rounds differently (the
//             1-ulp table in x87-oracle.ts) cannot propagate into later instructions
//   epilogue  FNSTSW AX; FNSAVE [WIN+SAVE_OFF]  (no-wait: a pending unmasked exception
//                                         of the last body instruction is captured, not raised)
// An unmasked exception followed by a waiting instruction raises #MF (vector 16) natively
// and in the core: that is compared as the exit (vector and EIP) plus the registers and
// the stores made so far.
//
// Window layout: operands at 0x000-0x3ff (16-byte slots, patched per case), stores at
// 0x400-0x5ff (16-byte slots), the FNSAVE image at SAVE_OFF = 0x600 (108 bytes).

import { Rng, type GenInsn, type OracleCase } from './generate.js';
import { WIN } from './layout.js';

export const SAVE_OFF = 0x600;
export const SAVE_SIZE = 108;

export const C0 = 0x100;
export const C1 = 0x200;
export const C2 = 0x400;
export const C3 = 0x4000;
export const CC_ALL: number = C0 | C1 | C2 | C3;

/**
 * What an instruction does to the condition codes, per the SDM's "FPU Flags Affected":
 *   c1     C1 defined (stack fault / round-up / 0), C0 C2 C3 undefined  (most instructions)
 *   cmp    C0..C3 all defined (FCOM*, FUCOM*, FICOM*, FTST, FXAM)
 *   trig   C1 and C2 (out of range) defined, C0 C3 undefined (FSIN FCOS FSINCOS FPTAN)
 *   comi   C0 C1 C2 C3 unchanged (FCOMI*, FUCOMI*: the SDM says C1 = 0, the x87 leaves it)
 *   keepc1 C1 unchanged, C0 C2 C3 undefined (FCMOVcc: the x87 leaves C1 without a stack fault)
 *   prem   C2 defined; C0 C3 C1 = quotient bits only when C2 = 0 (undefined when C2 = 1)
 *   undef  all four undefined (FLDCW, FNCLEX, FFREE)
 *   init   all four defined (FNINIT)
 *   none   not affected (FNSTSW, FNSAVE: the epilogue)
 */
export type CcClass = 'c1' | 'trig' | 'cmp' | 'comi' | 'keepc1' | 'prem' | 'undef' | 'init' | 'none';

export interface X87Insn extends GenInsn {
  cc: CcClass;
  /** Label used to group mismatches (mnemonic and operand form). */
  label: string;
}

export interface X87Case extends OracleCase {
  insns: X87Insn[];
  /** Number of prelude instructions (FNINIT, FLDZ x8, FNINIT, FLDCW). */
  prelude: number;
  cw: number;
}

const le = (v: number, n: number): number[] => {
  const o: number[] = [];
  for (let i = 0; i < n; i++) o.push(Math.floor(v / 2 ** (8 * i)) & 0xff);
  return o;
};
const memOp = (op: number, digit: number, off: number): number[] => [op, (digit << 3) | 5, ...le(WIN + off, 4)];

// ---- edge-biased operand bytes ---------------------------------------------------------

function sig64(r: Rng): [number, number] {
  // [hi, lo] of a 64-bit significand (explicit integer bit not forced)
  switch (r.int(8)) {
    case 0: return [0x80000000, 0];
    case 1: return [0xffffffff, 0xffffffff];
    case 2: return [(0x80000000 | r.u32()) >>> 0, r.pick([0, 0x400, 0x3ff, 0x401, 0x800, 0x7ff, 0x80000000, 0x7fffffff, 0x80000001, 0xffffffff, 1])];
    case 3: return [(0x80000000 | r.u32()) >>> 0, ((r.u32() & 0xfffff800) | r.pick([0x400, 0x3ff, 0x401, 0, 0x7ff])) >>> 0];
    case 4: return [(0x80000000 | (r.u32() & 0xffffff00) | r.pick([0x80, 0x7f, 0x81, 0, 0xff])) >>> 0, 0];
    case 5: return [0xffffffff, (0xffffffff - r.int(0x1000)) >>> 0];
    default: return [(0x80000000 | r.u32()) >>> 0, r.u32()];
  }
}

function exp15(r: Rng): number {
  switch (r.int(10)) {
    case 0: return 1 + r.int(70);
    case 1: return 0x7ffe - r.int(70);
    case 2: return 16383 - 126 - 30 + r.int(65);
    case 3: return 16383 - 1022 - 60 + r.int(70);
    case 4: return 16383 + 127 - 3 + r.int(6);
    case 5: return 16383 + 1023 - 3 + r.int(6);
    case 6: return 16383 - 5 + r.int(75);
    default: return 16383 - 200 + r.int(400);
  }
}

/** 10 bytes of an extended-precision value (all classes, incl. unsupported encodings). */
export function f80Bytes(r: Rng): number[] {
  const s = r.int(2) << 15;
  let [hi, lo] = sig64(r);
  let se: number;
  switch (r.int(26)) {
    case 0: se = s; hi = 0; lo = 0; break;
    case 1: se = s; hi = (r.u32() >>> r.int(32)) & 0x7fffffff; lo = r.u32(); break; // denormal
    case 2: se = s; hi = (hi | 0x80000000) >>> 0; break; // pseudo-denormal
    case 3: se = s | (1 + r.int(0x7ffe)); hi &= 0x7fffffff; break; // unnormal
    case 4: se = s | 0x7fff; hi = 0x80000000; lo = 0; break; // infinity
    case 5: se = s | 0x7fff; hi = (0xc0000000 | r.u32()) >>> 0; lo = r.u32(); break; // QNaN
    case 6: se = s | 0x7fff; hi = (0x80000000 | (r.u32() & 0x3fffffff) | 1) >>> 0; lo = r.u32(); break; // SNaN
    case 7: se = s | 0x7fff; hi = r.u32() & 0x7fffffff; lo = r.u32(); break; // pseudo-NaN/-infinity
    case 8: se = s | 0x7ffe; hi = 0xffffffff; lo = 0xffffffff; break;
    case 9: se = s | 1; hi = 0x80000000; lo = 0; break;
    case 10: se = 0xffff; hi = 0xc0000000; lo = 0; break; // indefinite
    case 11: se = s | (16383 + r.int(64)); break; // integers and halves (FRNDINT, FIST, FBSTP)
    case 12: se = s | (16383 + 60 + r.int(8)); break; // near the int64 / BCD range edge
    default: se = s | exp15(r);
  }
  return [...le(lo >>> 0, 4), ...le(hi >>> 0, 4), se & 0xff, (se >> 8) & 0xff];
}

/** 10 bytes of an extended value sign * m * 2^(p - 63), m a 64-bit significand. */
function f80Of(sign: number, p: number, m: bigint): number[] {
  const se = (sign << 15) | (16383 + p);
  const b: number[] = [];
  for (let i = 0n; i < 64n; i += 8n) b.push(Number((m >> i) & 0xffn));
  return [...b, se & 0xff, (se >> 8) & 0xff];
}

/** A transcendental's operand: its domain, near multiples of the x87's pi/2, extremes, specials. */
function transBytes(r: Rng, op: string, second: boolean): number[] {
  const sig = (): bigint => (1n << 63n) | (BigInt(r.u32() & 0x7fffffff) << 32n) | BigInt(r.u32());
  const s = r.int(2);
  if (r.int(6) === 0) return f80Bytes(r);
  if (second) return f80Of(s, r.int(40) - 20, sig()); // y of FPATAN FYL2X FYL2XP1
  switch (op) {
    case 'FPATAN': return f80Of(s, r.int(40) - 20, sig());
    case 'F2XM1': return f80Of(s, -1 - r.int(r.chance(0.2) ? 200 : 12), sig());
    case 'FYL2X': return r.chance(0.3) ? f80Of(0, r.int(3) - 1, (1n << 63n) + BigInt(r.int(4))) : f80Of(0, r.int(60) - 30, sig());
    case 'FYL2XP1': return f80Of(s, -3 - r.int(r.chance(0.2) ? 200 : 12), sig());
    default: {
      if (r.chance(0.4)) {
        // the register nearest k * PI66/2 (k < 2^32), moved by a few ulps
        const v = BigInt(1 + (r.u32() >>> r.int(32))) * 0xc90fdaa22168c234cn;
        const n = v.toString(2).length;
        return f80Of(s, n - 68, (v >> BigInt(n - 64)) + BigInt(r.int(5)) - 2n);
      }
      return f80Of(s, r.int(r.chance(0.2) ? 66 : 8) - (r.chance(0.3) ? 40 : 3), sig());
    }
  }
}

function ieeeBytes(r: Rng, ebits: number, mbits: number): number[] {
  const bias = (1 << (ebits - 1)) - 1;
  const emax = (1 << ebits) - 1;
  let e: number;
  switch (r.int(10)) {
    case 0: e = 0; break;
    case 1: e = emax; break;
    case 2: e = 1 + r.int(3); break;
    case 3: e = emax - 1 - r.int(3); break;
    case 4: e = bias - 3 + r.int(70); break;
    default: e = bias - 40 + r.int(80);
  }
  let m: number; // mantissa as a float (exact up to 52 bits)
  switch (r.int(7)) {
    case 0: m = 0; break;
    case 1: m = 2 ** mbits - 1; break;
    case 2: m = 1; break;
    case 3: m = 2 ** (mbits - 1); break;
    case 4: m = 2 ** (mbits - 1) + 1; break;
    default: m = Math.floor(r.u32() * 2 ** (mbits - 32)) + (mbits > 32 ? r.u32() % 2 ** (mbits - 32) : 0);
  }
  m %= 2 ** mbits;
  const sign = r.int(2);
  const total = ebits + mbits + 1;
  const v = (sign * 2 ** ebits + e) * 2 ** mbits + m; // exact for 32; for 64 build in halves
  if (total === 32) return le(v, 4);
  const hi = (sign << 31) | (e << (mbits - 32)) | Math.floor(m / 2 ** 32);
  return [...le(m % 2 ** 32, 4), ...le(hi >>> 0, 4)];
}

const INT_EDGES = [0, 1, -1, 2, -2, 0x7f, 0x80, 0xff, 0x7fff, -0x8000, 0x8000, 0xffff, 0x7fffffff, -0x80000000, 0x12345678];
function intBytes(r: Rng, n: number): number[] {
  const o: number[] = [];
  const k = r.int(6);
  if (k === 0) { const v = r.pick(INT_EDGES) + r.range(-1, 1); for (let i = 0; i < n; i++) o.push(Math.floor(v / 2 ** (8 * i)) & 0xff); return o; }
  if (k === 1) { for (let i = 0; i < n; i++) o.push(i === n - 1 ? r.pick([0x80, 0x7f, 0xff, 0]) : r.pick([0, 0xff])); return o; }
  if (k === 2) { const v = r.range(-1000, 1000); for (let i = 0; i < n; i++) o.push(Math.floor(v / 2 ** (8 * i)) & 0xff); return o; }
  const top = r.int(n) + 1; // random magnitude
  for (let i = 0; i < n; i++) o.push(i < top ? r.int(256) : (o[top - 1]! & 0x80 ? 0xff : 0));
  return o;
}

/** Valid packed BCD only (FBLD of invalid digits is undefined per the SDM). */
function bcdBytes(r: Rng): number[] {
  const nd = r.pick([0, 1, 2, 5, 10, 17, 18, 18, 18]);
  const o: number[] = [];
  for (let i = 0; i < 9; i++) {
    const d = (k: number): number => (k < nd ? (r.chance(0.3) ? 9 : r.int(10)) : 0);
    o.push(d(2 * i) | (d(2 * i + 1) << 4));
  }
  o.push(r.int(2) << 7);
  return o;
}

// ---- the generator ---------------------------------------------------------------------

type Fmt = 'm32' | 'm64' | 'm80' | 'i16' | 'i32' | 'i64' | 'bcd';

export class X87Generator {
  readonly rng: Rng;
  private insns: X87Insn[] = [];
  private patches: [number, number][] = [];
  private depth = 0;
  private opSlot = 0;
  private stSlot = 0;

  constructor(seed: number) {
    this.rng = new Rng(seed ^ 0x87a5c3e1);
  }

  private emit(bytes: number[], cc: CcClass, label: string, family = 'x87'): void {
    this.insns.push({ bytes, family, cc, label });
  }

  /** Places an operand of the format in a fresh operand slot; returns its window offset. */
  private operand(fmt: Fmt, raw?: number[]): number {
    const r = this.rng;
    const off = (this.opSlot++ % 64) * 16;
    const b = raw !== undefined ? raw.slice() : fmt === 'm32' ? ieeeBytes(r, 8, 23) : fmt === 'm64' ? ieeeBytes(r, 11, 52) : fmt === 'm80' ? f80Bytes(r)
      : fmt === 'i16' ? intBytes(r, 2) : fmt === 'i32' ? intBytes(r, 4) : fmt === 'i64' ? intBytes(r, 8) : bcdBytes(r);
    while (b.length % 4 !== 0) b.push(r.int(256));
    for (let i = 0; i < b.length; i += 4) this.patches.push([off + i, (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0]);
    return off;
  }

  private storeSlot(): number {
    return 0x400 + (this.stSlot++ % 32) * 16;
  }

  private sti(): number {
    const r = this.rng;
    // mostly a live register, sometimes any (stack underflow)
    if (this.depth > 1 && r.chance(0.9)) return r.int(this.depth);
    return r.int(8);
  }

  private load(): void {
    const r = this.rng;
    const k = r.int(20);
    if (k < 4) this.emit(memOp(0xdb, 5, this.operand('m80')), 'c1', 'FLD m80');
    else if (k < 7) this.emit(memOp(0xdd, 0, this.operand('m64')), 'c1', 'FLD m64');
    else if (k < 10) this.emit(memOp(0xd9, 0, this.operand('m32')), 'c1', 'FLD m32');
    else if (k < 11) this.emit(memOp(0xdf, 0, this.operand('i16')), 'c1', 'FILD m16');
    else if (k < 13) this.emit(memOp(0xdb, 0, this.operand('i32')), 'c1', 'FILD m32');
    else if (k < 15) this.emit(memOp(0xdf, 5, this.operand('i64')), 'c1', 'FILD m64');
    else if (k < 17) this.emit(memOp(0xdf, 4, this.operand('bcd')), 'c1', 'FBLD m80');
    else if (k < 19) { const i = this.sti(); this.emit([0xd9, 0xc0 + i], 'c1', 'FLD ST(i)'); }
    else {
      const c = r.pick([0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee]);
      this.emit([0xd9, c], 'c1', `FLD${['1', 'L2T', 'L2E', 'PI', 'LG2', 'LN2', 'Z'][c - 0xe8]}`);
    }
    this.depth = Math.min(8, this.depth + 1);
  }

  private arith(): void {
    const r = this.rng;
    const d = r.int(8);
    const names = ['FADD', 'FMUL', 'FCOM', 'FCOMP', 'FSUB', 'FSUBR', 'FDIV', 'FDIVR'];
    const nm = names[d]!;
    const isCmp = d === 2 || d === 3;
    const cc: CcClass = isCmp ? 'cmp' : 'c1';
    const pop = d === 3 ? 1 : 0;
    const inames = ['FIADD', 'FIMUL', 'FICOM', 'FICOMP', 'FISUB', 'FISUBR', 'FIDIV', 'FIDIVR'];
    switch (r.int(isCmp ? 4 : 7)) {
      case 0: this.emit(memOp(0xd8, d, this.operand('m32')), cc, `${nm} m32`); break;
      case 1: this.emit(memOp(0xdc, d, this.operand('m64')), cc, `${nm} m64`); break;
      case 2: this.emit(memOp(0xda, d, this.operand(r.chance(0.5) ? 'i32' : 'i16')), cc, `${inames[d]} m32int`); break;
      case 3: {
        if (r.chance(0.5)) this.emit(memOp(0xde, d, this.operand('i16')), cc, `${inames[d]} m16int`);
        else { const i = this.sti(); this.emit([0xd8, 0xc0 + d * 8 + i], cc, `${nm} ST(0),ST(i)`); }
        break;
      }
      case 4: { const i = this.sti(); this.emit([0xd8, 0xc0 + d * 8 + i], cc, `${nm} ST(0),ST(i)`); break; }
      case 5: { const i = this.sti(); this.emit([0xdc, 0xc0 + d * 8 + i], cc, `${nm} ST(i),ST(0)`); break; }
      default: { const i = this.sti(); this.emit([0xde, 0xc0 + d * 8 + i], cc, `${nm}P ST(i),ST(0)`); this.depth--; break; }
    }
    this.depth = Math.max(0, this.depth - pop);
  }

  private compare(): void {
    const r = this.rng;
    const i = this.sti();
    switch (r.int(11)) {
      case 0: this.emit([0xdd, 0xe0 + i], 'cmp', 'FUCOM ST(i)'); break;
      case 1: this.emit([0xdd, 0xe8 + i], 'cmp', 'FUCOMP ST(i)'); this.depth--; break;
      case 2: this.emit([0xda, 0xe9], 'cmp', 'FUCOMPP'); this.depth -= 2; break;
      case 3: this.emit([0xde, 0xd9], 'cmp', 'FCOMPP'); this.depth -= 2; break;
      case 4: this.emit([0xdb, 0xf0 + i], 'comi', 'FCOMI ST(0),ST(i)'); break;
      case 5: this.emit([0xdb, 0xe8 + i], 'comi', 'FUCOMI ST(0),ST(i)'); break;
      case 6: this.emit([0xdf, 0xf0 + i], 'comi', 'FCOMIP ST(0),ST(i)'); this.depth--; break;
      case 7: this.emit([0xdf, 0xe8 + i], 'comi', 'FUCOMIP ST(0),ST(i)'); this.depth--; break;
      case 8: this.emit([0xd9, 0xe4], 'cmp', 'FTST'); break;
      case 9: this.emit([0xd9, 0xe5], 'cmp', 'FXAM'); break;
      default: this.emit([0xd8, 0xd0 + i], 'cmp', 'FCOM ST(i)');
    }
    this.depth = Math.max(0, this.depth);
  }

  private unary(): void {
    const r = this.rng;
    const ops: [number, string, CcClass, number][] = [
      [0xfa, 'FSQRT', 'c1', 0], [0xfc, 'FRNDINT', 'c1', 0], [0xfd, 'FSCALE', 'c1', 0], [0xf4, 'FXTRACT', 'c1', 1],
      [0xf8, 'FPREM', 'prem', 0], [0xf5, 'FPREM1', 'prem', 0], [0xe0, 'FCHS', 'c1', 0], [0xe1, 'FABS', 'c1', 0],
      [0xf6, 'FDECSTP', 'c1', 1], [0xf7, 'FINCSTP', 'c1', -1],
    ];
    const [b, nm, cc, dd] = r.pick(ops);
    this.emit([0xd9, b], cc, nm);
    this.depth = Math.max(0, Math.min(8, this.depth + dd));
  }

  private misc(): void {
    const r = this.rng;
    const i = this.sti();
    const k = r.int(12);
    if (k < 3) this.emit([0xd9, 0xc8 + i], 'c1', 'FXCH ST(i)');
    else if (k < 11) {
      const cm: [number, number, string][] = [
        [0xda, 0xc0, 'FCMOVB'], [0xda, 0xc8, 'FCMOVE'], [0xda, 0xd0, 'FCMOVBE'], [0xda, 0xd8, 'FCMOVU'],
        [0xdb, 0xc0, 'FCMOVNB'], [0xdb, 0xc8, 'FCMOVNE'], [0xdb, 0xd0, 'FCMOVNBE'], [0xdb, 0xd8, 'FCMOVNU'],
      ];
      const [op, b, nm] = cm[k - 3]!;
      this.emit([op, b + i], 'keepc1', `${nm} ST(0),ST(i)`);
    } else { this.emit([0xdd, 0xc0 + i], 'undef', 'FFREE ST(i)'); }
  }

  private store(): void {
    const r = this.rng;
    const k = r.int(16);
    const s = this.storeSlot();
    let pop = 1;
    if (k < 1) { this.emit(memOp(0xd9, 2, s), 'c1', 'FST m32'); pop = 0; }
    else if (k < 2) this.emit(memOp(0xd9, 3, s), 'c1', 'FSTP m32');
    else if (k < 3) { this.emit(memOp(0xdd, 2, s), 'c1', 'FST m64'); pop = 0; }
    else if (k < 4) this.emit(memOp(0xdd, 3, s), 'c1', 'FSTP m64');
    else if (k < 5) this.emit(memOp(0xdb, 7, s), 'c1', 'FSTP m80');
    else if (k < 6) { this.emit(memOp(0xdf, 2, s), 'c1', 'FIST m16'); pop = 0; }
    else if (k < 7) this.emit(memOp(0xdf, 3, s), 'c1', 'FISTP m16');
    else if (k < 8) { this.emit(memOp(0xdb, 2, s), 'c1', 'FIST m32'); pop = 0; }
    else if (k < 9) this.emit(memOp(0xdb, 3, s), 'c1', 'FISTP m32');
    else if (k < 11) this.emit(memOp(0xdf, 7, s), 'c1', 'FISTP m64');
    else if (k < 13) this.emit(memOp(0xdf, 6, s), 'c1', 'FBSTP m80');
    else if (k < 14) { const i = this.sti(); this.emit([0xdd, 0xd0 + i], 'c1', 'FST ST(i)'); pop = 0; }
    else { const i = this.sti(); this.emit([0xdd, 0xd8 + i], 'c1', 'FSTP ST(i)'); }
    this.depth = Math.max(0, this.depth - pop);
  }

  /** The transcendental tail: its operand load(s), then the instruction. */
  private transcendental(): void {
    const r = this.rng;
    const ops: [number, string, CcClass, number, number][] = [
      [0xfe, 'FSIN', 'trig', 0, 1], [0xff, 'FCOS', 'trig', 0, 1], [0xfb, 'FSINCOS', 'trig', 1, 1], [0xf2, 'FPTAN', 'trig', 1, 1],
      [0xf3, 'FPATAN', 'c1', -1, 2], [0xf0, 'F2XM1', 'c1', 0, 1], [0xf1, 'FYL2X', 'c1', -1, 2], [0xf9, 'FYL2XP1', 'c1', -1, 2],
    ];
    const [b, nm, cc, dd, nops] = r.pick(ops);
    for (let i = nops - 1; i >= 0; i--) {
      if (i > 0 && r.chance(0.1)) continue; // sometimes the y operand is whatever ST(1) holds
      this.emit(memOp(0xdb, 5, this.operand('m80', transBytes(r, nm, i > 0))), 'c1', 'FLD m80');
      this.depth = Math.min(8, this.depth + 1);
    }
    this.emit([0xd9, b], cc, nm);
    this.depth = Math.max(0, Math.min(8, this.depth + dd));
  }

  next(): X87Case {
    const r = this.rng;
    this.insns = [];
    this.patches = [];
    this.depth = 0;
    this.opSlot = r.int(64);
    this.stSlot = r.int(32);
    const masked = r.chance(0.85);
    const rc = r.int(4);
    const pc = r.pick([0, 2, 3, 3]);
    const mask = masked ? 0x3f : r.u32() & 0x3f;
    const cw = (rc << 10) | (pc << 8) | 0x40 | mask;
    // prelude
    this.emit([0xdb, 0xe3], 'init', 'FNINIT', 'setup');
    for (let i = 0; i < 8; i++) this.emit([0xd9, 0xee], 'c1', 'FLDZ', 'setup');
    this.emit([0xdb, 0xe3], 'init', 'FNINIT', 'setup');
    const cwOff = this.operand('i16');
    this.patches[this.patches.length - 1] = [cwOff, cw];
    this.emit(memOp(0xd9, 5, cwOff), 'undef', 'FLDCW', 'setup');
    const prelude = this.insns.length;
    // body
    const n = masked ? r.range(2, 14) : r.range(1, 4);
    const nLoads = Math.min(n, r.range(1, 3));
    for (let i = 0; i < nLoads; i++) this.load();
    for (let i = nLoads; i < n; i++) {
      const k = r.int(100);
      const d = this.depth;
      if (d < 2 && k < 60) this.load();
      else if (k < 18 || (d >= 7 && k < 40)) this.store();
      else if (k < 30) this.load();
      else if (k < 55) this.arith();
      else if (k < 70) this.compare();
      else if (k < 88) this.unary();
      else this.misc();
    }
    if (masked && r.chance(0.2)) this.transcendental();
    // epilogue
    this.emit([0xdf, 0xe0], 'none', 'FNSTSW AX', 'epilogue');
    this.emit(memOp(0xdd, 6, SAVE_OFF), 'none', 'FNSAVE m108', 'epilogue');
    const regs: number[] = [];
    for (let i = 0; i < 8; i++) regs.push(r.u32() | 0);
    regs[4] = WIN + 0x800; // ESP: unused, inside the window
    const eflags = (r.u32() & 0x8d5) | 0x202;
    return { regs, eflags, insns: this.insns, patches: this.patches, prelude, cw };
  }
}

/** The case with only its first `k` body instructions, followed by the epilogue. */
export function prefixCase(c: X87Case, k: number): X87Case {
  const body = c.insns.slice(0, c.prelude + k);
  return { ...c, insns: [...body, ...c.insns.slice(-2)] };
}
