// The contract between the 80-bit arithmetic (float80.ts) and the FPU (fpu.ts, ops/x87.ts).
//
// Values are held in mutable `F80` records (no allocation per operation): the
// sign/exponent word and the 64-bit significand as two uint32 halves, exactly the bits of
// the 80-bit register format (the integer bit is explicit: bit 31 of `hi`). Arithmetic
// functions take an `FpCtx` with the rounding and precision control and the exception
// masks of the control word, write the result the x87 would deliver into `out`, and
// accumulate exception flags (FE_*) and the C1 "rounded up" bit in the context.
//
// Masked vs unmasked responses follow the SDM (Vol. 1, 8.5): when an unmasked invalid
// operation, zero divide or denormal-operand exception occurs, the destination is not
// written — the function returns false and leaves `out` unspecified; unmasked overflow
// and underflow deliver the result with its exponent adjusted by 24576 (0x6000), and the
// function returns true. The FPU then sets the status word and, for unmasked exceptions,
// ES/B so that the next waiting instruction raises #MF.

export class F80 {
  /** Bit 15: sign; bits 0-14: biased exponent (bias 16383). */
  se = 0;
  /** Significand bits 63-32 (bit 31 is the explicit integer bit). */
  hi = 0;
  /** Significand bits 31-0. */
  lo = 0;
}

/** Exception flags, as in the status word's low bits. */
export const FE_IE: number = 0x01;
export const FE_DE: number = 0x02;
export const FE_ZE: number = 0x04;
export const FE_OE: number = 0x08;
export const FE_UE: number = 0x10;
export const FE_PE: number = 0x20;
/** Stack fault (set together with IE by the FPU, never by arithmetic). */
export const FE_SF: number = 0x40;

/** Rounding control (control word bits 10-11). */
export const RC_NEAREST: number = 0;
export const RC_DOWN: number = 1;
export const RC_UP: number = 2;
export const RC_ZERO: number = 3;

/** Precision control (control word bits 8-9): 0 = 24-bit, 2 = 53-bit, 3 = 64-bit (1 is reserved, treated as 64). */
export const PC_24: number = 0;
export const PC_53: number = 2;
export const PC_64: number = 3;

export class FpCtx {
  /** Rounding control (RC_*). */
  rc: number = RC_NEAREST;
  /** Precision control (PC_*): applies to FADD FSUB FMUL FDIV FSQRT and their forms only. */
  pc: number = PC_64;
  /** The control word's exception masks (bits 0-5): a set bit masks the exception. */
  mask = 0x3f;
  /** Exception flags raised by the operations since the FPU last cleared this field. */
  flags = 0;
  /** C1 after the last rounding: 1 when the result was rounded up in magnitude. */
  c1 = 0;
}
