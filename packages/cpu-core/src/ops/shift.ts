// Shifts and rotates: ROL ROR RCL RCR SHL/SAL SHR SAR (by 1, CL, imm8) and SHLD/SHRD.
//
// Count handling (SDM Vol. 2B, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD):
// the count is masked to 5 bits for every operand size; RCL/RCR of 8/16-bit operands then
// rotate by (count & 31) mod 9 / mod 17; ROL/ROR rotate by (count & 31) mod size but a
// masked count that is a non-zero multiple of the size still sets CF (and OF) from the
// unchanged value, as the SDM pseudo-code says. A masked count of 0 changes no flags; a
// memory operand is still read and written back (unchanged), so the access checks of a
// read-modify-write apply even then. The result is written first (memory is the last
// thing that can fault), the flags after it.
//
// Undefined flags. What the SDM leaves undefined, and what this core produces there
// (the behaviour Bochs models for P6-family CPUs; DOSBox's hardware-tuned AF rule):
//
// | instruction       | undefined per SDM                          | value we produce (P6)                                   |
// |-------------------|--------------------------------------------|---------------------------------------------------------|
// | SHL/SAL           | OF when count > 1; AF when count != 0;     | OF = CF XOR MSB(result) for every count; AF = 1;        |
// |                   | CF when count >= size (8/16-bit)           | CF = the last bit shifted out (0 once count > size)     |
// | SHR               | OF when count > 1; AF when count != 0;     | OF = MSB(result) XOR bit size-2 of result (0 for        |
// |                   | CF when count >= size (8/16-bit)           | count > 1); AF = 1; CF = last bit out (0 past size)     |
// | SAR               | OF when count > 1; AF when count != 0      | OF = 0; AF = 1                                          |
// | ROL               | OF when masked count != 1                  | OF = CF XOR MSB(result) (CF = LSB(result))              |
// | ROR               | OF when masked count != 1                  | OF = MSB(result) XOR bit size-2 of result               |
// | RCL               | OF when masked count != 1                  | OF = CF XOR MSB(result) when the rotate count (after    |
// |                   |                                            | mod 9/17) is non-zero, unchanged otherwise              |
// | RCR               | OF when masked count != 1                  | OF = MSB(result) XOR bit size-2 of result, same rule    |
// | SHLD              | OF when count > 1; AF when count != 0;     | OF = CF XOR MSB(result); AF = 1;                        |
// |                   | 16-bit count > 16: result and all flags    | 16-bit count 17-31: shifts the 48-bit dst:src:dst (P6), |
// |                   |                                            | CF = the last bit out of it, SF/ZF/PF from the result   |
// | SHRD              | as SHLD                                    | OF = MSB(result) XOR bit size-2 of result; AF = 1;      |
// |                   |                                            | 16-bit count 17-31: dst:src:dst shifted right (P6)      |
//
// Rotates never touch SF/ZF/AF/PF. `SHIFT_UNDEFINED_FLAGS` is that table as data and
// `shiftUndefinedFlags` the mask for one instruction instance (what the differential
// tests mask).

import type { Instruction } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import { EFLAGS_AF, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF } from '../state.js';

/** One row of an undefined-flags table. */
export interface UndefinedFlagsRule {
  /** Lower-case mnemonics the row covers. */
  readonly mnemonics: readonly string[];
  /** When the flags are undefined (in terms of the masked count / operands). */
  readonly when: string;
  /** The EFLAGS bits the SDM leaves undefined in that case. */
  readonly flags: number;
  /** What this core produces there. */
  readonly value: string;
}

/** The shift/rotate rows of the undefined-flags table (see the table above). */
export const SHIFT_UNDEFINED_FLAGS: readonly UndefinedFlagsRule[] = [
  { mnemonics: ['shl', 'sal', 'shr'], when: 'count > 1', flags: EFLAGS_OF, value: 'SHL: CF^MSB(res); SHR: res[size-1]^res[size-2]' },
  { mnemonics: ['sar'], when: 'count > 1', flags: EFLAGS_OF, value: '0' },
  { mnemonics: ['shl', 'sal', 'shr', 'sar', 'shld', 'shrd'], when: 'count != 0', flags: EFLAGS_AF, value: '1' },
  { mnemonics: ['shl', 'sal', 'shr'], when: 'count >= size (8/16-bit)', flags: EFLAGS_CF, value: 'last bit shifted out (0 when count > size)' },
  { mnemonics: ['rol', 'ror', 'rcl', 'rcr'], when: 'count != 1 (masked)', flags: EFLAGS_OF, value: 'ROL/RCL: CF^MSB(res); ROR/RCR: res[size-1]^res[size-2]; RCL/RCR: unchanged when count mod 9/17 = 0' },
  { mnemonics: ['shld', 'shrd'], when: 'count > 1', flags: EFLAGS_OF, value: 'SHLD: CF^MSB(res); SHRD: res[size-1]^res[size-2]' },
  {
    mnemonics: ['shld', 'shrd'], when: '16-bit, count > 16', flags: EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF,
    value: 'result of shifting dst:src:dst (48 bits), flags from it (the destination value is undefined too)',
  },
];

/**
 * EFLAGS bits left undefined by the SDM for one shift/rotate: `mnemonic` lower case,
 * `bits` the operand size, `count` the count operand before masking.
 */
export function shiftUndefinedFlags(mnemonic: string, bits: number, count: number): number {
  const c = count & 31;
  if (c === 0) return 0;
  switch (mnemonic) {
    case 'shl':
    case 'sal':
    case 'shr':
      return EFLAGS_AF | (c > 1 ? EFLAGS_OF : 0) | (c >= bits ? EFLAGS_CF : 0);
    case 'sar':
      return EFLAGS_AF | (c > 1 ? EFLAGS_OF : 0);
    case 'rol':
    case 'ror':
    case 'rcl':
    case 'rcr':
      return c > 1 ? EFLAGS_OF : 0;
    case 'shld':
    case 'shrd':
      if (bits === 16 && c > 16) return EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF;
      return EFLAGS_AF | (c > 1 ? EFLAGS_OF : 0);
    default:
      return 0;
  }
}

/** True when the destination (16-bit SHLD/SHRD with count > 16) is itself undefined. */
export function shiftResultUndefined(mnemonic: string, bits: number, count: number): boolean {
  return (mnemonic === 'shld' || mnemonic === 'shrd') && bits === 16 && (count & 31) > 16;
}

/** Sets CF and OF (0 or the flag bit), keeping every other flag. */
function setCfOf(cpu: Cpu, cf: number, of: number): void {
  if ((cpu.fLazy & (EFLAGS_CF | EFLAGS_OF)) !== 0) {
    cpu.flagsReg = cpu.getFlags();
    cpu.fLazy = 0;
  }
  cpu.flagsReg = (cpu.flagsReg & ~(EFLAGS_CF | EFLAGS_OF)) | cf | of;
}

export const ROL: number = 0;
export const ROR: number = 1;
export const RCL: number = 2;
export const RCR: number = 3;
export const SHL: number = 4;
export const SHR: number = 5;
export const SAR: number = 7;

const cfBit = (b: number): number => ((b & 1) !== 0 ? EFLAGS_CF : 0);
const ofBit = (b: number): number => ((b & 1) !== 0 ? EFLAGS_OF : 0);

// The flags of the last `shift`/`shiftDouble`, applied by `applyShiftFlags` once the
// result is written (so that a faulting write-back leaves the flags untouched).
const NO_FLAGS = 0;
const CF_OF = 1; // rotates: CF and OF only
const RESULT = 2; // shifts: SF/ZF/PF from the result, CF/OF/AF given
let pendKind = NO_FLAGS;
let pendBits = 0;

/**
 * Computes shift/rotate `op` of `v` (a `bits`-wide value) by the raw count `count` and
 * returns the result (v itself when nothing changes); the flags are recorded by the
 * following `applyShiftFlags`. Changes no CPU state.
 */
export function shift(cpu: Cpu, op: number, v: number, count: number, bits: number): number {
  const c = count & 31;
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  v &= mask;
  pendKind = NO_FLAGS;
  if (c === 0) return v;
  const top = bits - 1;
  let r: number;
  let cf: number;
  switch (op) {
    case ROL: {
      const n = c & top;
      r = n === 0 ? v : ((v << n) | (v >>> (bits - n))) & mask;
      cf = r & 1;
      pendKind = CF_OF;
      pendBits = cfBit(cf) | ofBit(cf ^ (r >>> top));
      return r;
    }
    case ROR: {
      const n = c & top;
      r = n === 0 ? v : ((v >>> n) | (v << (bits - n))) & mask;
      pendKind = CF_OF;
      pendBits = cfBit(r >>> top) | ofBit((r >>> top) ^ (r >>> (top - 1)));
      return r;
    }
    case RCL: {
      const n = bits === 32 ? c : c % (bits + 1);
      if (n === 0) return v;
      const ci = cpu.cf() !== 0 ? 1 : 0;
      // Rotate the (bits+1)-bit value CF:v left by n.
      cf = (v >>> (bits - n)) & 1;
      r = n === 1 ? (v << 1) | ci : (v << n) | (ci << (n - 1)) | (v >>> (bits + 1 - n));
      r &= mask;
      pendKind = CF_OF;
      pendBits = cfBit(cf) | ofBit(cf ^ (r >>> top));
      return r;
    }
    case RCR: {
      const n = bits === 32 ? c : c % (bits + 1);
      if (n === 0) return v;
      const ci = cpu.cf() !== 0 ? 1 : 0;
      cf = (v >>> (n - 1)) & 1;
      r = n === 1 ? (v >>> 1) | (ci << top) : (v >>> n) | (ci << (bits - n)) | (v << (bits + 1 - n));
      r &= mask;
      pendKind = CF_OF;
      pendBits = cfBit(cf) | ofBit((r >>> top) ^ (r >>> (top - 1)));
      return r;
    }
    case SHL:
      if (c > bits) {
        r = 0;
        cf = 0;
      } else {
        cf = (v >>> (bits - c)) & 1;
        r = c === 32 ? 0 : (v << c) & mask;
      }
      pendKind = RESULT;
      pendBits = cfBit(cf) | ofBit(cf ^ (r >>> top)) | EFLAGS_AF;
      return r;
    case SHR:
      if (c > bits) {
        r = 0;
        cf = 0;
      } else {
        cf = (v >>> (c - 1)) & 1;
        r = c === 32 ? 0 : v >>> c;
      }
      pendKind = RESULT;
      pendBits = cfBit(cf) | ofBit((r >>> top) ^ (r >>> (top - 1))) | EFLAGS_AF;
      return r;
    case SAR:
    default: {
      const s = (v << (32 - bits)) >> (32 - bits); // sign-extended
      cf = c > top ? (s >>> 31) & 1 : (s >> (c - 1)) & 1;
      r = (s >> (c > top ? top : c)) & mask;
      pendKind = RESULT;
      pendBits = cfBit(cf) | EFLAGS_AF;
      return r;
    }
  }
}

const POW2: Float64Array = new Float64Array(64);
for (let i = 0; i < 64; i++) POW2[i] = 2 ** i;

/**
 * Computes SHLD (`left`) / SHRD: `d` shifted by `count`, filled from `s`; the flags are
 * recorded by the following `applyShiftFlags`. Changes no CPU state.
 */
export function shiftDouble(left: boolean, d: number, s: number, count: number, bits: number): number {
  const c = count & 31;
  pendKind = NO_FLAGS;
  let r: number;
  let cf: number;
  if (bits === 32) {
    d |= 0;
    if (c === 0) return d;
    if (left) {
      r = (d << c) | (s >>> (32 - c));
      cf = (d >>> (32 - c)) & 1;
      pendBits = cfBit(cf) | ofBit(cf ^ (r >>> 31)) | EFLAGS_AF;
    } else {
      r = (d >>> c) | (s << (32 - c));
      cf = (d >>> (c - 1)) & 1;
      pendBits = cfBit(cf) | ofBit((r >>> 31) ^ (r >>> 30)) | EFLAGS_AF;
    }
    pendKind = RESULT;
    return r;
  }
  d &= 0xffff;
  s &= 0xffff;
  if (c === 0) return d;
  // The 48-bit value dst:src:dst; counts up to 16 only see dst:src (SHLD) or src:dst (SHRD).
  const x = d * (POW2[32] as number) + s * 65536 + d;
  if (left) {
    r = Math.floor(x / (POW2[32 - c] as number)) % 65536;
    cf = Math.floor(x / (POW2[48 - c] as number)) % 2;
    pendBits = cfBit(cf) | ofBit(cf ^ (r >>> 15)) | EFLAGS_AF;
  } else {
    r = Math.floor(x / (POW2[c] as number)) % 65536;
    cf = Math.floor(x / (POW2[c - 1] as number)) % 2;
    pendBits = cfBit(cf) | ofBit((r >>> 15) ^ (r >>> 14)) | EFLAGS_AF;
  }
  pendKind = RESULT;
  return r;
}

/** Records the flags of the last `shift`/`shiftDouble` (result `r`, width `bits`). */
export function applyShiftFlags(cpu: Cpu, r: number, bits: number): void {
  if (pendKind === RESULT) cpu.setResult(r, bits, pendBits);
  else if (pendKind === CF_OF) setCfOf(cpu, pendBits & EFLAGS_CF, pendBits & EFLAGS_OF);
}

const width = (letter: string, insn: Instruction): number => (letter === 'b' ? 8 : insn.opSize);

function shiftOp(op: number, letter: string): Handler {
  return (cpu, insn) => {
    const bits = width(letter, insn);
    const v = cpu.getOp(insn, 0, bits);
    const r = shift(cpu, op, v, cpu.getOp(insn, 1, 8), bits);
    cpu.setOp(insn, 0, bits, r); // a memory operand is written back even when unchanged
    applyShiftFlags(cpu, r, bits);
  };
}

function shiftDoubleOp(left: boolean): Handler {
  return (cpu, insn) => {
    const bits = insn.opSize;
    const d = cpu.getOp(insn, 0, bits);
    const s = cpu.getOp(insn, 1, bits);
    const r = shiftDouble(left, d, s, cpu.getOp(insn, 2, 8), bits);
    cpu.setOp(insn, 0, bits, r);
    applyShiftFlags(cpu, r, bits);
  };
}

const table: Record<string, Handler> = {};
const NAMES: readonly [string, number][] = [
  ['Rol', ROL], ['Ror', ROR], ['Rcl', RCL], ['Rcr', RCR], ['Shl', SHL], ['Shr', SHR], ['Sar', SAR],
];
for (const [name, op] of NAMES) {
  for (const l of ['b', 'v']) {
    for (const cnt of ['I1', 'CL', 'Ib']) table[`${name}_E${l}_${cnt}`] = shiftOp(op, l);
  }
}
table['Shld_Ev_Gv_Ib'] = shiftDoubleOp(true);
table['Shld_Ev_Gv_CL'] = shiftDoubleOp(true);
table['Shrd_Ev_Gv_Ib'] = shiftDoubleOp(false);
table['Shrd_Ev_Gv_CL'] = shiftDoubleOp(false);

defineOps(table);
