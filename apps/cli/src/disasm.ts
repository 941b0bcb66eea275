// `vmm86 disasm`: linear sweep over a byte range, one objdump-style line per instruction.
// The decoder comes in through the small LineDecoder port so the sweep and the layout can
// be tested with a fake; x86-line-decoder.ts adapts @vmm86/x86-decoder to it.
//
// An instruction cut off by the end of the range is shown the way objdump shows one cut off
// by the end of its section: its first byte alone as `.byte 0xNN`, then the sweep goes on
// from the next byte. So `vmm86 disasm FILE` prints the same lines as
// `objdump -D -b binary -m i386 -M intel --insn-width=16 FILE` (objdump -z for files with
// runs of zero bytes, which objdump otherwise elides as `...`).

import { addressWidth, formatLine } from './format.js';

export interface DecodedLine {
  /** Bytes the instruction occupies (ignored when truncated). */
  readonly length: number;
  readonly text: string;
  /** The range ended before the instruction did. */
  readonly truncated: boolean;
}

/** Decodes one instruction at `offset` (< `end`), whose address is `ip`. */
export interface LineDecoder {
  decode(code: Uint8Array, offset: number, end: number, ip: number): DecodedLine;
}

export interface DisasmRange {
  /** Address of code[0]. */
  readonly org: number;
  /** First offset to decode. */
  readonly start: number;
  /** Offset just past the last byte to decode. */
  readonly end: number;
}

/** Lines for code[start, end), addresses starting at org + start. */
export function* disassemble(code: Uint8Array, range: DisasmRange, decoder: LineDecoder): Generator<string, void> {
  const width = addressWidth(range.org, code.length);
  let offset = range.start;
  while (offset < range.end) {
    const ip = (range.org + offset) >>> 0;
    const line = decoder.decode(code, offset, range.end, ip);
    let length: number;
    let text: string;
    if (line.truncated) {
      length = 1;
      text = `.byte 0x${(code[offset] ?? 0).toString(16)}`;
    } else {
      length = Math.min(Math.max(line.length, 1), range.end - offset);
      text = line.text;
    }
    yield formatLine(ip, width, code, offset, length, text);
    offset += length;
  }
}
