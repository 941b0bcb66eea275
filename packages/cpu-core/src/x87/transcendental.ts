// The x87 transcendentals (FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1) on finite,
// non-NaN operands, computed exactly enough to round correctly.
//
// Each function evaluates its result in BigInt fixed point (F fraction bits) as an open
// interval (lo, hi) * 2^e that certainly contains the true value, then rounds once with
// float80's roundWide. When both ends round to the same register value (and C1), that value
// is the correctly rounded result; otherwise the evaluation is repeated with more bits
// (Ziv's strategy). Results that are exact (log2 of a power of two, 2^+-1 - 1) are rounded
// without the sticky bit, so they raise no PE.
//
// FSIN/FCOS/FSINCOS/FPTAN reduce their argument the way the x87 does: modulo pi/2 with the
// 66-bit approximation PI66 = 0xC90FDAA22168C234C * 2^-66 of pi (Intel SDM Vol. 1, 8.3.10;
// this host, an AMD EPYC, gives the same: FSIN(x) for x = the register nearest pi is
// exactly PI66 - x). The remainder is exact, so FSIN(x) = sin(x - q * PI66/2 + q * pi/2)
// correctly rounded; near multiples of pi/2 this differs from the true sin(x).
//
// Speed: tens of microseconds per instruction (BigInt); these instructions are rare. The
// BigInt temporaries are the only allocation in the x87 model.

import { roundWide } from './float80.js';
import { F80, FE_UE, type FpCtx } from './types.js';

const BIAS = 16383;

/** pi/2 as the x87 reduces with it: PI66 / 2 = HALF_PI66 * 2^-67. */
const HALF_PI66 = 0xc90fdaa22168c234cn;

// ---- fixed-point constants, computed once per precision ----------------------------------

interface Consts { f: bigint; one: bigint; ln2: bigint; pi: bigint }
const CONSTS = new Map<number, Consts>();

/** atanh(1/n) * 2^f by its series (n >= 3). */
function atanhInv(f: bigint, n: bigint): bigint {
  const one = 1n << f;
  let term = one / n;
  const n2 = n * n;
  let sum = 0n;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term /= n2;
  }
  return sum;
}

/** atan(1/n) * 2^f by its series (n >= 2). */
function atanInv(f: bigint, n: bigint): bigint {
  const one = 1n << f;
  let term = one / n;
  const n2 = n * n;
  let sum = 0n;
  let neg = false;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += neg ? -(term / k) : term / k;
    neg = !neg;
    term /= n2;
  }
  return sum;
}

function consts(fb: number): Consts {
  let c = CONSTS.get(fb);
  if (c === undefined) {
    const f = BigInt(fb);
    const g = f + 32n; // guard bits for the constants themselves
    // ln 2 = 2 atanh(1/3); pi = 16 atan(1/5) - 4 atan(1/239) (Machin).
    const ln2 = (2n * atanhInv(g, 3n)) >> 32n;
    const pi = (16n * atanInv(g, 5n) - 4n * atanInv(g, 239n)) >> 32n;
    c = { f, one: 1n << f, ln2, pi };
    CONSTS.set(fb, c);
  }
  return c;
}

// ---- helpers -------------------------------------------------------------------------------

function bitlen(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

function shift(v: bigint, n: number): bigint {
  return n >= 0 ? v << BigInt(n) : v >> BigInt(-n);
}

/** |v| = M * 2^E exactly (M the 64-bit significand; denormals and unnormals by value). */
let M = 0n;
let E = 0;
function unpack(v: F80): void {
  M = (BigInt(v.hi >>> 0) << 32n) | BigInt(v.lo >>> 0);
  E = Math.max(v.se & 0x7fff, 1) - BIAS - 63;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitlen(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

const SCRATCH = new F80();
const TRY: FpCtx = { rc: 0, pc: 3, mask: 0x3f, flags: 0, c1: 0 };

/** Rounds the positive m * 2^e (sticky: bits below m are nonzero) into `out`. */
function roundBig(ctx: FpCtx, sign: number, m: bigint, e: number, sticky: boolean, out: F80): void {
  const n = bitlen(m);
  let w = m;
  if (n > 96) {
    const lost = BigInt(n - 96);
    if ((w & ((1n << lost) - 1n)) !== 0n) sticky = true;
    w >>= lost;
  } else w <<= BigInt(96 - n);
  const w0 = Number(w >> 64n), w1 = Number((w >> 32n) & 0xffffffffn), w2 = Number(w & 0xffffffffn);
  roundWide(ctx, sign, e + n - 1 + BIAS, w0, w1, w2, sticky, out);
}

/**
 * Rounds a value known to lie strictly inside (lo, hi) * 2^e (0 < lo < hi): true when both
 * ends give the same result, which is then in `out` with ctx's flags and C1 updated.
 */
function roundInterval(ctx: FpCtx, sign: number, lo: bigint, hi: bigint, e: number, out: F80): boolean {
  TRY.rc = ctx.rc; TRY.mask = ctx.mask; TRY.flags = 0; TRY.c1 = 0;
  roundBig(TRY, sign, (hi << 2n) - 1n, e - 2, true, SCRATCH);
  const f = TRY.flags, c1 = TRY.c1;
  TRY.flags = 0; TRY.c1 = 0;
  roundBig(TRY, sign, (lo << 2n) + 1n, e - 2, true, out);
  const same = out.se === SCRATCH.se && out.hi === SCRATCH.hi && out.lo === SCRATCH.lo && c1 === TRY.c1 && f === TRY.flags;
  if (!same && !LAST) return false;
  ctx.flags |= f;
  ctx.c1 = c1;
  return true;
}

/** Working precisions tried in turn; the last result is kept even if still ambiguous. */
const PRECISIONS = [256, 512, 1024];

/** Runs `attempt` at increasing precision until its interval rounds unambiguously. */
function evaluate(attempt: (fb: number) => boolean): void {
  for (let i = 0; i < PRECISIONS.length; i++) {
    LAST = i === PRECISIONS.length - 1;
    if (attempt(PRECISIONS[i] as number)) break;
  }
  LAST = true;
}

/** The final attempt: roundInterval keeps its result even if the ends disagree. */
let LAST = true;

// Result interval of an attempt (module scratch).
let LO = 0n;
let HI = 0n;
let EXP = 0;

// ---- sin / cos / tan ---------------------------------------------------------------------

/** Series of sin(r)/r (odd = true) or cos(r) in fixed point, from r^2 (fixed). */
function trigSeries(c: Consts, r2: bigint, odd: boolean): bigint {
  let term = c.one;
  let sum = c.one;
  for (let k = odd ? 2n : 1n; term !== 0n; k += 2n) {
    term = -((term * r2) >> c.f) / (k * (k + 1n));
    sum += term;
  }
  return sum;
}

/** sin(r), cos(r), tan(r) or cot(r) for r = R * 2^-L (R > 0, r < 0.8) as LO/HI/EXP. */
function trigReduced(c: Consts, R: bigint, L: number, fn: number): void {
  const fb = Number(c.f);
  const tiny = bitlen(R) - L < -(fb / 2 + 4);
  if (fn === 1) {
    // cos
    if (tiny) { LO = c.one - 1n; HI = c.one; EXP = -fb; return; }
    const r2 = shift(R * R, fb - 2 * L);
    const C = trigSeries(c, r2, false);
    LO = C - 256n; HI = C + 256n; EXP = -fb; return;
  }
  if (fn === 3) {
    // cot = cos / sin: 1/r - r/3 - ...
    const g = BigInt(fb + bitlen(R));
    if (tiny) {
      const q = (1n << g) / R;
      LO = q - 1n; HI = q + 1n; EXP = L - Number(g); return;
    }
    const r2 = shift(R * R, fb - 2 * L);
    const S = trigSeries(c, r2, true), C = trigSeries(c, r2, false);
    LO = ((C - 256n) << g) / (R * (S + 256n)); HI = ((C + 256n) << g) / (R * (S - 256n)) + 1n;
    EXP = L - Number(g); return;
  }
  if (tiny) {
    // sin r in (r - r^3/6, r); tan r in (r, r + r^3/2): r^3 is far below one unit of R << 8
    // (shifted so that one unit is far below the 64-bit ulp even when R is short)
    const g = Math.max(8, 72 - bitlen(R));
    LO = fn === 0 ? (R << BigInt(g)) - 1n : R << BigInt(g); HI = LO + 1n; EXP = -L - g; return;
  }
  const r2 = shift(R * R, fb - 2 * L);
  const S = trigSeries(c, r2, true);
  if (fn === 0) {
    LO = R * (S - 256n); HI = R * (S + 256n); EXP = -L - fb; return;
  }
  const C = trigSeries(c, r2, false);
  LO = ((R * (S - 256n)) << c.f) / (C + 256n); HI = ((R * (S + 256n)) << c.f) / (C - 256n) + 1n;
  EXP = -L - fb;
}

/**
 * FSIN (fn 0), FCOS (1), FPTAN (2) of a finite nonzero |x| < 2^63 (the caller handles the
 * rest) into out; FSINCOS is fn 0 then fn 1.
 */
export function trig(ctx: FpCtx, x: F80, fn: number, out: F80): void {
  unpack(x);
  const xs = x.se >>> 15;
  // x = M * 2^E; remainder on the common scale 2^-L, exact.
  const L = Math.max(67, -E);
  const X = M << BigInt(E + L);
  const P = HALF_PI66 << BigInt(L - 67);
  const q = (2n * X + P) / (2n * P);
  let R = X - q * P;
  const rs = R < 0n ? 1 : 0;
  if (rs !== 0) R = -R;
  const quad = Number(q & 3n);
  // sin(x) = [sin r, cos r, -sin r, -cos r][quad]; cos(x) = [cos r, -sin r, -cos r, sin r];
  // tan(x) = tan r (quad even) or -cot r (odd). Signs: sin and tan are odd in x and r.
  let f: number, sign: number;
  if (fn === 0) {
    f = (quad & 1) === 0 ? 0 : 1;
    sign = xs ^ (quad >> 1) ^ (f === 0 ? rs : 0);
  } else if (fn === 1) {
    f = (quad & 1) === 0 ? 1 : 0;
    sign = ((quad + 1) >> 1) & 1 ^ (f === 0 ? rs : 0);
  } else {
    f = (quad & 1) === 0 ? 2 : 3;
    sign = xs ^ rs ^ (quad & 1);
  }
  if (R === 0n) {
    // r = 0 only with q = 0 (x is not a multiple of the 66-bit pi/2 otherwise): x = 0
    roundBig(ctx, sign, f === 1 ? 1n : 0n, 0, false, out);
    return;
  }
  evaluate((fb) => {
    trigReduced(consts(fb), R, L, f === 2 ? 2 : f);
    return roundInterval(ctx, sign, LO, HI, EXP, out);
  });
}

// ---- atan --------------------------------------------------------------------------------

/** Series of atan(t)/t in fixed point from t^2 (fixed). */
function atanSeries(c: Consts, t2: bigint): bigint {
  let pow = c.one;
  let sum = c.one;
  for (let k = 3n; pow !== 0n; k += 2n) {
    pow = -(pow * t2) >> c.f;
    sum += pow / k;
  }
  return sum;
}

/** FPATAN: atan2(y = ST1, x = ST0) for finite nonzero x and y into out. */
export function atan2(ctx: FpCtx, y: F80, x: F80, out: F80): void {
  unpack(y);
  const Y = M, ey = E;
  unpack(x);
  const X = M, ex = E;
  const ys = y.se >>> 15, xneg = x.se >>> 15;
  // t = small / big in [0, 1]: atan2 = a, pi - a, pi/2 - a or pi/2 + a with a = atan(t).
  const swap = Y * (1n << BigInt(Math.max(ey - ex, 0))) > X * (1n << BigInt(Math.max(ex - ey, 0)));
  const [N, en, D, ed] = swap ? [X, ex, Y, ey] : [Y, ey, X, ex];
  const nn = N << BigInt(64 - bitlen(N)), dn = D << BigInt(64 - bitlen(D));
  const et = en - ed + (bitlen(N) - 64) - (bitlen(D) - 64); // t = nn/dn * 2^et, nn/dn in (1/2, 2)
  evaluate((fb) => {
    const c = consts(fb);
    const g = BigInt(fb + 2);
    const T = (nn << g) / dn; // t in [T, T+1) * 2^(et - g)
    const exact = (nn << g) % dn === 0n;
    const te = et - Number(g); // t = T * 2^te
    const addPi = !swap && xneg !== 0;
    const fromHalf = swap;
    if (!addPi && !fromHalf) {
      if (bitlen(T) + te < -(fb / 2 + 4)) {
        LO = exact ? (T << 8n) - 1n : (T << 8n) - 1n; HI = exact ? T << 8n : (T + 1n) << 8n; EXP = te - 8;
        return roundInterval(ctx, ys, LO, HI, EXP, out);
      }
      if (bitlen(T) + te < -8) {
        const t2 = shift(T * T, fb + 2 * te);
        const U = atanSeries(c, t2);
        LO = T * (U - 64n); HI = (T + 1n) * (U + 64n); EXP = te - fb;
        return roundInterval(ctx, ys, LO, HI, EXP, out);
      }
    }
    // fixed point: t, then three half-angle steps t <- t / (1 + sqrt(1 + t^2))
    let t = shift(T, te + fb);
    let k = 0n;
    if (bitlen(t) > fb - 8) {
      for (; k < 3n; k++) {
        const s = isqrt(((c.one + ((t * t) >> c.f)) << c.f));
        t = (t << c.f) / (c.one + s);
      }
    }
    let a = (t * atanSeries(c, (t * t) >> c.f)) >> c.f;
    a <<= k;
    const half = c.pi >> 1n;
    let v: bigint;
    if (fromHalf) v = xneg !== 0 ? half + a : half - a;
    else v = addPi ? c.pi - a : a;
    LO = v - 4096n; HI = v + 4096n; EXP = -fb;
    return roundInterval(ctx, ys, LO, HI, EXP, out);
  });
}

// ---- 2^x - 1 -----------------------------------------------------------------------------

/** F2XM1 of a finite nonzero x into out (|x| <= 1 is the SDM's domain; beyond it 2^x - 1 too). */
export function f2xm1(ctx: FpCtx, x: F80, out: F80): void {
  unpack(x);
  const xs = x.se >>> 15;
  if (M === 1n << 63n && E === -63) {
    // x = +-1: exactly 1 or -1/2, but the host's evaluation lands just inside 1 and just
    // outside -1/2 and is rounded from there (RC down gives 0.FFFF..F, RC up -1/2 - ulp
    // stays -1/2 ...), so round those neighbours instead of the exact values.
    roundBig(ctx, xs, xs !== 0 ? (1n << 80n) + 1n : (1n << 80n) - 1n, xs !== 0 ? -81 : -80, true, out);
    return;
  }
  const X = M, ex = E;
  evaluate((fb) => {
    const c = consts(fb);
    // z = x ln2 (fixed); 2^x - 1 = z * sum z^k / (k+1)!
    const zfix = shift(X * c.ln2, ex);
    const z = xs !== 0 ? -zfix : zfix;
    let term = c.one, sum = c.one;
    for (let k = 2n; term !== 0n; k++) {
      term = ((term * z) >> c.f) / k;
      sum += term;
    }
    // result = X * ln2 * sum * 2^(ex - 2 fb), relative error far below 2^-(fb - 16)
    const m = X * c.ln2 * sum;
    const err = (m >> BigInt(fb - 16)) + 1n;
    return roundInterval(ctx, xs, m - err, m + err, ex - 2 * fb, out);
  });
}

// ---- log2 ------------------------------------------------------------------------------------

/** Series of atanh(s)/s in fixed point from s^2 (fixed). */
function atanhSeries(c: Consts, s2: bigint): bigint {
  let pow = c.one;
  let sum = c.one;
  for (let k = 3n; pow !== 0n; k += 2n) {
    pow = (pow * s2) >> c.f;
    sum += pow / k;
  }
  return sum;
}

/** y * log2(x) for finite nonzero y and finite x > 0 (FYL2X) into out. */
export function yl2x(ctx: FpCtx, y: F80, x: F80, out: F80): void {
  unpack(y);
  const Y = M, ey = E, ys = y.se >>> 15;
  unpack(x);
  log2Times(ctx, ys, Y, ey, M, E, out);
}

/** y * log2(z) for y = +-Y * 2^ey (nonzero) and z = Z * 2^ez > 0 into out. */
function log2Times(ctx: FpCtx, ys: number, Y: bigint, ey: number, z: bigint, ezIn: number, out: F80): void {
  let Z = z, ez = ezIn;
  // z = Xn / ONE * 2^k with Xn / ONE in [0.707, 1.414), exactly (ONE doubles instead of
  // halving Xn, so no bit of z is lost)
  // a z of more than 200 bits (1 + x for a huge x) keeps its top 200: its log2 is >= 64,
  // so the relative error (< 2^-198 absolute) is far below what the rounding needs
  let trunc = 0n;
  if (bitlen(Z) > 200) {
    const drop = bitlen(Z) - 200;
    if ((Z & ((1n << BigInt(drop)) - 1n)) !== 0n) trunc = 1n;
    Z >>= BigInt(drop);
    ez += drop;
  }
  const zl = bitlen(Z);
  let k = ez + zl - 1;
  let one = 1n << BigInt(zl - 1);
  if (Z * Z > 2n * one * one) { one <<= 1n; k++; }
  if (Z === one && trunc === 0n) {
    // z a power of two: y * k, exact but for the rounding
    if (k === 0) { roundBig(ctx, ys, 0n, 0, false, out); return; }
    roundBig(ctx, ys ^ (k < 0 ? 1 : 0), Y * BigInt(Math.abs(k)), ey, false, out);
    // the host reports every FYL2X result inexact (the caller adds PE), so a denormal
    // one is an underflow as well
    if ((out.se & 0x7fff) === 0 && (out.hi | out.lo) !== 0) ctx.flags |= FE_UE;
    return;
  }
  const zb = bitlen(one);
  evaluate((fb) => {
    const c = consts(fb + zb);
    const S = ((Z - one) << c.f) / (Z + one); // s = (X-1)/(X+1), |s| <= 0.172
    const W = atanhSeries(c, (S * S) >> c.f);
    const lnX = (2n * S * W) >> c.f;
    const l = (BigInt(k) << c.f) + (lnX << c.f) / c.ln2;
    const neg = l < 0n ? 1 : 0;
    const al = neg !== 0 ? -l : l;
    const err = 64n + (trunc << (c.f - 198n));
    return roundInterval(ctx, ys ^ neg, Y * (al - err), Y * (al + err), ey - Number(c.f), out);
  });
}

/** y * log2(1 + x) for finite nonzero y and x, x > -1 (FYL2XP1) into out. */
export function yl2xp1(ctx: FpCtx, y: F80, x: F80, out: F80): void {
  unpack(y);
  const Y = M, ey = E, ys = y.se >>> 15;
  unpack(x);
  const xs = x.se >>> 15;
  // s = x / (2 + x) = Ms / D exactly, on the scale 2^E
  const sc = Math.min(E, -2);
  const aM = M << BigInt(E - sc);
  const D = (2n << BigInt(-sc)) + (xs !== 0 ? -aM : aM);
  if (bitlen(M) + E > -2) {
    // |x| >= 1/4 (beyond the SDM's domain when |x| > 1 - sqrt(2)/2): log2 of 1 + x, exact
    log2Times(ctx, ys, Y, ey, D - (1n << BigInt(-sc)), sc, out);
    return;
  }
  evaluate((fb) => {
    const c = consts(fb);
    const g = fb + bitlen(D) - bitlen(aM);
    const S = (aM << BigInt(g)) / D; // |s| = S * 2^-g
    const W = atanhSeries(c, shift(S * S, fb - 2 * g));
    // log2(1+x) = 2 s W / ln2 = Q * 2^-g
    const Q = ((2n * S * W) << 2n) / c.ln2;
    return roundInterval(ctx, ys ^ xs, Y * (Q - 1024n), Y * (Q + 1024n), ey - g - 2, out);
  });
}

/** +-quarters * pi/4 (FPATAN's results for zero and infinite operands) into out. */
export function piQuarters(ctx: FpCtx, sign: number, quarters: number, out: F80): void {
  evaluate((fb) => {
    const v = consts(fb).pi * BigInt(quarters);
    return roundInterval(ctx, sign, v - 2n, v + 2n, -fb - 2, out);
  });
}
