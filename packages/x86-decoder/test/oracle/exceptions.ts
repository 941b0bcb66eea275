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
];

/** The id of the exception class explaining a text mismatch, or undefined. */
export function classify(m: Mismatch): string | undefined {
  for (const e of EXCEPTIONS) if (e.match(m)) return e.id;
  return undefined;
}
