// GNU objdump as an oracle: disassemble a byte buffer and return, per start offset, the
// length and Intel-syntax text objdump gives the instruction there.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OBJDUMP: string = process.env['VMM86_OBJDUMP'] ?? 'i686-linux-gnu-objdump';

export interface OracleLine {
  offset: number;
  length: number;
  text: string;
}

/** True when the objdump binary is installed. */
export function haveObjdump(): boolean {
  try {
    execFileSync(OBJDUMP, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs objdump over `code` as raw `bits`-bit code. Lines objdump prints as continuation
 * of an instruction's bytes (none with --insn-width=16) are folded into the instruction.
 */
export function objdumpRaw(code: Uint8Array, bits: 16 | 32, vma = 0): OracleLine[] {
  const dir = mkdtempSync(join(tmpdir(), 'vmm86-objdump-'));
  try {
    const file = join(dir, 'code.bin');
    writeFileSync(file, code);
    const args = ['-D', '-b', 'binary', '-m', bits === 16 ? 'i8086' : 'i386', '-M', 'intel', '--insn-width=16'];
    if (vma !== 0) args.push(`--adjust-vma=0x${vma.toString(16)}`);
    args.push(file);
    const outText = execFileSync(OBJDUMP, args, { maxBuffer: 1 << 30, encoding: 'latin1' });
    return parseObjdump(outText, vma);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses objdump's "addr:\tbytes\ttext" lines. */
export function parseObjdump(text: string, vma = 0): OracleLine[] {
  const lines: OracleLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*))?$/.exec(line);
    if (!m) continue;
    const addr = parseInt(m[1] as string, 16);
    const nbytes = (m[2] as string).split(' ').filter((x) => x.length > 0).length;
    const t = (m[3] ?? '').trimEnd();
    const prev = lines[lines.length - 1];
    if (t === '' && prev && prev.offset + prev.length === addr - vma) {
      prev.length += nbytes;
      continue;
    }
    lines.push({ offset: addr - vma, length: nbytes, text: t });
  }
  return lines;
}

/**
 * True when objdump did not decode the instruction: it prints "(bad)" or raw bytes, or it
 * marks an EVEX feature it rejects with "{bad}" inside otherwise decoded text.
 */
export function objdumpFailed(text: string): boolean {
  return text.includes('(bad)') || text.includes('{bad}') || text.startsWith('.byte') || text === '';
}
