// The x87 FPU state of a Pentium Pro and the bookkeeping every x87 instruction shares:
// the register stack, tags, status/control words, the last-instruction pointers, stack
// faults, exception recording, and the FSTENV/FSAVE memory images.
//
// Layout (nothing is allocated per instruction):
// - Eight *physical* registers R0-R7 in typed arrays: `se` (sign and biased exponent),
//   `hi`/`lo` (the 64-bit significand, explicit integer bit = bit 31 of `hi`). ST(i) is
//   R[(TOP + i) & 7].
// - `empty[r]` is 1 when R[r]'s tag is 11 (empty). The other three tag values (valid,
//   zero, special) are not stored: like the P6 (whose internal tag is one bit per register),
//   FSTENV/FSAVE compute them from the register contents, and FLDENV/FRSTOR keep only
//   "empty or not" from the tag word they load.
// - `sw` holds the status word without TOP (bits 11-13), which lives in `top`; `status()`
//   composes the architectural value. B (bit 15) mirrors ES (bit 7), as on every CPU since
//   the 387.
// - `fip`/`fcs`/`fop` and `fdp`/`fds`: the last non-control instruction's CS:EIP (of its
//   first prefix byte), its 11-bit opcode ((first opcode byte & 7) << 8 | ModRM), and its
//   memory operand's segment selector and offset. Register-only instructions leave the data
//   pointer unchanged. In real and v8086 mode the images hold 20/32-bit linear addresses;
//   FLDENV/FRSTOR there load the linear address into the offset and 0 into the selector.
//
// Power-on (SDM Vol. 3, Table 9-1): CW 0040H, SW 0, TW 5555H (all registers +0.0, tagged
// zero), pointers 0. FNINIT: CW 037FH, SW 0, TW FFFFH, pointers 0; registers keep their bits.

import { F80, FE_IE, FE_SF, FpCtx } from './types.js';

/** Status word bits. */
export const SW_C0: number = 1 << 8;
export const SW_C1: number = 1 << 9;
export const SW_C2: number = 1 << 10;
export const SW_C3: number = 1 << 14;
export const SW_CC: number = SW_C0 | SW_C1 | SW_C2 | SW_C3;
export const SW_ES: number = 1 << 7;
export const SW_B: number = 1 << 15;

/** Tag values (two bits per register in the tag word). */
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

export class Fpu {
  readonly se: Uint16Array = new Uint16Array(8);
  readonly hi: Uint32Array = new Uint32Array(8);
  readonly lo: Uint32Array = new Uint32Array(8);
  /** 1 when the physical register is empty (tag 11). */
  readonly empty: Uint8Array = new Uint8Array(8);
  top = 0;
  cw = 0x0040;
  /** Status word without TOP. */
  sw = 0;
  fip = 0;
  fcs = 0;
  fop = 0;
  fdp = 0;
  fds = 0;
  /** Rounding/precision/masks for the arithmetic, refreshed from `cw` before each operation. */
  readonly ctx: FpCtx = new FpCtx();
  /** Scratch operands and result (reused by every instruction). */
  readonly a: F80 = new F80();
  readonly b: F80 = new F80();
  readonly r: F80 = new F80();
  readonly r2: F80 = new F80();

  constructor() {
    this.powerOn();
  }

  /** RESET / power-on state. */
  powerOn(): void {
    this.se.fill(0);
    this.hi.fill(0);
    this.lo.fill(0);
    this.empty.fill(0);
    this.top = 0;
    this.cw = 0x0040;
    this.sw = 0;
    this.fip = this.fcs = this.fop = this.fdp = this.fds = 0;
  }

  /** FNINIT (and the end of FNSAVE). */
  init(): void {
    this.empty.fill(1);
    this.top = 0;
    this.cw = 0x037f;
    this.sw = 0;
    this.fip = this.fcs = this.fop = this.fdp = this.fds = 0;
  }

  /** The architectural status word. */
  status(): number {
    return (this.sw & ~(7 << 11)) | (this.top << 11);
  }

  /** Loads a status word (FLDENV/FRSTOR): TOP from bits 11-13, B made to mirror ES. */
  setStatus(value: number): void {
    this.top = (value >> 11) & 7;
    this.sw = value & 0x47ff;
  }

  /** Sets ES and B when the status word holds an exception the control word unmasks (clears them otherwise). */
  recomputeSummary(): void {
    if ((this.sw & ~this.cw & 0x3f) !== 0) this.sw |= SW_ES | SW_B;
    else this.sw &= ~(SW_ES | SW_B);
  }

  /** Refreshes `ctx` from the control word and clears its flags. */
  prepare(): FpCtx {
    const c = this.ctx;
    const pc = (this.cw >> 8) & 3;
    c.rc = (this.cw >> 10) & 3;
    c.pc = pc === 1 ? 3 : pc;
    c.mask = this.cw & 0x3f;
    c.flags = 0;
    c.c1 = 0;
    return c;
  }

  /**
   * Records exception flags in the status word; unmasked ones set ES and B. Returns true
   * when any of `flags` is unmasked (the caller then suppresses what the SDM says an
   * unmasked exception suppresses).
   */
  raise(flags: number): boolean {
    this.sw |= flags & 0x7f;
    if ((flags & ~this.cw & 0x3f) !== 0) {
      this.sw |= SW_ES | SW_B;
      return true;
    }
    return false;
  }

  /** Sets the condition code bits C3 C2 C1 C0 (pass SW_C* bits; the others are cleared). */
  setCc(bits: number): void {
    this.sw = (this.sw & ~SW_CC) | bits;
  }

  // ---- the register stack ---------------------------------------------------------------

  phys(i: number): number {
    return (this.top + i) & 7;
  }

  isEmpty(i: number): boolean {
    return this.empty[(this.top + i) & 7] === 1;
  }

  /** Copies ST(i) into `out`. */
  get(i: number, out: F80): void {
    const p = (this.top + i) & 7;
    out.se = this.se[p] as number;
    out.hi = this.hi[p] as number;
    out.lo = this.lo[p] as number;
  }

  /** Writes ST(i) (and tags it non-empty). */
  set(i: number, v: F80): void {
    const p = (this.top + i) & 7;
    this.se[p] = v.se;
    this.hi[p] = v.hi;
    this.lo[p] = v.lo;
    this.empty[p] = 0;
  }

  setBits(i: number, se: number, hi: number, lo: number): void {
    const p = (this.top + i) & 7;
    this.se[p] = se;
    this.hi[p] = hi;
    this.lo[p] = lo;
    this.empty[p] = 0;
  }

  /** Writes the real indefinite into ST(i). */
  setIndefinite(i: number): void {
    this.setBits(i, 0xffff, 0xc0000000, 0);
  }

  /** Marks ST(0) empty and increments TOP. */
  pop(): void {
    this.empty[this.top] = 1;
    this.top = (this.top + 1) & 7;
  }

  /** Decrements TOP (the new ST(0) is written by the caller). */
  pushSlot(): void {
    this.top = (this.top - 1) & 7;
  }

  /**
   * Stack overflow check for a push: when ST(7) is not empty, records IE|SF with C1 = 1 and
   * returns true; with IE masked the indefinite is pushed (the caller stops either way).
   */
  pushOverflow(): boolean {
    if (this.empty[(this.top + 7) & 7] === 1) return false;
    this.setCc((this.sw & (SW_C0 | SW_C2 | SW_C3)) | SW_C1);
    if (!this.raise(FE_IE | FE_SF)) {
      this.pushSlot();
      this.setIndefinite(0);
    }
    return true;
  }

  /**
   * Stack underflow: records IE|SF with C1 = 0. Returns true when IE is masked, i.e. the
   * caller should deliver the indefinite to its destination (and pop as usual).
   */
  underflow(): boolean {
    this.sw &= ~SW_C1;
    return !this.raise(FE_IE | FE_SF);
  }

  // ---- tags ------------------------------------------------------------------------------

  /** Tag of physical register `p` computed from its contents. */
  tagOf(p: number): number {
    if (this.empty[p] === 1) return TAG_EMPTY;
    const e = (this.se[p] as number) & 0x7fff;
    const hi = this.hi[p] as number;
    if (e === 0x7fff) return TAG_SPECIAL;
    if (e === 0) return hi === 0 && this.lo[p] === 0 ? TAG_ZERO : TAG_SPECIAL;
    return (hi & 0x80000000) === 0 ? TAG_SPECIAL : TAG_VALID;
  }

  /** The architectural tag word (FSTENV/FSAVE). */
  tagWord(): number {
    let t = 0;
    for (let p = 0; p < 8; p++) t |= this.tagOf(p) << (p * 2);
    return t;
  }

  /** Loads a tag word: only "empty" (11) versus "not empty" is kept. */
  setTagWord(t: number): void {
    for (let p = 0; p < 8; p++) this.empty[p] = ((t >> (p * 2)) & 3) === 3 ? 1 : 0;
  }
}

/** True for a signalling NaN (a NaN with significand bit 62 clear). */
export function isSnan(v: F80): boolean {
  return (v.se & 0x7fff) === 0x7fff && (v.hi & 0x80000000) !== 0 && (v.hi & 0x40000000) === 0 && ((v.hi & 0x3fffffff) !== 0 || v.lo !== 0);
}
