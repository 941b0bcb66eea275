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

export const EXCEPTIONS: readonly ExceptionClass[] = [];

/** The id of the exception class explaining a text mismatch, or undefined. */
export function classify(m: Mismatch): string | undefined {
  for (const e of EXCEPTIONS) if (e.match(m)) return e.id;
  return undefined;
}
