// The allocating convenience API: one fresh `Instruction` per call, for tools and tests.
// Hot paths (the CPU core, the translator) call `decodeInto` with a reused record instead.

import { decodeInto } from './decode.js';
import { Instruction } from './instruction.js';

export interface DecodeOptions {
  /** Code size: 16 or 32 (default 32). */
  bits?: 16 | 32;
  /** Byte offset of the instruction in `code` (default 0). */
  offset?: number;
  /** Address of the instruction, for relative targets (default 0). */
  ip?: number;
  /** `DecodeFlags` bits. */
  flags?: number;
}

/** Decodes one instruction into a new record; `status` and `length` say how it went. */
export function decode(code: Uint8Array, options: DecodeOptions = {}): Instruction {
  const out = new Instruction();
  const offset = options.offset ?? 0;
  decodeInto(out, code, offset, code.length, options.bits ?? 32, options.ip ?? 0, options.flags ?? 0);
  return out;
}
