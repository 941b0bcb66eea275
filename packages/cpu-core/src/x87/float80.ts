// x87 80-bit extended-precision arithmetic in software, bit-identical to Intel hardware.
//
// Contract: see ./types.ts. Every function is allocation-free (module-level scratch only).
// Exports and exact signatures:
//
//   add (ctx, a, b, out): boolean     a + b, rounded by ctx.rc to ctx.pc
//   sub (ctx, a, b, out): boolean     a - b
//   mul (ctx, a, b, out): boolean     a * b
//   div (ctx, a, b, out): boolean     a / b
//   sqrt(ctx, a, out): boolean        square root (rounded by rc/pc)
//   roundInt(ctx, a, out): boolean    FRNDINT (rounds by rc; PE when inexact; pc ignored)
//   scale(ctx, a, b, out): boolean    FSCALE: a * 2^trunc(b)  (a = ST0, b = ST1)
//   extract(ctx, a, sig, exp): boolean FXTRACT: exp <- exponent of a, sig <- significand
//                                     (the FPU puts exp in ST0 then pushes sig)
//   prem (ctx, a, b, out): number     FPREM  (a = ST0, b = ST1) -> out = partial remainder
//   prem1(ctx, a, b, out): number     FPREM1 (IEEE remainder)
//        return -1 when the destination is not written (unmasked exception), CC_NOQ when
//        `out` holds a NaN (NaN operand, masked invalid) and there is no quotient, otherwise
//        the condition codes as CC_* bits: C2 = incomplete, C0 = q2, C3 = q1, C1 = q0.
//   compare(ctx, a, b, quiet): number FCOM (quiet = false: IE for any NaN) / FUCOM (quiet =
//        true: IE only for SNaN) of a (ST0) with b; returns CC_* bits: 0 for a > b,
//        CC_C0 for a < b, CC_C3 for a = b, CC_C3|CC_C2|CC_C0 for unordered; -1 when an
//        unmasked exception (IE or DE) leaves the condition codes unchanged. FTST is
//        compare(ctx, a, ZERO, false); FICOM converts first with fromInt.
//   classify(a, empty): number        FXAM: CC_* bits (C3 C2 C0 class, C1 = sign); empty = tag 11
//   fromInt(ctx, lo, hi, out): boolean  signed 64-bit integer hi:lo (int16/int32 sign-extended
//                                     into hi by the caller) -> exact F80; always true
//   toInt(ctx, a, bits, res): boolean bits = 16|32|64; rounds by rc; res[0] = low 32 bits,
//                                     res[1] = high 32 bits (res: Uint32Array, length >= 2);
//                                     out of range / NaN -> IE and the integer indefinite
//                                     (0x8000, 0x80000000, 0x8000000000000000) when masked,
//                                     false when IE is unmasked (nothing stored)
//   fromF32(ctx, bits, out): boolean  FLD m32 (SNaN -> QNaN with IE; denormal -> DE)
//   toF32(ctx, a, res): boolean       FST m32: res[0] = the float32 bits
//   fromF64(ctx, lo, hi, out): boolean FLD m64
//   toF64(ctx, a, res): boolean       FST m64: res[0] = low, res[1] = high 32 bits
//        stores return false (nothing stored) on unmasked IE, DE?, OE or UE per the SDM
//   fromBcd(ctx, bytes, out): boolean FBLD: bytes = the 10-byte packed BCD (Uint8Array)
//   toBcd(ctx, a, bytes): boolean     FBSTP: writes 10 bytes; out of range / NaN -> IE and
//                                     the BCD indefinite (FF FF C0 00.. in memory order
//                                     reversed: bytes 7..9 = C0 FF FF) when masked
//
// The functions returning boolean return false when an unmasked IE/ZE/DE leaves `out`
// unwritten (types.ts), true otherwise.

import { FE_DE, FE_IE, FE_OE, FE_PE, FE_UE, FE_ZE, PC_24, PC_53, RC_DOWN, RC_NEAREST, RC_UP } from './types.js';
import type { F80, FpCtx } from './types.js';

/** Condition-code bits returned by compare, classify, prem, prem1. */
export const CC_C0: number = 1;
export const CC_C1: number = 2;
export const CC_C2: number = 4;
export const CC_C3: number = 8;
/** prem/prem1: no quotient (NaN operand, masked invalid); `out` is written. */
export const CC_NOQ: number = 16;

const BIAS = 16383;
const WRAP = 24576;
const TWO32 = 4294967296;

// Operand kinds.
const K_ZERO = 0;
const K_NORMAL = 1;
const K_DENORM = 2;
const K_INF = 3;
const K_QNAN = 4;
const K_SNAN = 5;
const K_UNSUP = 6;

function kind(x: F80): number {
  const e = x.se & 0x7fff;
  const j = x.hi >>> 31;
  if (e === 0x7fff) {
    if (j === 0) return K_UNSUP;
    if ((x.hi & 0x7fffffff) === 0 && x.lo === 0) return K_INF;
    return (x.hi & 0x40000000) !== 0 ? K_QNAN : K_SNAN;
  }
  if (e === 0) return x.hi === 0 && x.lo === 0 ? K_ZERO : K_DENORM;
  return j === 0 ? K_UNSUP : K_NORMAL;
}

function isNan(k: number): boolean {
  return k === K_QNAN || k === K_SNAN;
}

// ---- working registers -------------------------------------------------------------------
// W0:W1 the 64-bit significand, W2 32 more bits below it, ST the sticky bit below those.
let W0 = 0;
let W1 = 0;
let W2 = 0;
let ST = 0;
let CARRY = 0;
let UPPED = 0;
let RE = 0; // result exponent (biased) from roundCore

// Unpacked operands (normalized: bit 31 of hi set unless zero; exponent may go below 1).
let AS = 0;
let AE = 0;
let AH = 0;
let AL = 0;
let BS = 0;
let BE = 0;
let BH = 0;
let BL = 0;

function unpackA(x: F80): void {
  AS = x.se >>> 15;
  let e = x.se & 0x7fff;
  let h = x.hi >>> 0;
  let l = x.lo >>> 0;
  if (e === 0) e = 1;
  if (h === 0 && l === 0) {
    AE = e; AH = 0; AL = 0; return;
  }
  if (h === 0) { h = l; l = 0; e -= 32; }
  const n = Math.clz32(h);
  if (n !== 0) { h = ((h << n) | (l >>> (32 - n))) >>> 0; l = (l << n) >>> 0; e -= n; }
  AE = e; AH = h; AL = l;
}

function unpackB(x: F80): void {
  const s = AS, e = AE, h = AH, l = AL;
  unpackA(x);
  BS = AS; BE = AE; BH = AH; BL = AL;
  AS = s; AE = e; AH = h; AL = l;
}

function shrJam(n: number): void {
  if (n <= 0) return;
  if (n >= 96) {
    if ((W0 | W1 | W2) !== 0) ST = 1;
    W0 = 0; W1 = 0; W2 = 0; return;
  }
  while (n >= 32) {
    if (W2 !== 0) ST = 1;
    W2 = W1; W1 = W0; W0 = 0; n -= 32;
  }
  if (n > 0) {
    if ((W2 << (32 - n)) !== 0) ST = 1;
    W2 = ((W2 >>> n) | (W1 << (32 - n))) >>> 0;
    W1 = ((W1 >>> n) | (W0 << (32 - n))) >>> 0;
    W0 = W0 >>> n;
  }
}

/** Normalizes W0..W2 left; returns the shift count (or -1 when all zero). */
function normW(): number {
  if ((W0 | W1 | W2) === 0) return -1;
  let s = 0;
  while (W0 === 0) { W0 = W1; W1 = W2; W2 = 0; s += 32; }
  const n = Math.clz32(W0);
  if (n !== 0) {
    W0 = ((W0 << n) | (W1 >>> (32 - n))) >>> 0;
    W1 = ((W1 << n) | (W2 >>> (32 - n))) >>> 0;
    W2 = (W2 << n) >>> 0;
  }
  return s + n;
}

/** Rounds W0:W1 (W2, ST below) to p bits by rc for the sign; returns 1 when inexact. */
function roundBits(p: number, rc: number, sign: number): number {
  let rnd: number, st: number, lsb: number;
  if (p === 64) {
    rnd = W2 >>> 31; st = (W2 & 0x7fffffff) !== 0 || ST !== 0 ? 1 : 0; lsb = W1 & 1;
  } else if (p === 53) {
    rnd = (W1 >>> 10) & 1; st = (W1 & 0x3ff) !== 0 || W2 !== 0 || ST !== 0 ? 1 : 0; lsb = (W1 >>> 11) & 1;
    W1 = (W1 & ~0x7ff) >>> 0;
  } else {
    rnd = (W0 >>> 7) & 1; st = (W0 & 0x7f) !== 0 || W1 !== 0 || W2 !== 0 || ST !== 0 ? 1 : 0; lsb = (W0 >>> 8) & 1;
    W0 = (W0 & ~0xff) >>> 0; W1 = 0;
  }
  W2 = 0; ST = 0; CARRY = 0;
  const inexact = rnd | st;
  let inc = 0;
  if (rc === RC_NEAREST) inc = rnd & (st | lsb);
  else if (rc === RC_UP) inc = inexact & (sign ^ 1);
  else if (rc === RC_DOWN) inc = inexact & sign;
  UPPED = inc;
  if (inc !== 0) {
    if (p === 64) {
      W1 = (W1 + 1) >>> 0;
      if (W1 === 0) W0 = (W0 + 1) >>> 0;
    } else if (p === 53) {
      const t = W1 + 0x800;
      W1 = t >>> 0;
      if (t >= TWO32) W0 = (W0 + 1) >>> 0;
    } else {
      W0 = (W0 + 0x100) >>> 0;
    }
    if (W0 === 0 && W1 === 0) { W0 = 0x80000000; CARRY = 1; }
  }
  return inexact;
}

function pbits(pc: number): number {
  return pc === PC_24 ? 24 : pc === PC_53 ? 53 : 64;
}

/** Tininess detected after rounding (as the x87 does) when true. */
const TINY_AFTER = true;

/**
 * Rounds the normalized W0..ST with biased exponent e to p bits in [emin, emax]. The result
 * is in W0:W1 with exponent RE (W0 bit 31 clear = denormal or zero). `reg`: destination is
 * a register (unmasked OE/UE deliver a wrapped result); otherwise returns false on unmasked
 * OE/UE (nothing stored).
 */
function roundCore(ctx: FpCtx, sign: number, e: number, p: number, emin: number, emax: number, reg: boolean): boolean {
  const rc = ctx.rc;
  if ((W0 | W1 | W2 | ST) === 0) { RE = 0; W0 = 0; W1 = 0; return true; }
  if (e >= emin) {
    const inexact = roundBits(p, rc, sign);
    if (CARRY !== 0) e++;
    if (e > emax) {
      if ((ctx.mask & FE_OE) === 0) {
        ctx.flags |= FE_OE;
        if (!reg) return false;
        if (e - WRAP > emax) {
          // Beyond the wrapped range (FSCALE only): infinity.
          ctx.flags |= FE_PE; ctx.c1 = 1; RE = emax + 1; W0 = 0x80000000; W1 = 0;
          return true;
        }
        if (inexact !== 0) { ctx.flags |= FE_PE; ctx.c1 = UPPED; }
        RE = e - WRAP;
        return true;
      }
      ctx.flags |= FE_OE | FE_PE;
      if (rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign !== 0)) {
        RE = emax + 1; W0 = 0x80000000; W1 = 0; ctx.c1 = 1;
      } else {
        RE = emax;
        if (p === 64) { W0 = 0xffffffff; W1 = 0xffffffff; } else if (p === 53) { W0 = 0xffffffff; W1 = 0xfffff800; } else { W0 = 0xffffff00; W1 = 0; }
        ctx.c1 = 0;
      }
      return true;
    }
    if (inexact !== 0) { ctx.flags |= FE_PE; ctx.c1 = UPPED; }
    RE = e;
    return true;
  }
  // Tiny before rounding; the x87 detects tininess after rounding (unbounded exponent).
  if (TINY_AFTER && e === emin - 1) {
    const s0 = W0, s1 = W1, s2 = W2, s3 = ST;
    roundBits(p, rc, sign);
    const carried = CARRY !== 0;
    W0 = s0; W1 = s1; W2 = s2; ST = s3;
    if (carried) {
      const inexact = roundBits(p, rc, sign);
      if (inexact !== 0) { ctx.flags |= FE_PE; ctx.c1 = UPPED; }
      RE = emin;
      return true;
    }
  }
  if ((ctx.mask & FE_UE) === 0) {
    ctx.flags |= FE_UE;
    if (!reg) return false;
    if (e + WRAP < emin) {
      // Beyond the wrapped range (FSCALE only): zero.
      ctx.flags |= FE_PE; RE = 0; W0 = 0; W1 = 0;
      return true;
    }
    const inexact = roundBits(p, rc, sign);
    if (CARRY !== 0) e++;
    if (inexact !== 0) { ctx.flags |= FE_PE; ctx.c1 = UPPED; }
    RE = e + WRAP;
    return true;
  }
  shrJam(emin - e);
  const inexact = roundBits(p, rc, sign);
  if (inexact !== 0) {
    ctx.flags |= FE_PE; ctx.c1 = UPPED;
    ctx.flags |= FE_UE;
  }
  RE = (W0 >>> 31) !== 0 ? emin : 0;
  return true;
}

function packReg(out: F80, sign: number): void {
  out.se = ((sign << 15) | ((W0 | W1) === 0 ? 0 : RE & 0x7fff)) & 0xffff;
  out.hi = W0 >>> 0;
  out.lo = W1 >>> 0;
}

function indefinite(out: F80): void {
  out.se = 0xffff; out.hi = 0xc0000000; out.lo = 0;
}

/** Raises IE; writes the indefinite when masked. Returns whether the result was written. */
function invalid(ctx: FpCtx, out: F80): boolean {
  ctx.flags |= FE_IE;
  if ((ctx.mask & FE_IE) === 0) return false;
  indefinite(out);
  return true;
}

function copy(out: F80, x: F80): void {
  out.se = x.se; out.hi = x.hi >>> 0; out.lo = x.lo >>> 0;
}

function setInf(out: F80, sign: number): void {
  out.se = (sign << 15) | 0x7fff; out.hi = 0x80000000; out.lo = 0;
}

function setZero(out: F80, sign: number): void {
  out.se = sign << 15; out.hi = 0; out.lo = 0;
}

/** NaN propagation for one or two operands (kb = -1: unary). */
function nanResult(ctx: FpCtx, a: F80, ka: number, b: F80, kb: number, out: F80): boolean {
  if (ka === K_SNAN || kb === K_SNAN) {
    ctx.flags |= FE_IE;
    if ((ctx.mask & FE_IE) === 0) return false;
  }
  let src = a;
  if (isNan(ka) && isNan(kb)) {
    if (ka === K_SNAN && kb === K_QNAN) src = b;
    else if (ka === K_QNAN && kb === K_SNAN) src = a;
    else {
      const ah = a.hi & 0x7fffffff, bh = b.hi & 0x7fffffff;
      if (bh > ah || (bh === ah && (b.lo >>> 0) > (a.lo >>> 0))) src = b;
      else if (bh === ah && (b.lo >>> 0) === (a.lo >>> 0) && (a.se & 0x8000) !== 0) src = b;
    }
  } else if (!isNan(ka)) src = b;
  out.se = src.se; out.hi = (src.hi | 0x40000000) >>> 0; out.lo = src.lo >>> 0;
  return true;
}

/** Common screening for two-operand arithmetic: returns -1 to continue, else 0/1 result. */
function screen2(ctx: FpCtx, a: F80, ka: number, b: F80, kb: number, out: F80): number {
  if (ka === K_UNSUP || kb === K_UNSUP) return invalid(ctx, out) ? 1 : 0;
  if (isNan(ka) || isNan(kb)) return nanResult(ctx, a, ka, b, kb, out) ? 1 : 0;
  return -1;
}

function denormCheck(ctx: FpCtx, ka: number, kb: number): boolean {
  if (ka === K_DENORM || kb === K_DENORM) {
    ctx.flags |= FE_DE;
    if ((ctx.mask & FE_DE) === 0) return false;
  }
  return true;
}

function finishReg(ctx: FpCtx, sign: number, e: number, p: number, out: F80): boolean {
  roundCore(ctx, sign, e, p, 1, 0x7ffe, true);
  packReg(out, sign);
  return true;
}

// ---- add / sub ---------------------------------------------------------------------------

function addCore(ctx: FpCtx, a: F80, b: F80, bneg: number, out: F80): boolean {
  ctx.c1 = 0;
  const ka = kind(a), kb = kind(b);
  const r = screen2(ctx, a, ka, b, kb, out);
  if (r >= 0) return r === 1;
  const sa = a.se >>> 15, sb = (b.se >>> 15) ^ bneg;
  if (ka === K_INF || kb === K_INF) {
    if (ka === K_INF && kb === K_INF && sa !== sb) return invalid(ctx, out);
    if (!denormCheck(ctx, ka, kb)) return false;
    setInf(out, ka === K_INF ? sa : sb);
    return true;
  }
  if (!denormCheck(ctx, ka, kb)) return false;
  if (ka === K_ZERO && kb === K_ZERO) {
    setZero(out, sa === sb ? sa : ctx.rc === RC_DOWN ? 1 : 0);
    return true;
  }
  unpackA(a); unpackB(b);
  AS = sa; BS = sb;
  if (ka === K_ZERO) { W0 = BH; W1 = BL; W2 = 0; ST = 0; return finishReg(ctx, BS, BE, pbits(ctx.pc), out); }
  if (kb === K_ZERO) { W0 = AH; W1 = AL; W2 = 0; ST = 0; return finishReg(ctx, AS, AE, pbits(ctx.pc), out); }
  // Order so that A has the larger magnitude.
  let swap = false;
  if (BE > AE || (BE === AE && (BH > AH || (BH === AH && BL > AL)))) swap = true;
  let xs = AS, xe = AE, xh = AH, xl = AL;
  let ys = BS, ye = BE, yh = BH, yl = BL;
  if (swap) { xs = BS; xe = BE; xh = BH; xl = BL; ys = AS; ye = AE; yh = AH; yl = AL; }
  W0 = yh; W1 = yl; W2 = 0; ST = 0;
  shrJam(xe - ye);
  let e = xe;
  let sign = xs;
  if (xs === ys) {
    const t1 = xl + W1;
    const l = t1 >>> 0;
    const t0 = xh + W0 + (t1 >= TWO32 ? 1 : 0);
    W1 = l; W0 = t0 >>> 0;
    if (t0 >= TWO32) {
      if ((W2 & 1) !== 0) ST = 1;
      W2 = ((W2 >>> 1) | (W1 << 31)) >>> 0;
      W1 = ((W1 >>> 1) | (W0 << 31)) >>> 0;
      W0 = (W0 >>> 1 | 0x80000000) >>> 0;
      e++;
    }
  } else {
    // x - y with y = W0:W1:W2 (+ ST below): jam ST into W2's lsb first.
    if (ST !== 0) { W2 = (W2 | 1) >>> 0; ST = 0; }
    let t = 0 - W2;
    let bw = 0;
    if (W2 !== 0) { t += TWO32; bw = 1; }
    const r2 = t >>> 0;
    t = xl - W1 - bw; bw = 0;
    if (t < 0) { t += TWO32; bw = 1; }
    const r1 = t >>> 0;
    t = xh - W0 - bw;
    const r0 = t >>> 0;
    W0 = r0; W1 = r1; W2 = r2;
    const n = normW();
    if (n < 0) {
      setZero(out, ctx.rc === RC_DOWN ? 1 : 0);
      return true;
    }
    e -= n;
    // Only a jammed sticky bit can sit in W2's lsb region; keep it as sticky.
  }
  void sign;
  sign = xs;
  return finishReg(ctx, sign, e, pbits(ctx.pc), out);
}

export function add(ctx: FpCtx, a: F80, b: F80, out: F80): boolean {
  return addCore(ctx, a, b, 0, out);
}

export function sub(ctx: FpCtx, a: F80, b: F80, out: F80): boolean {
  return addCore(ctx, a, b, 1, out);
}

// ---- mul ---------------------------------------------------------------------------------

let MH = 0;
let ML = 0;
function mul32(a: number, b: number): void {
  const ah = a >>> 16, al = a & 0xffff, bh = b >>> 16, bl = b & 0xffff;
  const mid = ah * bl + al * bh;
  const low = al * bl + (mid % 65536) * 65536;
  ML = low >>> 0;
  MH = (ah * bh + Math.floor(mid / 65536) + Math.floor(low / TWO32)) >>> 0;
}

let P0 = 0;
let P1 = 0;
let P2 = 0;
let P3 = 0;
function mul64(a1: number, a0: number, b1: number, b0: number): void {
  mul32(a0, b0); const h00 = MH; P3 = ML;
  mul32(a0, b1); const h01 = MH, l01 = ML;
  mul32(a1, b0); const h10 = MH, l10 = ML;
  mul32(a1, b1); const h11 = MH, l11 = ML;
  let c = h00 + l01 + l10;
  P2 = c >>> 0;
  c = Math.floor(c / TWO32) + h01 + h10 + l11;
  P1 = c >>> 0;
  c = Math.floor(c / TWO32) + h11;
  P0 = c >>> 0;
}

export function mul(ctx: FpCtx, a: F80, b: F80, out: F80): boolean {
  ctx.c1 = 0;
  const ka = kind(a), kb = kind(b);
  const r = screen2(ctx, a, ka, b, kb, out);
  if (r >= 0) return r === 1;
  const sign = (a.se ^ b.se) >>> 15 & 1;
  if (ka === K_INF || kb === K_INF) {
    if (ka === K_ZERO || kb === K_ZERO) return invalid(ctx, out);
    if (!denormCheck(ctx, ka, kb)) return false;
    setInf(out, sign);
    return true;
  }
  if (!denormCheck(ctx, ka, kb)) return false;
  if (ka === K_ZERO || kb === K_ZERO) { setZero(out, sign); return true; }
  unpackA(a); unpackB(b);
  mul64(AH, AL, BH, BL);
  let e = AE + BE - BIAS;
  W0 = P0; W1 = P1; W2 = P2; ST = P3 !== 0 ? 1 : 0;
  if ((W0 >>> 31) !== 0) e++;
  else {
    W0 = ((W0 << 1) | (W1 >>> 31)) >>> 0;
    W1 = ((W1 << 1) | (W2 >>> 31)) >>> 0;
    W2 = ((W2 << 1) | (P3 >>> 31)) >>> 0;
    ST = (P3 << 1) !== 0 ? 1 : 0;
  }
  return finishReg(ctx, sign, e, pbits(ctx.pc), out);
}

// ---- div ---------------------------------------------------------------------------------

/** Restoring division of the 65-bit remainder R (RC:RH:RL) by BH:BL producing n quotient bits. */
let RC_ = 0;
let RH = 0;
let RL = 0;
let QH = 0;
let QL = 0;
function divSteps(n: number, dh: number, dl: number): void {
  for (let i = 0; i < n; i++) {
    const ge = RC_ !== 0 || RH > dh || (RH === dh && RL >= dl);
    QH = ((QH << 1) | (QL >>> 31)) >>> 0;
    QL = ((QL << 1) | (ge ? 1 : 0)) >>> 0;
    if (ge) {
      let t = RL - dl, bw = 0;
      if (t < 0) { t += TWO32; bw = 1; }
      RL = t >>> 0;
      RH = (RH - dh - bw) >>> 0;
      RC_ = 0;
    }
    if (i + 1 < n) {
      RC_ = RH >>> 31;
      RH = ((RH << 1) | (RL >>> 31)) >>> 0;
      RL = (RL << 1) >>> 0;
    }
  }
}

export function div(ctx: FpCtx, a: F80, b: F80, out: F80): boolean {
  ctx.c1 = 0;
  const ka = kind(a), kb = kind(b);
  const r = screen2(ctx, a, ka, b, kb, out);
  if (r >= 0) return r === 1;
  const sign = (a.se ^ b.se) >>> 15 & 1;
  if (ka === K_INF) {
    if (kb === K_INF) return invalid(ctx, out);
    if (!denormCheck(ctx, ka, kb)) return false;
    setInf(out, sign); return true;
  }
  if (kb === K_INF) {
    if (!denormCheck(ctx, ka, kb)) return false;
    setZero(out, sign); return true;
  }
  if (ka === K_ZERO && kb === K_ZERO) return invalid(ctx, out);
  if (kb === K_ZERO) {
    ctx.flags |= FE_ZE;
    if ((ctx.mask & FE_ZE) === 0) return false;
    setInf(out, sign); return true;
  }
  if (!denormCheck(ctx, ka, kb)) return false;
  if (ka === K_ZERO) { setZero(out, sign); return true; }
  unpackA(a); unpackB(b);
  let e = AE - BE + BIAS;
  RC_ = 0; RH = AH; RL = AL; QH = 0; QL = 0;
  if (AH < BH || (AH === BH && AL < BL)) {
    e--;
    RC_ = 1; RH = ((RH << 1) | (RL >>> 31)) >>> 0; RL = (RL << 1) >>> 0;
  }
  divSteps(64, BH, BL);
  W0 = QH; W1 = QL;
  // One more bit (round) and the sticky remainder.
  RC_ = RH >>> 31; RH = ((RH << 1) | (RL >>> 31)) >>> 0; RL = (RL << 1) >>> 0;
  const ge = RC_ !== 0 || RH > BH || (RH === BH && RL >= BL);
  let remNz = (RC_ | RH | RL) !== 0;
  if (ge) {
    let t = RL - BL, bw = 0;
    if (t < 0) { t += TWO32; bw = 1; }
    remNz = (t >>> 0) !== 0 || ((RH - BH - bw) >>> 0) !== 0;
  }
  W2 = ge ? 0x80000000 : 0;
  ST = remNz ? 1 : 0;
  return finishReg(ctx, sign, e, pbits(ctx.pc), out);
}

// ---- sqrt --------------------------------------------------------------------------------

export function sqrt(ctx: FpCtx, a: F80, out: F80): boolean {
  ctx.c1 = 0;
  const ka = kind(a);
  if (ka === K_UNSUP) return invalid(ctx, out);
  if (isNan(ka)) return nanResult(ctx, a, ka, a, -1, out);
  const s = a.se >>> 15;
  if (ka === K_ZERO) { copy(out, a); return true; }
  if (s !== 0) return invalid(ctx, out);
  if (ka === K_INF) { copy(out, a); return true; }
  if (!denormCheck(ctx, ka, -1)) return false;
  unpackA(a);
  let E = AE - BIAS;
  // Radicand X = sig << sh (sh = 65 for even E, 66 for odd), root = floor(sqrt(X)) has 65 bits.
  let sh = 65;
  if ((E & 1) !== 0) { sh = 66; E -= 1; }
  // remainder (r2:r1:r0) and root (q2:q1:q0), 96-bit each.
  let r0 = 0, r1 = 0, r2 = 0, q0 = 0, q1 = 0, q2 = 0;
  for (let j = 64; j >= 0; j--) {
    // Bits 2j+1, 2j of X.
    const k1 = 2 * j + 1 - sh, k0 = 2 * j - sh;
    const b1 = k1 >= 0 && k1 < 64 ? (k1 >= 32 ? (AH >>> (k1 - 32)) & 1 : (AL >>> k1) & 1) : 0;
    const b0 = k0 >= 0 && k0 < 64 ? (k0 >= 32 ? (AH >>> (k0 - 32)) & 1 : (AL >>> k0) & 1) : 0;
    r2 = ((r2 << 2) | (r1 >>> 30)) >>> 0;
    r1 = ((r1 << 2) | (r0 >>> 30)) >>> 0;
    r0 = ((r0 << 2) | (b1 << 1) | b0) >>> 0;
    // trial = root*4 + 1
    const t2 = ((q2 << 2) | (q1 >>> 30)) >>> 0;
    const t1 = ((q1 << 2) | (q0 >>> 30)) >>> 0;
    const t0 = ((q0 << 2) | 1) >>> 0;
    const ge = r2 > t2 || (r2 === t2 && (r1 > t1 || (r1 === t1 && r0 >= t0)));
    q2 = ((q2 << 1) | (q1 >>> 31)) >>> 0;
    q1 = ((q1 << 1) | (q0 >>> 31)) >>> 0;
    q0 = ((q0 << 1) | (ge ? 1 : 0)) >>> 0;
    if (ge) {
      let t = r0 - t0, bw = 0;
      if (t < 0) { t += TWO32; bw = 1; }
      r0 = t >>> 0;
      t = r1 - t1 - bw; bw = 0;
      if (t < 0) { t += TWO32; bw = 1; }
      r1 = t >>> 0;
      r2 = (r2 - t2 - bw) >>> 0;
    }
  }
  // root = q2:q1:q0 with 65 significant bits (bit 64 set).
  W0 = ((q2 << 31) | (q1 >>> 1)) >>> 0;
  W1 = ((q1 << 31) | (q0 >>> 1)) >>> 0;
  W2 = (q0 << 31) >>> 0;
  ST = (r0 | r1 | r2) !== 0 ? 1 : 0;
  return finishReg(ctx, 0, (E >> 1) + BIAS, pbits(ctx.pc), out);
}

// ---- integer rounding --------------------------------------------------------------------

/**
 * Rounds |a| (unpacked in A*) to an integer by rc: W0:W1 = the magnitude; returns
 * 1 when inexact, and 2 when the magnitude does not fit in 64 bits.
 */
function intRound(rc: number): number {
  const E = AE - BIAS;
  if (E > 63) return 2;
  W0 = AH; W1 = AL; W2 = 0; ST = 0;
  if (E === 63) return 0;
  shrJam(63 - E);
  UPPED = 0;
  if ((W2 | ST) === 0) return 0;
  return roundBits(64, rc, AS);
}

export function roundInt(ctx: FpCtx, a: F80, out: F80): boolean {
  ctx.c1 = 0;
  const ka = kind(a);
  if (ka === K_UNSUP) return invalid(ctx, out);
  if (isNan(ka)) return nanResult(ctx, a, ka, a, -1, out);
  if (ka === K_ZERO || ka === K_INF) { copy(out, a); return true; }
  if (!denormCheck(ctx, ka, -1)) return false;
  unpackA(a);
  const r = intRound(ctx.rc);
  if (r === 2 || AE - BIAS === 63) { copy(out, a); if (ka === K_DENORM) { out.se = a.se; } return true; }
  if (r !== 0) { ctx.flags |= FE_PE; ctx.c1 = UPPED; }
  W2 = 0; ST = 0;
  const n = normW();
  if (n < 0) { setZero(out, AS); return true; }
  out.se = (AS << 15) | (BIAS + 63 - n);
  out.hi = W0; out.lo = W1;
  return true;
}

// ---- compare / classify ------------------------------------------------------------------

export function compare(ctx: FpCtx, a: F80, b: F80, quiet: boolean): number {
  const ka = kind(a), kb = kind(b);
  const UN = CC_C3 | CC_C2 | CC_C0;
  if (ka === K_UNSUP || kb === K_UNSUP || ka === K_SNAN || kb === K_SNAN || (!quiet && (isNan(ka) || isNan(kb)))) {
    ctx.flags |= FE_IE;
    if ((ctx.mask & FE_IE) === 0) return -1;
    return UN;
  }
  if (isNan(ka) || isNan(kb)) return UN;
  if (!denormCheck(ctx, ka, kb)) return -1;
  const c = cmpMag(a, ka, b, kb);
  return c === 0 ? CC_C3 : c < 0 ? CC_C0 : 0;
}

/** Signed comparison of two ordered values: -1, 0, 1. */
function cmpMag(a: F80, ka: number, b: F80, kb: number): number {
  if (ka === K_ZERO && kb === K_ZERO) return 0;
  const sa = a.se >>> 15, sb = b.se >>> 15;
  if (ka === K_ZERO) return sb !== 0 ? 1 : -1;
  if (kb === K_ZERO) return sa !== 0 ? -1 : 1;
  if (sa !== sb) return sa !== 0 ? -1 : 1;
  let m: number;
  if (ka === K_INF || kb === K_INF) m = ka === kb ? 0 : ka === K_INF ? 1 : -1;
  else {
    unpackA(a); unpackB(b);
    m = AE !== BE ? (AE > BE ? 1 : -1) : AH !== BH ? (AH > BH ? 1 : -1) : AL !== BL ? (AL > BL ? 1 : -1) : 0;
  }
  return sa !== 0 ? -m : m;
}

export function classify(a: F80, empty: boolean): number {
  const c1 = (a.se >>> 15) !== 0 ? CC_C1 : 0;
  if (empty) return CC_C3 | CC_C0 | c1;
  switch (kind(a)) {
    case K_UNSUP: return c1;
    case K_QNAN: case K_SNAN: return CC_C0 | c1;
    case K_NORMAL: return CC_C2 | c1;
    case K_INF: return CC_C2 | CC_C0 | c1;
    case K_ZERO: return CC_C3 | c1;
    default: return CC_C3 | CC_C2 | c1;
  }
}

// ---- prem / prem1 ------------------------------------------------------------------------

/** N for the partial case (exponent difference >= 64): the x87 reduces by 32..63. */
function premN(d: number): number {
  return 32 + ((d - 32) & 31);
}

function premCore(ctx: FpCtx, a: F80, b: F80, out: F80, ieee: boolean): number {
  ctx.c1 = 0;
  const ka = kind(a), kb = kind(b);
  if (ka === K_UNSUP || kb === K_UNSUP) return invalid(ctx, out) ? CC_NOQ : -1;
  if (isNan(ka) || isNan(kb)) return nanResult(ctx, a, ka, b, kb, out) ? CC_NOQ : -1;
  if (ka === K_INF || kb === K_ZERO) return invalid(ctx, out) ? CC_NOQ : -1;
  if (!denormCheck(ctx, ka, kb)) return -1;
  if (ka === K_ZERO) { copy(out, a); return 0; }
  if (kb === K_INF) { unpackA(a); W0 = AH; W1 = AL; W2 = 0; ST = 0; finishReg(ctx, AS, AE, 64, out); ctx.c1 = 0; return 0; }
  unpackA(a); unpackB(b);
  const sa = AS;
  let d = AE - BE;
  let eb = BE;
  let cc = 0;
  if (d >= 64) {
    const n = premN(d);
    eb = AE - n; d = n; cc = CC_C2;
  }
  let sign = sa;
  let q: number;
  if (d < 0) {
    if (ieee && d === -1 && (AH > BH || (AH === BH && AL > BL))) {
      // |a| > |b|/2: r = 2B - A at scale eb-1 (A > B so B - (A - B)).
      let t = AL - BL, bw = 0;
      if (t < 0) { t += TWO32; bw = 1; }
      const dl = t >>> 0, dh = (AH - BH - bw) >>> 0;
      t = BL - dl; bw = 0;
      if (t < 0) { t += TWO32; bw = 1; }
      W1 = t >>> 0; W0 = (BH - dh - bw) >>> 0;
      q = 1; sign ^= 1;
      eb = AE;
    } else {
      copy(out, a);
      if (kind(a) === K_DENORM) {
        // A denormal result is delivered as is (with the underflow rules of an exact value).
        W0 = AH; W1 = AL; W2 = 0; ST = 0;
        roundCore(ctx, sa, AE, 64, 1, 0x7ffe, true);
        packReg(out, sa);
      }
      return cc;
    }
  } else {
    RC_ = 0; RH = AH; RL = AL; QH = 0; QL = 0;
    divSteps(d + 1, BH, BL);
    q = QL & 7;
    if (ieee && cc === 0) {
      // Compare 2r with B.
      const c2 = RH >>> 31, h2 = ((RH << 1) | (RL >>> 31)) >>> 0, l2 = (RL << 1) >>> 0;
      const gt = c2 !== 0 || h2 > BH || (h2 === BH && l2 > BL);
      const eq = c2 === 0 && h2 === BH && l2 === BL;
      if (gt || (eq && (QL & 1) !== 0)) {
        let t = BL - RL, bw = 0;
        if (t < 0) { t += TWO32; bw = 1; }
        RL = t >>> 0; RH = (BH - RH - bw) >>> 0;
        q = (q + 1) & 7; sign ^= 1;
      }
    }
    W0 = RH; W1 = RL;
  }
  if (cc === 0) cc = ((q & 4) !== 0 ? CC_C0 : 0) | ((q & 2) !== 0 ? CC_C3 : 0) | ((q & 1) !== 0 ? CC_C1 : 0);
  W2 = 0; ST = 0;
  const n = normW();
  if (n < 0) { setZero(out, sa); return cc; }
  roundCore(ctx, sign, eb - n, 64, 1, 0x7ffe, true);
  packReg(out, sign);
  ctx.c1 = 0;
  return cc;
}

export function prem(ctx: FpCtx, a: F80, b: F80, out: F80): number {
  return premCore(ctx, a, b, out, false);
}

export function prem1(ctx: FpCtx, a: F80, b: F80, out: F80): number {
  return premCore(ctx, a, b, out, true);
}

// ---- fscale / fxtract --------------------------------------------------------------------

export function scale(ctx: FpCtx, a: F80, b: F80, out: F80): boolean {
  ctx.c1 = 0;
  const ka = kind(a), kb = kind(b);
  const r = screen2(ctx, a, ka, b, kb, out);
  if (r >= 0) return r === 1;
  const sa = a.se >>> 15, sb = b.se >>> 15;
  if (kb === K_INF) {
    if (ka === K_ZERO && sb === 0) return invalid(ctx, out);
    if (ka === K_INF && sb !== 0) return invalid(ctx, out);
    if (!denormCheck(ctx, ka, kb)) return false;
    if (ka === K_ZERO || ka === K_INF) { copy(out, a); return true; }
    if (sb === 0) setInf(out, sa); else setZero(out, sa);
    return true;
  }
  if (!denormCheck(ctx, ka, kb)) return false;
  if (ka === K_ZERO || ka === K_INF) { copy(out, a); return true; }
  unpackB(b);
  let n = 0;
  const EB = BE - BIAS;
  if (kb !== K_ZERO && EB >= 0) {
    if (EB > 20) n = 1 << 20;
    else n = BH >>> (31 - EB);
    if (BS !== 0) n = -n;
  }
  unpackA(a);
  W0 = AH; W1 = AL; W2 = 0; ST = 0;
  return finishReg(ctx, sa, AE + n, 64, out);
}

export function extract(ctx: FpCtx, a: F80, sig: F80, exp: F80): boolean {
  ctx.c1 = 0;
  const ka = kind(a);
  if (ka === K_UNSUP) {
    if (!invalid(ctx, sig)) return false;
    indefinite(exp); return true;
  }
  if (isNan(ka)) {
    if (!nanResult(ctx, a, ka, a, -1, sig)) return false;
    copy(exp, sig); return true;
  }
  if (ka === K_INF) { copy(sig, a); setInf(exp, 0); return true; }
  if (ka === K_ZERO) {
    ctx.flags |= FE_ZE;
    if ((ctx.mask & FE_ZE) === 0) return false;
    copy(sig, a); setInf(exp, 1); return true;
  }
  if (!denormCheck(ctx, ka, -1)) return false;
  unpackA(a);
  sig.se = (AS << 15) | BIAS; sig.hi = AH; sig.lo = AL;
  const E = AE - BIAS;
  const m = E < 0 ? -E : E;
  fromMag(exp, E < 0 ? 1 : 0, 0, m);
  return true;
}

/** Exact F80 from sign and 64-bit magnitude h:l. */
function fromMag(out: F80, sign: number, h: number, l: number): void {
  W0 = h >>> 0; W1 = l >>> 0; W2 = 0; ST = 0;
  const n = normW();
  if (n < 0) { setZero(out, sign); return; }
  out.se = (sign << 15) | (BIAS + 63 - n);
  out.hi = W0; out.lo = W1;
}

// ---- integers ----------------------------------------------------------------------------

export function fromInt(_ctx: FpCtx, lo: number, hi: number, out: F80): boolean {
  let h = hi >>> 0, l = lo >>> 0;
  const s = h >>> 31;
  if (s !== 0) {
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  fromMag(out, s, h, l);
  return true;
}

export function toInt(ctx: FpCtx, a: F80, bits: number, res: Uint32Array): boolean {
  ctx.c1 = 0;
  const ka = kind(a);
  let ok = false;
  if (ka === K_ZERO) { W0 = 0; W1 = 0; AS = 0; ok = true; }
  else if (ka === K_NORMAL || ka === K_DENORM) {
    unpackA(a);
    const r = intRound(ctx.rc);
    if (r !== 2) {
      // Range check on the magnitude.
      const lim = bits === 16 ? 0x8000 : bits === 32 ? 0x80000000 : 0;
      if (bits === 64) {
        ok = W0 < 0x80000000 || (AS !== 0 && W0 === 0x80000000 && W1 === 0);
      } else {
        ok = W0 === 0 && (W1 < lim || (AS !== 0 && W1 === lim));
      }
      if (ok && r !== 0) { ctx.flags |= FE_PE; ctx.c1 = UPPED; }
    }
  }
  if (!ok) {
    ctx.flags |= FE_IE;
    if ((ctx.mask & FE_IE) === 0) return false;
    res[0] = bits === 16 ? 0x8000 : bits === 32 ? 0x80000000 : 0;
    res[1] = bits === 64 ? 0x80000000 : 0;
    return true;
  }
  let h = W0, l = W1;
  if (AS !== 0 && (h | l) !== 0) {
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  if (bits === 64) { res[0] = l; res[1] = h; } else if (bits === 32) { res[0] = l; res[1] = 0; } else { res[0] = l & 0xffff; res[1] = 0; }
  return true;
}

// ---- float32 / float64 -------------------------------------------------------------------

function loadFloat(ctx: FpCtx, s: number, e: number, fh: number, fl: number, emax: number, bias: number, out: F80): boolean {
  // fh:fl = the fraction left-aligned below the integer bit (bit 30 of fh = first fraction bit).
  if (e === emax) {
    if ((fh | fl) === 0) { setInf(out, s); return true; }
    if ((fh & 0x40000000) === 0) {
      ctx.flags |= FE_IE;
      if ((ctx.mask & FE_IE) === 0) return false;
    }
    out.se = (s << 15) | 0x7fff; out.hi = (0xc0000000 | fh) >>> 0; out.lo = fl >>> 0;
    return true;
  }
  if (e === 0) {
    if ((fh | fl) === 0) { setZero(out, s); return true; }
    ctx.flags |= FE_DE;
    if ((ctx.mask & FE_DE) === 0) return false;
    W0 = fh; W1 = fl; W2 = 0; ST = 0;
    const n = normW();
    out.se = (s << 15) | (1 - bias + BIAS - n);
    out.hi = W0; out.lo = W1;
    return true;
  }
  out.se = (s << 15) | (e - bias + BIAS);
  out.hi = (0x80000000 | fh) >>> 0; out.lo = fl >>> 0;
  return true;
}

export function fromF32(ctx: FpCtx, bits: number, out: F80): boolean {
  const b = bits >>> 0;
  return loadFloat(ctx, b >>> 31, (b >>> 23) & 0xff, ((b & 0x7fffff) << 8) >>> 0, 0, 0xff, 127, out);
}

export function fromF64(ctx: FpCtx, lo: number, hi: number, out: F80): boolean {
  const h = hi >>> 0, l = lo >>> 0;
  return loadFloat(ctx, h >>> 31, (h >>> 20) & 0x7ff, (((h & 0xfffff) << 11) | (l >>> 21)) >>> 0, (l << 11) >>> 0, 0x7ff, 1023, out);
}

/** Common part of FST m32/m64: returns 0 = special handled (RS/RK set), 1 = finite in W*, -1 = no store. */
let RK = 0; // 0 zero, 1 inf, 2 nan (W0:W1 = significand), 3 indefinite, 4 finite
function storeFloat(ctx: FpCtx, a: F80, p: number, emin: number, emax: number): boolean {
  ctx.c1 = 0;
  const ka = kind(a);
  AS = a.se >>> 15;
  if (ka === K_UNSUP) {
    ctx.flags |= FE_IE;
    if ((ctx.mask & FE_IE) === 0) return false;
    RK = 3; AS = 1; return true;
  }
  if (isNan(ka)) {
    if (ka === K_SNAN) {
      ctx.flags |= FE_IE;
      if ((ctx.mask & FE_IE) === 0) return false;
    }
    RK = 2; W0 = (a.hi | 0x40000000) >>> 0; W1 = a.lo >>> 0; return true;
  }
  if (ka === K_ZERO) { RK = 0; return true; }
  if (ka === K_INF) { RK = 1; return true; }
  unpackA(a);
  W0 = AH; W1 = AL; W2 = 0; ST = 0;
  if (!roundCore(ctx, AS, AE, p, emin, emax, false)) return false;
  RK = 4;
  return true;
}

export function toF32(ctx: FpCtx, a: F80, res: Uint32Array): boolean {
  if (!storeFloat(ctx, a, 24, BIAS - 126, BIAS + 127)) return false;
  const s = (AS << 31) >>> 0;
  let v: number;
  switch (RK) {
    case 0: v = s; break;
    case 1: v = s | 0x7f800000; break;
    case 2: v = s | 0x7fc00000 | ((W0 >>> 8) & 0x3fffff); break;
    case 3: v = 0xffc00000; break;
    default: {
      const f = (W0 >>> 8) & 0x7fffff;
      v = (W0 >>> 31) === 0 ? s | f : s | ((RE - BIAS + 127) << 23) | f;
    }
  }
  res[0] = v >>> 0;
  return true;
}

export function toF64(ctx: FpCtx, a: F80, res: Uint32Array): boolean {
  if (!storeFloat(ctx, a, 53, BIAS - 1022, BIAS + 1023)) return false;
  const s = (AS << 31) >>> 0;
  const fh = (W0 >>> 11) & 0xfffff, fl = ((W0 << 21) | (W1 >>> 11)) >>> 0;
  let h: number, l: number;
  switch (RK) {
    case 0: h = s; l = 0; break;
    case 1: h = s | 0x7ff00000; l = 0; break;
    case 2: h = s | 0x7ff80000 | (fh & 0x7ffff); l = fl; break;
    case 3: h = 0xfff80000; l = 0; break;
    default:
      h = (W0 >>> 31) === 0 ? s | fh : s | ((RE - BIAS + 1023) << 20) | fh;
      l = fl;
  }
  res[0] = l >>> 0; res[1] = h >>> 0;
  return true;
}

// ---- packed BCD --------------------------------------------------------------------------

export function fromBcd(_ctx: FpCtx, bytes: Uint8Array, out: F80): boolean {
  let hi9 = 0, lo9 = 0;
  for (let i = 8; i >= 0; i--) {
    const v = bytes[i] ?? 0;
    const d = (v >>> 4) * 10 + (v & 15);
    if (i >= 5) hi9 = hi9 * 100 + d;
    if (i === 4) { hi9 = hi9 * 10 + (v >>> 4); lo9 = v & 15; } else if (i < 4) lo9 = lo9 * 100 + d;
  }
  mul32(hi9, 1000000000);
  const l = ML + lo9;
  const s = ((bytes[9] ?? 0) >>> 7) & 1;
  fromMag(out, s, MH + (l >= TWO32 ? 1 : 0), l >>> 0);
  return true;
}

export function toBcd(ctx: FpCtx, a: F80, bytes: Uint8Array): boolean {
  ctx.c1 = 0;
  const ka = kind(a);
  let ok = false;
  let s = a.se >>> 15;
  if (ka === K_ZERO) { W0 = 0; W1 = 0; ok = true; }
  else if (ka === K_NORMAL || ka === K_DENORM) {
    unpackA(a);
    s = AS;
    const r = intRound(ctx.rc);
    // 10^18 - 1 = 0x0DE0B6B3A763FFFF
    ok = r !== 2 && (W0 < 0x0de0b6b3 || (W0 === 0x0de0b6b3 && W1 <= 0xa763ffff));
    if (ok && r !== 0) { ctx.flags |= FE_PE; ctx.c1 = UPPED; }
  }
  if (!ok) {
    ctx.flags |= FE_IE;
    if ((ctx.mask & FE_IE) === 0) return false;
    for (let i = 0; i < 7; i++) bytes[i] = 0;
    bytes[7] = 0xc0; bytes[8] = 0xff; bytes[9] = 0xff;
    return true;
  }
  // Divide W0:W1 by 10^9 in 16-bit chunks.
  let rem = 0;
  let ql = 0;
  for (let i = 0; i < 4; i++) {
    const chunk = i === 0 ? W0 >>> 16 : i === 1 ? W0 & 0xffff : i === 2 ? W1 >>> 16 : W1 & 0xffff;
    const cur = rem * 65536 + chunk;
    const q = Math.floor(cur / 1000000000);
    rem = cur - q * 1000000000;
    ql = (ql * 65536 + q) % TWO32;
  }
  let hi9 = ql, lo9 = rem;
  for (let i = 0; i < 9; i++) {
    let d: number;
    if (i < 4) {
      d = lo9 % 100; lo9 = Math.floor(lo9 / 100);
      bytes[i] = ((Math.floor(d / 10) << 4) | (d % 10)) & 0xff;
    } else if (i === 4) {
      const low = lo9 % 10;
      const high = hi9 % 10; hi9 = Math.floor(hi9 / 10);
      bytes[i] = (high << 4) | low;
    } else {
      d = hi9 % 100; hi9 = Math.floor(hi9 / 100);
      bytes[i] = ((Math.floor(d / 10) << 4) | (d % 10)) & 0xff;
    }
  }
  bytes[9] = s !== 0 ? 0x80 : 0;
  return true;
}

// ---- wide results (transcendental.ts) ------------------------------------------------------

/**
 * Rounds sign * 0.w0w1w2... * 2^(e - BIAS + 1) (w0 bit 31 set; `sticky`: nonzero bits below
 * w2) to 64 bits by ctx.rc into a register value, with OE/UE/PE and C1 as for arithmetic.
 * Precision control does not apply: the SDM limits it to FADD..FSQRT.
 */
export function roundWide(ctx: FpCtx, sign: number, e: number, w0: number, w1: number, w2: number, sticky: boolean, out: F80): void {
  W0 = w0 >>> 0; W1 = w1 >>> 0; W2 = w2 >>> 0; ST = sticky ? 1 : 0;
  roundCore(ctx, sign, e, 64, 1, 0x7ffe, true);
  packReg(out, sign);
}
