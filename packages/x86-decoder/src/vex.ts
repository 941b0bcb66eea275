// Run-time pieces of the SIMD/VEX/EVEX/XOP support that do not fit the generic engine:
//
// - mnemonics objdump derives from an immediate byte (CMPPS pseudo-ops, PCLMULQDQ,
//   3DNow!'s suffix opcode, XOP VPCOM*), registered per form id by the tables;
// - after-decode fix-ups of extended encodings: VSIB index registers, EVEX register
//   numbers (zmm by L'L), EVEX memory sizes, broadcast and compressed disp8*N.
//
// The tables register forms here while they are built; decode.ts and format-intel.ts
// call `fixExtended` and `simdText` (one line each).

import { Instruction, OpKind, Pfx } from './instruction.js';
import { Reg } from './registers.js';

/** How a form's mnemonic depends on its last (immediate) operand. */
export const TextKind = { CMP8: 1, CMP32: 2, PCLMUL: 3, NOW3D: 4, VPCOM: 5, PERMIL2: 6 } as const;

/** form id -> [kind, mnemonic prefix, mnemonic suffix]. */
export const SIMD_TEXT: Map<number, [number, string, string]> = new Map();

const CMP_PRED = [
  'eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord', 'eq_uq', 'nge', 'ngt', 'false', 'neq_oq', 'ge', 'gt',
  'true', 'eq_os', 'lt_oq', 'le_oq', 'unord_s', 'neq_us', 'nlt_uq', 'nle_uq', 'ord_s', 'eq_us', 'nge_uq',
  'ngt_uq', 'false_os', 'neq_os', 'ge_oq', 'gt_oq', 'true_us',
];
const PCLMUL = ['lql', 'hql', 'lqh', 'hqh'];
const VPCOM = ['lt', 'le', 'gt', 'ge', 'eq', 'neq', 'false', 'true'];
const NOW3D: Record<number, string> = {
  0x0c: 'pi2fw', 0x0d: 'pi2fd', 0x1c: 'pf2iw', 0x1d: 'pf2id', 0x8a: 'pfnacc', 0x8e: 'pfpnacc', 0x90: 'pfcmpge',
  0x94: 'pfmin', 0x96: 'pfrcp', 0x97: 'pfrsqrt', 0x9a: 'pfsub', 0x9e: 'pfadd', 0xa0: 'pfcmpgt', 0xa4: 'pfmax',
  0xa6: 'pfrcpit1', 0xa7: 'pfrsqit1', 0xaa: 'pfsubr', 0xae: 'pfacc', 0xb0: 'pfcmpeq', 0xb4: 'pfmul',
  0xb6: 'pfrcpit2', 0xb7: 'pmulhrw', 0xbb: 'pswapd', 0xbf: 'pavgusb',
};

/** The 3DNow! operation named by a suffix byte, or undefined (objdump prints "(bad)"). */
export function now3dName(suffix: number): string | undefined {
  return NOW3D[suffix];
}

/**
 * objdump's mnemonic for an immediate-named form and the number of operands it prints
 * (the immediate is dropped when it became part of the name); undefined for other forms.
 */
export function simdText(insn: Instruction, mn: string): [string, number] | undefined {
  if (insn.prefixes & Pfx.EVEX && EVEX_XE.has(insn.form) && !insn.evexAaa && !insn.evexZ && !insn.evexB && insn.vexL < 2) {
    const t = simdText1(insn);
    return t ? ['{evex} ' + t[0], t[1]] : ['{evex} ' + mn.replace('{vex} ', ''), insn.opCount];
  }
  if (insn.prefixes & Pfx.EVEX && mn.startsWith('{vex} ')) return [mn.slice(6), insn.opCount];
  return simdText1(insn);
}

/** Form ids of EVEX forms with a VEX twin: objdump prefixes "{evex}" unless EVEX-only features are used. */
export const EVEX_XE: Set<number> = new Set();

function simdText1(insn: Instruction): [string, number] | undefined {
  const k = SIMD_TEXT.get(insn.form);
  if (!k) return undefined;
  const [kind, pre, suf] = k;
  const n = insn.opCount;
  const imm = insn.imm & 0xff;
  switch (kind) {
    case TextKind.CMP8:
      return imm < 8 ? [pre + CMP_PRED[imm] + suf, n - 1] : undefined;
    case TextKind.CMP32:
      return imm < 32 ? [pre + CMP_PRED[imm] + suf, n - 1] : undefined;
    case TextKind.PCLMUL: {
      const t = imm === 0x10 ? 2 : imm === 0x11 ? 3 : imm;
      return t < 4 ? [pre + PCLMUL[t] + suf, n - 1] : undefined;
    }
    case TextKind.VPCOM:
      return imm < 8 ? [pre + VPCOM[imm] + suf, n - 1] : undefined;
    case TextKind.NOW3D:
      return [NOW3D[imm] ?? '(bad)', n - 1];
    default:
      return undefined;
  }
}

/** form id -> VSIB index class: 1 follows VEX.L (xmm/ymm), 2 always xmm, 3 EVEX by L'L, 4 EVEX half. */
export const VSIB: Map<number, number> = new Map();

/** After-decode fix-ups of VEX/XOP/EVEX forms; called by the decoder for extended encodings. */
export function fixExtended(out: Instruction): void {
  const v = VSIB.get(out.form);
  if (v !== undefined && out.sib >= 0) {
    const idx = (out.sib >> 3) & 7;
    let base: number = Reg.XMM0;
    if (v === 1) base = out.vexL ? Reg.YMM0 : Reg.XMM0;
    else if (v === 3) base = out.vexL === 2 ? Reg.ZMM0 : out.vexL ? Reg.YMM0 : Reg.XMM0;
    else if (v === 4) base = out.vexL === 2 ? Reg.YMM0 : Reg.XMM0;
    out.memIndex = base + idx;
  }
  if (out.prefixes & Pfx.EVEX) fixEvex(out);
}

/** EVEX hook, installed by tables/evex.ts. */
export let fixEvex: (out: Instruction) => void = () => {};
export function setEvexFixer(fn: (out: Instruction) => void): void {
  fixEvex = fn;
}

void OpKind;

/** EVEX operand decorations, installed by tables/evex.ts. */
let evexDecorator: (insn: Instruction, parts: string[]) => void = () => {};
export function setEvexDecorator(fn: (insn: Instruction, parts: string[]) => void): void {
  evexDecorator = fn;
}

/** Operand decorations of extended encodings: EVEX {k}{z}/{1toN}/{sae}, VPERMIL2's fifth operand. */
export function evexDecorate(insn: Instruction, parts: string[]): void {
  const k = SIMD_TEXT.get(insn.form);
  if (k && k[0] === TextKind.PERMIL2) parts.push('0x' + (insn.imm2 & 0xf).toString(16));
  if (insn.prefixes & Pfx.EVEX) evexDecorator(insn, parts);
}
