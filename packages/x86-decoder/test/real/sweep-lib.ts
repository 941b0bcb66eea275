// Real-binary differential sweep: objdump's linear-sweep disassembly of a raw code section
// against our decoder at the same addresses.
//
// Why the raw section (`-b binary` on the bytes objcopy dumped) and not `objdump -d` on the
// ELF: with an ELF, objdump restarts its sweep at every symbol (so its instruction
// boundaries depend on the symbol table, which Debian strips anyway), prints `<symbol+off>`
// after branch targets, and skips zero runs; the raw section gives one deterministic linear
// sweep over every byte of the section with no symbolic decoration, which is exactly what
// our decoder sees. `-z` makes objdump disassemble zero runs too instead of printing "...",
// so every byte of the section is covered. We compare at objdump's instruction boundaries:
// a length disagreement is reported once and objdump's boundary is followed afterwards, so
// one mistake cannot cascade.
//
// The kernel's .text is ~9.5 MB (~2.9 M instructions, ~230 MB of objdump text), so
// objdump's output is streamed and parsed line by line; only counts, the first mismatches
// and a few examples per mismatch group are kept.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  decodeInto, DecodeFlags, DecodeStatus, formatIntel, Instruction,
} from '../../src/index.js';
import { objdumpFailed, OBJDUMP } from '../oracle/objdump.js';
import { classify, normalise } from '../oracle/exceptions.js';
import type { ManifestSection } from './manifest.js';

export interface RealMismatch {
  section: string;
  addr: number;
  /** length: lengths differ; text: same length, different normalised text; bad: objdump could not decode but we did. */
  kind: 'length' | 'text' | 'bad';
  bytes: string;
  ours: string;
  oursLength: number;
  theirs: string;
  theirsLength: number;
  /** The class of test/oracle/exceptions.ts that would explain it (informational: here it still fails). */
  exception?: string;
}

export interface MismatchGroup {
  key: string;
  count: number;
  examples: RealMismatch[];
}

export interface SweepResult {
  section: string;
  size: number;
  vma: number;
  /** Lines (instructions) objdump printed. */
  instructions: number;
  /** Of those, the ones objdump decoded (not "(bad)"/".byte"). */
  compared: number;
  /** Instructions objdump printed as "(bad)" or ".byte". */
  objdumpBad: number;
  lengthMismatches: number;
  textMismatches: number;
  /** objdump "(bad)" where we decoded a valid instruction. */
  badMismatches: number;
  /** First `keep` mismatches in address order. */
  first: RealMismatch[];
  /** Mismatch groups (see groupKey), largest first. */
  groups: MismatchGroup[];
  /** Bytes objdump's lines covered; equal to `size` unless the parse lost lines. */
  covered: number;
  /** Addresses where objdump's lines were not contiguous (should be 0). */
  gaps: number;
  ms: number;
}

export interface SweepOptions {
  /** How many mismatches to keep in `first`. */
  keep?: number;
  /** Examples kept per group. */
  examplesPerGroup?: number;
  /** Called for every instruction both decoders agree on the length of (for form collection). */
  onInstruction?: (insn: Instruction, code: Uint8Array, offset: number) => void;
}

const PREFIX_BYTES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

/** Opcode bytes after the prefixes: "0f01", "d9", "0f3a0f". */
export function opcodeKey(code: Uint8Array, at: number, len: number): string {
  let p = at;
  const end = at + Math.max(len, 1);
  while (p < end - 1 && PREFIX_BYTES.has(code[p] as number)) p++;
  let n = 1;
  if (code[p] === 0x0f) n = code[p + 1] === 0x38 || code[p + 1] === 0x3a ? 3 : 2;
  return Buffer.from(code.subarray(p, Math.min(p + n, code.length))).toString('hex');
}

function firstWord(s: string): string {
  const t = s.trim();
  const sp = t.search(/\s/);
  return sp < 0 ? t : t.slice(0, sp);
}

/** Groups mismatches by kind, opcode bytes and both mnemonics. */
export function groupKey(m: RealMismatch, code: Uint8Array, at: number): string {
  return `${m.kind} ${opcodeKey(code, at, m.theirsLength)} objdump:${firstWord(m.theirs)} ours:${firstWord(m.ours)}`;
}

export function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** One line of a report: address, bytes, our and objdump's text and lengths. */
export function formatMismatch(m: RealMismatch): string {
  const exc = m.exception ? `  [exceptions.ts: ${m.exception}]` : '';
  return `${m.section} ${hex(m.addr)} ${m.kind.padEnd(6)} ${m.bytes.padEnd(30)} ours(${m.oursLength}) ${m.ours} | objdump(${m.theirsLength}) ${m.theirs}${exc}`;
}

/** Streams objdump's disassembly of `section` and compares every instruction. */
export async function sweepSection(section: ManifestSection, opts: SweepOptions = {}): Promise<SweepResult> {
  const t0 = Date.now();
  const keep = opts.keep ?? 200;
  const perGroup = opts.examplesPerGroup ?? 4;
  const code = new Uint8Array(readFileSync(section.file));
  const bits = section.bits;
  const vma = section.vma;
  const res: SweepResult = {
    section: section.name, size: code.length, vma, instructions: 0, compared: 0, objdumpBad: 0,
    lengthMismatches: 0, textMismatches: 0, badMismatches: 0, first: [], groups: [], covered: 0, gaps: 0, ms: 0,
  };
  const groups = new Map<string, MismatchGroup>();
  const insn = new Instruction();
  const onInsn = opts.onInstruction;

  const record = (m: RealMismatch, at: number): void => {
    if (res.first.length < keep) res.first.push(m);
    const key = groupKey(m, code, at);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, count: 0, examples: [] }));
    g.count++;
    if (g.examples.length < perGroup) g.examples.push(m);
  };

  let expect = 0;
  const compare = (addr: number, length: number, text: string): void => {
    const at = addr - vma;
    res.instructions++;
    res.covered += length;
    if (at !== expect) res.gaps++;
    expect = at + length;
    if (at < 0 || at >= code.length) throw new Error(`${section.name}: objdump address ${hex(addr)} outside the section`);
    const st = decodeInto(insn, code, at, code.length, bits, (vma + at) >>> 0, DecodeFlags.FOLD_FWAIT);
    const ourLen = st === DecodeStatus.Ok || (st === DecodeStatus.Invalid && insn.form !== 0) ? insn.length : -1;
    if (objdumpFailed(text)) {
      res.objdumpBad++;
      if (st !== DecodeStatus.Ok) return;
      res.badMismatches++;
    } else {
      res.compared++;
      if (ourLen === length) {
        if (onInsn && st === DecodeStatus.Ok) onInsn(insn, code, at);
        const ours = formatIntel(insn, st);
        if (ours === text || normalise(ours) === normalise(text)) return;
        res.textMismatches++;
      } else {
        res.lengthMismatches++;
      }
    }
    const ours = formatIntel(insn, st);
    const kind = objdumpFailed(text) ? 'bad' : ourLen === length ? 'text' : 'length';
    const m: RealMismatch = {
      section: section.name, addr, kind,
      bytes: Buffer.from(code.subarray(at, at + Math.max(length, ourLen, 1))).toString('hex'),
      ours, oursLength: ourLen, theirs: text, theirsLength: length,
    };
    if (kind !== 'bad') {
      const exc = classify({ bits, bytes: m.bytes, context: m.bytes, ours, oursLength: ourLen, theirs: text, theirsLength: length, kind });
      if (exc) m.exception = exc;
    }
    record(m, at);
  };

  // A line is "addr:\tbytes\ttext"; a line of bytes only, at the previous instruction's end,
  // continues it (never happens with --insn-width=16, handled anyway).
  let pAddr = -1;
  let pLen = 0;
  let pText = '';
  const flush = (): void => {
    if (pAddr >= 0) compare(pAddr, pLen, pText);
    pAddr = -1;
  };
  const line = (l: string): void => {
    const colon = l.indexOf(':');
    if (colon <= 0 || l.charCodeAt(colon + 1) !== 9 /* \t */) return;
    const head = l.slice(0, colon);
    if (!/^ *[0-9a-f]+$/.test(head)) return;
    const addr = parseInt(head, 16);
    const tab2 = l.indexOf('\t', colon + 2);
    const byteField = (tab2 < 0 ? l.slice(colon + 2) : l.slice(colon + 2, tab2)).trim();
    if (!/^[0-9a-f]{2}( [0-9a-f]{2})*$/.test(byteField)) return;
    const n = (byteField.length + 1) / 3;
    const text = tab2 < 0 ? '' : l.slice(tab2 + 1).trimEnd();
    if (text === '' && pAddr >= 0 && pAddr + pLen === addr) {
      pLen += n;
      return;
    }
    flush();
    pAddr = addr;
    pLen = n;
    pText = text;
  };

  const args = [
    '-D', '-z', '-b', 'binary', '-m', bits === 16 ? 'i8086' : 'i386', '-M', 'intel', '--insn-width=16',
    `--adjust-vma=0x${vma.toString(16)}`, section.file,
  ];
  const child = spawn(OBJDUMP, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('latin1');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  child.stdout.setEncoding('latin1');
  let rest = '';
  for await (const chunk of child.stdout as AsyncIterable<string>) {
    const s = rest + chunk;
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      line(s.slice(start, nl));
      start = nl + 1;
    }
    rest = s.slice(start);
  }
  if (rest) line(rest);
  flush();
  const status = await exited;
  if (status !== 0) throw new Error(`${OBJDUMP} ${args.join(' ')} exited with ${status}: ${stderr}`);
  res.groups = [...groups.values()].sort((a, b) => b.count - a.count);
  res.ms = Date.now() - t0;
  return res;
}

/** Total disagreements of a sweep. */
export function failures(r: SweepResult): number {
  return r.lengthMismatches + r.textMismatches + r.badMismatches;
}

/** A multi-line report: totals, the largest groups with examples, then the first mismatches. */
export function report(r: SweepResult, maxGroups = 40, maxFirst = 50): string {
  const out: string[] = [];
  out.push(
    `${r.section}: ${r.instructions} instructions over ${r.size} bytes at 0x${hex(r.vma)} in ${r.ms} ms; ` +
      `compared ${r.compared}, objdump (bad) ${r.objdumpBad}; ` +
      `length mismatches ${r.lengthMismatches}, text mismatches ${r.textMismatches}, ` +
      `decoded where objdump says (bad) ${r.badMismatches}` +
      (r.gaps || r.covered !== r.size ? `; COVERAGE: ${r.covered}/${r.size} bytes, ${r.gaps} gaps` : ''),
  );
  if (r.groups.length) {
    out.push(`-- ${r.groups.length} mismatch groups (largest ${Math.min(maxGroups, r.groups.length)}):`);
    for (const g of r.groups.slice(0, maxGroups)) {
      out.push(`== ${g.key} (${g.count})`);
      for (const m of g.examples) out.push('   ' + formatMismatch(m));
    }
  }
  if (r.first.length && maxFirst > 0) {
    out.push(`-- first ${Math.min(maxFirst, r.first.length)} mismatches by address:`);
    for (const m of r.first.slice(0, maxFirst)) out.push('   ' + formatMismatch(m));
  }
  return out.join('\n');
}
