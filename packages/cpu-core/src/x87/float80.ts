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
//        return -1 when the destination is not written (unmasked exception), otherwise the
//        condition codes as CC_* bits: C2 = incomplete, C0 = q2, C3 = q1, C1 = q0.
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

import type { F80, FpCtx } from './types.ts';

/** Condition-code bits returned by compare, classify, prem, prem1. */
export const CC_C0: number = 1;
export const CC_C1: number = 2;
export const CC_C2: number = 4;
export const CC_C3: number = 8;

function ni(name: string): never {
  throw new Error(`float80: ${name} not implemented`);
}

export function add(_ctx: FpCtx, _a: F80, _b: F80, _out: F80): boolean { return ni('add'); }
export function sub(_ctx: FpCtx, _a: F80, _b: F80, _out: F80): boolean { return ni('sub'); }
export function mul(_ctx: FpCtx, _a: F80, _b: F80, _out: F80): boolean { return ni('mul'); }
export function div(_ctx: FpCtx, _a: F80, _b: F80, _out: F80): boolean { return ni('div'); }
export function sqrt(_ctx: FpCtx, _a: F80, _out: F80): boolean { return ni('sqrt'); }
export function roundInt(_ctx: FpCtx, _a: F80, _out: F80): boolean { return ni('roundInt'); }
export function scale(_ctx: FpCtx, _a: F80, _b: F80, _out: F80): boolean { return ni('scale'); }
export function extract(_ctx: FpCtx, _a: F80, _sig: F80, _exp: F80): boolean { return ni('extract'); }
export function prem(_ctx: FpCtx, _a: F80, _b: F80, _out: F80): number { return ni('prem'); }
export function prem1(_ctx: FpCtx, _a: F80, _b: F80, _out: F80): number { return ni('prem1'); }
export function compare(_ctx: FpCtx, _a: F80, _b: F80, _quiet: boolean): number { return ni('compare'); }
export function classify(_a: F80, _empty: boolean): number { return ni('classify'); }
export function fromInt(_ctx: FpCtx, _lo: number, _hi: number, _out: F80): boolean { return ni('fromInt'); }
export function toInt(_ctx: FpCtx, _a: F80, _bits: number, _res: Uint32Array): boolean { return ni('toInt'); }
export function fromF32(_ctx: FpCtx, _bits: number, _out: F80): boolean { return ni('fromF32'); }
export function toF32(_ctx: FpCtx, _a: F80, _res: Uint32Array): boolean { return ni('toF32'); }
export function fromF64(_ctx: FpCtx, _lo: number, _hi: number, _out: F80): boolean { return ni('fromF64'); }
export function toF64(_ctx: FpCtx, _a: F80, _res: Uint32Array): boolean { return ni('toF64'); }
export function fromBcd(_ctx: FpCtx, _bytes: Uint8Array, _out: F80): boolean { return ni('fromBcd'); }
export function toBcd(_ctx: FpCtx, _a: F80, _bytes: Uint8Array): boolean { return ni('toBcd'); }
