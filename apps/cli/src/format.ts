// objdump's line layout, so `vmm86 disasm` output diffs cleanly against
//   i686-linux-gnu-objdump -D -b binary -m i386 -M intel --insn-width=16
// (-m i8086 for 16-bit): "ADDR:\tBYTES\tTEXT", where BYTES is every byte as two hex digits
// and a space, padded to 16 * 3 columns, and ADDR is hex, right-aligned with spaces.
//
// ADDR's width follows objdump (disassemble_section, skip_addr_chars): it prints the
// address as 8 hex digits and drops leading zeros in groups of 4 as long as one leading
// zero of the section's end address (vma + size) is left. For 32-bit addresses that means
// width 4 when the end address is below 0x1000, else width 8.

/** Bytes shown per line: objdump's --insn-width=16. */
export const INSN_WIDTH = 16;

/**
 * Width of the address column for a section (here: the whole file) that starts at address
 * `vma` and is `size` bytes long.
 */
export function addressWidth(vma: number, size: number): number {
  const end = (vma + size) >>> 0;
  // objdump keeps every digit if the end address wrapped to 0 with a non-zero vma.
  if (end === 0 && vma !== 0) return 8;
  const digits = end.toString(16).padStart(8, '0');
  let zeros = 0;
  while (zeros < digits.length && digits[zeros] === '0') zeros++;
  const skip = zeros === 0 ? 0 : (zeros - 1) & ~3;
  return 8 - skip;
}

const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** One objdump-style line (no trailing newline). */
export function formatLine(
  address: number,
  width: number,
  code: Uint8Array,
  offset: number,
  length: number,
  text: string,
): string {
  let bytes = '';
  for (let i = 0; i < length; i++) bytes += `${HEX2[code[offset + i] ?? 0]} `;
  const addr = (address >>> 0).toString(16).padStart(width, ' ');
  return `${addr}:\t${bytes.padEnd(INSN_WIDTH * 3, ' ')}\t${text}`;
}
