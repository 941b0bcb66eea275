// Adapts @vmm86/x86-decoder to the LineDecoder port of disasm.ts. One Instruction record
// is reused for every line (the decoder fills a caller-owned record, no allocation).
// FWAIT is folded into a following no-wait x87 control instruction (9B DB E3 -> finit),
// as objdump prints it.

import { DecodeFlags, DecodeStatus, Instruction, decodeInto, formatIntel } from '@vmm86/x86-decoder';
import type { DecodedLine, LineDecoder } from './disasm.js';

/** The real decoder behind the LineDecoder port. */
export function x86LineDecoder(bits: 16 | 32): LineDecoder {
  const insn = new Instruction();
  return {
    decode(code: Uint8Array, offset: number, end: number, ip: number): DecodedLine {
      const status = decodeInto(insn, code, offset, end, bits, ip, DecodeFlags.FOLD_FWAIT);
      return {
        length: insn.length,
        text: status === DecodeStatus.Truncated ? '' : formatIntel(insn, status),
        truncated: status === DecodeStatus.Truncated,
      };
    },
  };
}
