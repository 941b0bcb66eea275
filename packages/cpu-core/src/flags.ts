// Lazy arithmetic flags.
//
// Representation (one for the interpreter and, later, the block JIT): the last
// flag-setting arithmetic operation is kept as its kind, operands, result and width
// (`fOp`, `fDst`, `fSrc`, `fRes`, `fBits`), and `fLazy` says which of the six arithmetic
// flags are to be computed from them; every other EFLAGS bit, and any arithmetic flag not
// in `fLazy`, is held in `flagsReg`. An instruction that defines all six flags from its
// operands just stores the operation (five stores, no flag math); a consumer (Jcc, PUSHF,
// ADC ...) computes only the flags it needs. Operations whose flags are not a function of
// (kind, operands, result), such as shifts and multiplies, write `flagsReg` eagerly and
// leave only the flags that do follow the rule (SF, ZF, PF) lazy with kind LOGIC.
//
// Values are int32 (`| 0`); results are stored already truncated to the width, and all
// tests mask with the width, so callers may pass unmasked operands.

import { EFLAGS_AF, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_FIXED1, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF } from './state.js';

/** Operation kinds for the lazy flags. */
export const LZ_ADD: number = 0;
export const LZ_ADC: number = 1;
export const LZ_SUB: number = 2;
export const LZ_SBB: number = 3;
/** AND/OR/XOR/TEST, and the SF/ZF/PF of eagerly computed operations: CF = OF = AF = 0. */
export const LZ_LOGIC: number = 4;
export const LZ_INC: number = 5;
export const LZ_DEC: number = 6;
export const LZ_NEG: number = 7;

/** Parity of each byte value: EFLAGS_PF when the number of set bits is even. */
const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i;
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  PARITY[i] = (b & 1) === 0 ? EFLAGS_PF : 0;
}

/** Width mask by bit count. */
export function widthMask(bits: number): number {
  return bits === 32 ? -1 : (1 << bits) - 1;
}

/** The flag part of the CPU: concrete EFLAGS bits plus the lazy record. */
export class FlagState {
  /** EFLAGS with every bit not in `fLazy` valid (bit 1 always set). */
  flagsReg: number = EFLAGS_FIXED1;
  fLazy = 0;
  fOp: number = LZ_LOGIC;
  fDst = 0;
  fSrc = 0;
  fRes = 0;
  fBits = 32;

  /** Records an arithmetic result whose six flags follow from (op, dst, src, res). */
  setArith(op: number, dst: number, src: number, res: number, bits: number): void {
    this.fOp = op;
    this.fDst = dst;
    this.fSrc = src;
    this.fRes = res & widthMask(bits);
    this.fBits = bits;
    this.fLazy = EFLAGS_ARITH;
  }

  /** INC/DEC: like setArith but CF keeps its value. */
  setIncDec(op: number, dst: number, res: number, bits: number): void {
    if ((this.fLazy & EFLAGS_CF) !== 0) this.flagsReg = (this.flagsReg & ~EFLAGS_CF) | this.cf();
    this.fOp = op;
    this.fDst = dst;
    this.fSrc = 1;
    this.fRes = res & widthMask(bits);
    this.fBits = bits;
    this.fLazy = EFLAGS_ARITH & ~EFLAGS_CF;
  }

  /**
   * Records a result whose SF/ZF/PF follow from it, with CF/OF/AF given explicitly
   * (logic ops: all zero; shifts and multiplies: their own rules).
   */
  setResult(res: number, bits: number, cfOfAf: number): void {
    this.flagsReg = (this.flagsReg & ~(EFLAGS_CF | EFLAGS_OF | EFLAGS_AF)) | cfOfAf;
    this.fOp = LZ_LOGIC;
    this.fRes = res & widthMask(bits);
    this.fBits = bits;
    this.fLazy = EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF;
  }

  /** CF as 0 or EFLAGS_CF. */
  cf(): number {
    if ((this.fLazy & EFLAGS_CF) === 0) return this.flagsReg & EFLAGS_CF;
    const m = widthMask(this.fBits);
    const d = this.fDst & m;
    const s = this.fSrc & m;
    const r = this.fRes;
    switch (this.fOp) {
      case LZ_ADD:
        return (r >>> 0) < (d >>> 0) ? EFLAGS_CF : 0;
      case LZ_ADC: // carry out of the top bit: the carry vector's MSB
        return ((((d & s) | ((d | s) & ~r)) >>> (this.fBits - 1)) & 1);
      case LZ_SUB:
        return (d >>> 0) < (s >>> 0) ? EFLAGS_CF : 0;
      case LZ_SBB: // borrow out of the top bit
        return ((((~d & s) | ((~d | s) & r)) >>> (this.fBits - 1)) & 1);
      case LZ_NEG:
        return r !== 0 ? EFLAGS_CF : 0;
      default:
        return 0;
    }
  }

  /** OF as 0 or EFLAGS_OF. */
  of(): number {
    if ((this.fLazy & EFLAGS_OF) === 0) return this.flagsReg & EFLAGS_OF;
    const top = this.fBits - 1;
    const d = this.fDst;
    const s = this.fSrc;
    const r = this.fRes;
    let v: number;
    switch (this.fOp) {
      case LZ_ADD:
      case LZ_ADC:
      case LZ_INC:
        v = (d ^ r) & (s ^ r);
        break;
      case LZ_SUB:
      case LZ_SBB:
      case LZ_DEC:
        v = (d ^ s) & (d ^ r);
        break;
      case LZ_NEG: // 0 - s
        v = s & r;
        break;
      default:
        return 0;
    }
    return ((v >>> top) & 1) !== 0 ? EFLAGS_OF : 0;
  }

  /** AF as 0 or EFLAGS_AF. */
  af(): number {
    if ((this.fLazy & EFLAGS_AF) === 0) return this.flagsReg & EFLAGS_AF;
    if (this.fOp === LZ_LOGIC) return 0;
    return (this.fDst ^ this.fSrc ^ this.fRes) & EFLAGS_AF;
  }

  /** ZF as 0 or EFLAGS_ZF. */
  zf(): number {
    if ((this.fLazy & EFLAGS_ZF) === 0) return this.flagsReg & EFLAGS_ZF;
    return this.fRes === 0 ? EFLAGS_ZF : 0;
  }

  /** SF as 0 or EFLAGS_SF. */
  sf(): number {
    if ((this.fLazy & EFLAGS_SF) === 0) return this.flagsReg & EFLAGS_SF;
    return ((this.fRes >>> (this.fBits - 1)) & 1) !== 0 ? EFLAGS_SF : 0;
  }

  /** PF as 0 or EFLAGS_PF. */
  pf(): number {
    if ((this.fLazy & EFLAGS_PF) === 0) return this.flagsReg & EFLAGS_PF;
    return PARITY[this.fRes & 0xff] as number;
  }

  /** The whole EFLAGS value. */
  getFlags(): number {
    if (this.fLazy === 0) return this.flagsReg;
    return (this.flagsReg & ~EFLAGS_ARITH) | this.cf() | this.pf() | this.af() | this.zf() | this.sf() | this.of();
  }

  /** Sets EFLAGS bits under `mask` (arithmetic bits included) from `value`. */
  setFlags(value: number, mask: number): void {
    const cur = this.getFlags();
    this.flagsReg = ((cur & ~mask) | (value & mask) | EFLAGS_FIXED1) & ~0xffc08028;
    this.fLazy = 0;
  }

  /** Sets or clears one arithmetic flag, keeping the others (CLC, STC, CMC, BT, ...). */
  setFlag(bit: number, on: boolean): void {
    if ((this.fLazy & bit) !== 0) {
      // Materialise the other lazy flags first: they still depend on the old record.
      this.flagsReg = this.getFlags();
      this.fLazy = 0;
    }
    this.flagsReg = on ? this.flagsReg | bit : this.flagsReg & ~bit;
  }

  /** Condition code cc (the low nibble of Jcc/SETcc/CMOVcc) holds. */
  testCC(cc: number): boolean {
    let t: boolean;
    switch (cc >> 1) {
      case 0:
        t = this.of() !== 0;
        break;
      case 1:
        t = this.cf() !== 0;
        break;
      case 2:
        t = this.zf() !== 0;
        break;
      case 3:
        t = this.cf() !== 0 || this.zf() !== 0;
        break;
      case 4:
        t = this.sf() !== 0;
        break;
      case 5:
        t = this.pf() !== 0;
        break;
      case 6:
        t = this.sf() !== 0 !== (this.of() !== 0);
        break;
      default:
        t = this.zf() !== 0 || this.sf() !== 0 !== (this.of() !== 0);
        break;
    }
    return (cc & 1) !== 0 ? !t : t;
  }
}
