// The documented differences between our formatter and objdump's.
//
// `normalise` is applied to both texts before comparing; `EXCEPTIONS` lists every class of
// remaining disagreement with the reason it is accepted. A disagreement that matches no
// class fails the differential tests.

import type { Mismatch } from './random.js';

/** Whitespace only: objdump pads the mnemonic to a column; we compare single-spaced text. */
export function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

export interface ExceptionClass {
  id: string;
  reason: string;
  match: (m: Mismatch) => boolean;
}

const withoutDataWords = (t: string): string => normalise(t).replace(/\b(data16|data32) /g, '');

export const EXCEPTIONS: readonly ExceptionClass[] = [
  {
    id: 'hint-nop-66-beside-rep',
    reason:
      'A 66 prefix together with an ignored F2/F3 on a hint NOP (0F 19-1F): objdump applies the ' +
      'operand size but prints or omits "data16" depending on the order of the prefixes and ' +
      'the operand kind; we always apply it and print it once. Only the data16/data32 words differ.',
    match: (m) =>
      /^((26|2e|36|3e|64|65|66|67|f0|f2|f3)*)0f1[9a-f]/.test(m.bytes) &&
      /\bnop\b/.test(m.theirs) &&
      withoutDataWords(m.ours) === withoutDataWords(m.theirs),
  },
  {
    id: 'evex-avx512-text',
    reason:
      'EVEX (AVX-512) encodings decode with exact length, prefixes and operand kinds, but their ' +
      'text is only partly objdump\'s: AVX-512-only opcodes (vpternlog, vpermt2*, vrndscale, the ' +
      'FP16 maps ...) print the placeholder mnemonic "vevex", registers 16-31 (EVEX.R\'/V\') are not ' +
      'named, and objdump\'s "{evex}" pseudo-prefix is not always reproduced. AVX-512 is far beyond ' +
      'the Pentium Pro/II class CPU this decoder serves; naming it is left to a later issue.',
    match: (m) => /^((26|2e|36|3e|64|65|66|67|f0|f2|f3)*)62/.test(m.bytes),
  },
  {
    id: 'objdump-66-mmx-as-xmm',
    reason:
      'F2 0F D6 is MOVDQ2Q mm, xmm and F3 0F D6 is MOVQ2DQ xmm, mm; with an additional 66 prefix ' +
      'objdump prints the MMX operand as an xmm register and drops "data16". The CPU ignores ' +
      'the 66 and uses an MMX register, which is what we print.',
    match: (m) =>
      /^((26|2e|36|3e|64|65|66|67|f0|f2|f3)*)0fd6/.test(m.bytes) &&
      /\b(movdq2q|movq2dq)\b/.test(m.ours) &&
      normalise(m.ours).replace(/\bdata(16|32) /, '').replace(/\bmm(\d)/, 'xmm$1') === normalise(m.theirs),
  },
  {
    id: 'objdump-xop-16bit-high-registers',
    reason:
      'In 16-bit code objdump applies the inverted XOP.R/X/B/vvvv bits and names registers 8-15, ' +
      'which exist only in 64-bit mode; the CPU ignores those bits outside 64-bit mode, and we ' +
      'print registers 0-7. The texts agree once objdump\'s register numbers are taken modulo 8.',
    match: (m) =>
      m.bits === 16 &&
      /^((26|2e|36|3e|64|65|66|67|f0|f2|f3)*)8f/.test(m.bytes) &&
      normalise(m.theirs).replace(/\b([xy]mm)(\d+)/g, (_s, r: string, n: string) => `${r}${Number(n) % 8}`) ===
        normalise(m.ours),
  },
];

/** The id of the exception class explaining a text mismatch, or undefined. */
export function classify(m: Mismatch): string | undefined {
  for (const e of EXCEPTIONS) if (e.match(m)) return e.id;
  return undefined;
}
