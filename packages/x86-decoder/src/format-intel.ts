// Intel-syntax text exactly as GNU objdump (-M intel) prints it.
//
// objdump's conventions, reproduced here rather than the SDM's: prefixes that the
// instruction did not use are printed as words before the mnemonic (`cs nop`,
// `data16 jmp`), LOCK and REP are always printed as words, branch F2 is `bnd`, DS on an
// indirect branch is `notrack`, the mnemonic is padded to six columns, memory operands
// carry a size keyword, absolute addresses print their segment (`ds:0x10`), a SIB byte
// without an index prints the pseudo-register `eiz` unless it encodes plain [esp].
// Differences from objdump that we accept are listed, with reasons, in the decoder's
// differential test.

import { DecodeStatus, Instruction, OpKind, Pfx } from './instruction.js';
import { FORM } from './decode.js';
import { FORMS, Cf, Touch } from './forms.js';
import { PTR_NAMES, SPEC_ID } from './operands.js';
import { Reg, regName, Seg } from './registers.js';
import { evexDecorate, simdText } from './vex.js';

const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
const SPEC_ST = SPEC_ID['ST'] as number;
const OPS = FORM.ops;

const hex = (v: number): string => '0x' + (v >>> 0).toString(16);

/** The objdump text of a decoded instruction ("(bad)" when the opcode is unknown). */
export function formatIntel(insn: Instruction, status: DecodeStatus = insn.status): string {
  if (status === DecodeStatus.TooLong || status === DecodeStatus.Truncated || insn.form === 0) {
    return '(bad)';
  }
  const form = insn.form;
  const row = FORMS[form];
  if (!row) return '(bad)';
  let mn = (FORM.byAddr[form] ? insn.adSize : insn.opSize) === 16 ? row.mnem16 : row.mnem32;
  if (FORM.sfx[form] && insn.opSize !== insn.bits) mn += insn.opSize === 16 ? 'w' : 'd';
  const sx = simdText(insn, mn); // CMPPS/PCLMULQDQ/3DNow!/VPCOM names from the immediate; {evex}
  if (sx) mn = sx[0];

  const words: string[] = [];
  const cf = FORM.cf[form] as number;
  // Branches take F2 as BND; XBEGIN (a JCC-like transfer on abort) is not one for objdump.
  const branch = (cf === Cf.JMP || cf === Cf.JCC || cf === Cf.CALL || cf === Cf.RET ||
    cf === Cf.JMP_INDIRECT || cf === Cf.CALL_INDIRECT) && row.mnem32 !== 'xbegin';
  const rep = FORM.rep[form] as number;
  // Special names (rep, bnd, xacquire, xrelease, notrack) go to the last byte of each kind;
  // earlier duplicates print under their plain names.
  const lastF2 = lastIndexOf(insn, (x) => x === 0xf2);
  const lastF3 = lastIndexOf(insn, (x) => x === 0xf3);
  const lastSeg = lastIndexOf(insn, isSegPrefix);
  const hleClass = FORM.hle[form] as number;
  const memDst = insn.opKind[0] === OpKind.MEM;
  const hle = memDst && ((hleClass === 1 && (insn.prefixes & Pfx.LOCK) !== 0) || hleClass === 2);
  const xrelease = hle || (memDst && hleClass === 3 && lastF3 > lastF2);
  // AMD's alternative encoding of CR8-CR15: LOCK MOV CRn (objdump prints crN+8, no lock).
  const lockedCr = (insn.prefixes & Pfx.LOCK) !== 0 && (FORM.touch[form]! & Touch.CR) !== 0 && insn.opcode >= 0x20 && insn.opcode <= 0x22 && insn.opMap === 1;
  const notrack = isNotrack(insn);
  for (let i = 0; i < insn.prefixCount; i++) {
    const b = insn.prefixBytes[i] as number;
    const used = (insn.usedPrefixes >> i) & 1;
    if (b === 0xf0) {
      if (!lockedCr || i !== lastIndexOf(insn, (x) => x === 0xf0)) words.push('lock');
    }
    else if (b === 0xf3 || b === 0xf2) {
      if (used && !rep) continue; // a mandatory SIMD prefix
      if (b === 0xf3) {
        words.push(i !== lastF3 ? 'repz' : xrelease ? 'xrelease' : rep === 1 ? 'rep' : 'repz');
      } else {
        words.push(i !== lastF2 ? 'repnz' : hle ? 'xacquire' : branch ? 'bnd' : 'repnz');
      }
    } else if (notrack && i === lastSeg) {
      words.push('notrack');
    } else if (used) {
      continue;
    } else if (b === 0x66) words.push(insn.bits === 16 ? 'data32' : 'data16');
    else if (b === 0x67) words.push(insn.bits === 16 ? 'addr32' : 'addr16');
    else words.push(SEG_NAMES[segOf(b)] as string);
  }
  words.push(mn);
  const head = words.join(' ');
  const n = sx ? sx[1] : insn.opCount;
  if (n === 0) return head;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = insn.opReg[i] as number;
    parts.push(lockedCr && insn.opKind[i] === OpKind.REG && r >= Reg.CR0 && r < Reg.CR0 + 8 ? `cr${r - Reg.CR0 + 8}` : operandText(insn, i));
  }
  if (insn.prefixes & (Pfx.VEX | Pfx.EVEX | Pfx.XOP)) evexDecorate(insn, parts); // {k}{z}, {1toN}, {sae}
  return head.padEnd(6, ' ') + ' ' + parts.join(',');
}

function isNotrack(insn: Instruction): boolean {
  const cf = FORM.cf[insn.form] as number;
  return (cf === Cf.JMP_INDIRECT || cf === Cf.CALL_INDIRECT) && lastIndexOf(insn, (x) => x === 0x3e) >= 0;
}

function isSegPrefix(b: number): boolean {
  return b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65;
}

function segOf(b: number): number {
  return b === 0x26 ? 0 : b === 0x2e ? 1 : b === 0x36 ? 2 : b === 0x3e ? 3 : b === 0x64 ? 4 : 5;
}

function lastIndexOf(insn: Instruction, pred: (b: number) => boolean): number {
  for (let i = insn.prefixCount - 1; i >= 0; i--) if (pred(insn.prefixBytes[i] as number)) return i;
  return -1;
}

function operandText(insn: Instruction, i: number): string {
  const kind = insn.opKind[i] as number;
  switch (kind) {
    case OpKind.REG: {
      const r = insn.opReg[i] as number;
      if (r === Reg.ST0 && OPS[insn.form * 4 + i] === SPEC_ST) return 'st';
      return regName(r);
    }
    case OpKind.IMM: {
      const v = i > 0 && insn.opKind[i - 1] === OpKind.IMM ? insn.imm2 : insn.imm;
      return hex(v);
    }
    case OpKind.CONST1:
      return '1';
    case OpKind.REL: {
      // objdump does not wrap rel8 targets at all, and shows a 16-bit target of 16-bit code
      // inside the 64 KiB window of the instruction address.
      if (insn.opBytes[i] === 1) return hex(insn.ip + insn.length + (insn.imm | 0));
      return hex(insn.bits === 16 && insn.opSize === 16 ? (insn.ip & ~0xffff) | insn.target : insn.target);
    }
    case OpKind.FAR:
      return `${hex(insn.imm2)}:${hex(insn.imm)}`;
    case OpKind.MEM:
      return (PTR_NAMES[insn.opPtr[i] as number] as string) + memText(insn, i);
    default:
      return '';
  }
}

function memText(insn: Instruction, i: number): string {
  // The destination of MOVS/CMPS/STOS/SCAS/INS is the second memory slot.
  const strDst = isStrDst(insn, i);
  if (strDst) return `es:[${regName(insn.mem2Base)}]`;
  const seg = insn.memSeg;
  // With NOTRACK objdump reads 3E as the CET hint, not as a segment, and prints none.
  const hasOverride = insn.segOverride !== Seg.NONE && !isNotrack(insn);
  const base = insn.memBase;
  const index = insn.memIndex;
  const sib = insn.sib;
  // A SIB byte without index prints objdump's pseudo-register eiz, except for plain [esp]
  // and, in 16-bit code, for a scale-1 address without base (printed as an absolute one).
  const eiz = sib >= 0 && ((sib >> 3) & 7) === 4 && !(base === Reg.ESP && insn.memScale === 1) &&
    !(insn.bits === 16 && base === Reg.NONE && insn.memScale === 1);
  if (base === Reg.NONE && index === Reg.NONE && !eiz) {
    // Absolute address (moffs, disp32/disp16 without registers), or a string/XLAT operand.
    const name = SEG_NAMES[seg] as string;
    return `${name}:${hex(insn.adSize === 16 && insn.memDispSize !== 4 ? insn.memDisp & 0xffff : insn.memDisp)}`;
  }
  let s = '[';
  let first = true;
  if (base !== Reg.NONE) {
    s += regName(base);
    first = false;
  }
  if (index !== Reg.NONE || eiz) {
    s += (first ? '' : '+') + (index !== Reg.NONE ? regName(index) : 'eiz');
    if (insn.adSize === 32) s += '*' + insn.memScale;
  }
  if (insn.memDispSize > 0) {
    const d = insn.memDisp;
    s += d < 0 ? '-' + hex(-d) : '+' + hex(d);
  }
  s += ']';
  const stringSrc = insn.sib < 0 && insn.modrm < 0; // string/XLAT operands always name their segment
  if (hasOverride || stringSrc) return `${SEG_NAMES[seg]}:${s}`;
  return s;
}

function isStrDst(insn: Instruction, i: number): boolean {
  // For forms with two memory operands (MOVS, CMPS) the ES:[rDI] one is the Y operand.
  const spec = OPS[insn.form * 4 + i] as number;
  return spec === SPEC_ID['Yb'] || spec === SPEC_ID['Yv'];
}

export { Pfx };
