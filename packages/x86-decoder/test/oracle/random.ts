// Differential testing against objdump on random byte strings.
//
// Layout: each case is CASE_BYTES random bytes followed by NOPs, at a fixed STRIDE. An
// instruction is at most 15 bytes, so whatever objdump makes of a case's tail ends inside
// the NOP run and the next case starts exactly on its stride boundary; only the first
// instruction of each case is compared.

import { decodeInto, DecodeFlags, DecodeStatus, formatIntel, Instruction } from '../../src/index.js';
import { objdumpFailed, objdumpRaw } from './objdump.js';
import { classify, normalise } from './exceptions.js';

export const CASE_BYTES = 16;
export const STRIDE = 32;

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3];

/**
 * Fills one case. The mix weights the opcode space so that the rare maps get their share:
 * uniform bytes, 0F map, 0F38/0F3A, prefixed, x87, and VEX/EVEX/XOP-shaped strings.
 */
export function fillCase(buf: Uint8Array, at: number, next: () => number, bits: 16 | 32): void {
  for (let i = 0; i < CASE_BYTES; i++) buf[at + i] = next() & 0xff;
  for (let i = CASE_BYTES; i < STRIDE; i++) buf[at + i] = 0x90;
  const pick = next() % 100;
  let p = at;
  if (pick < 40) return;
  if (pick < 55) {
    const n = 1 + (next() % 4);
    for (let i = 0; i < n; i++) buf[p++] = PREFIXES[next() % PREFIXES.length] as number;
    if (next() & 1) buf[p] = 0x0f;
    return;
  }
  if (pick < 75) {
    buf[p] = 0x0f;
    return;
  }
  if (pick < 83) {
    buf[p++] = 0x0f;
    buf[p] = next() & 1 ? 0x38 : 0x3a;
    return;
  }
  if (pick < 91) {
    buf[p] = 0xd8 + (next() & 7);
    return;
  }
  if (bits === 32) {
    buf[p++] = [0xc4, 0xc5, 0x62, 0x8f][next() & 3] as number;
    buf[p] = (buf[p] as number) | 0xc0;
  }
}

export interface Mismatch {
  bits: 16 | 32;
  bytes: string;
  /** The 15 bytes from the instruction's start (what both decoders could see). */
  context: string;
  ours: string;
  oursLength: number;
  theirs: string;
  theirsLength: number;
  kind: 'length' | 'text';
}

export interface DiffResult {
  bits: 16 | 32;
  cases: number;
  /** Cases objdump decoded (the population the targets are measured on). */
  decoded: number;
  lengthMismatches: number;
  textMismatches: number;
  /** Text disagreements explained by the exceptions table, by class id. */
  excepted: Map<string, number>;
  /** Disagreements no exception explains (first few kept for the report). */
  unexplained: Mismatch[];
  unexplainedCount: number;
}

/** Runs `count` random cases through both disassemblers. */
export function runRandom(bits: 16 | 32, count: number, seed: number, chunk = 20000): DiffResult {
  const res: DiffResult = {
    bits, cases: 0, decoded: 0, lengthMismatches: 0, textMismatches: 0,
    excepted: new Map(), unexplained: [], unexplainedCount: 0,
  };
  const next = rng(seed);
  const insn = new Instruction();
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    const buf = new Uint8Array(n * STRIDE);
    for (let c = 0; c < n; c++) fillCase(buf, c * STRIDE, next, bits);
    const lines = objdumpRaw(buf, bits);
    const byOffset = new Map<number, { length: number; text: string }>();
    for (const l of lines) if (l.offset % STRIDE === 0) byOffset.set(l.offset, l);
    for (let c = 0; c < n; c++) {
      const at = c * STRIDE;
      const o = byOffset.get(at);
      if (!o) throw new Error(`objdump output lost sync at case offset ${at}`);
      compareOne(res, bits, buf, at, o, insn);
    }
    res.cases += n;
  }
  return res;
}

/** Compares one instruction; shared by the random and the real-binary sweeps. */
export function compareOne(
  res: DiffResult,
  bits: 16 | 32,
  buf: Uint8Array,
  at: number,
  o: { length: number; text: string },
  insn: Instruction,
  ip: number = at,
): void {
  if (objdumpFailed(o.text)) return;
  res.decoded++;
  const st = decodeInto(insn, buf, at, buf.length, bits, ip, DecodeFlags.FOLD_FWAIT);
  const ours = formatIntel(insn, st);
  const ourLen = st === DecodeStatus.Ok || (st === DecodeStatus.Invalid && insn.form !== 0) ? insn.length : -1;
  const bytes = Buffer.from(buf.subarray(at, at + Math.max(o.length, 1))).toString('hex');
  const context = Buffer.from(buf.subarray(at, Math.min(buf.length, at + 15))).toString('hex');
  if (ourLen !== o.length) {
    res.lengthMismatches++;
    record(res, { bits, bytes, context, ours, oursLength: ourLen, theirs: o.text, theirsLength: o.length, kind: 'length' });
    return;
  }
  if (normalise(ours) === normalise(o.text)) return;
  res.textMismatches++;
  const m: Mismatch = { bits, bytes, context, ours, oursLength: ourLen, theirs: o.text, theirsLength: o.length, kind: 'text' };
  const cls = classify(m);
  if (cls) res.excepted.set(cls, (res.excepted.get(cls) ?? 0) + 1);
  else record(res, m);
}

function record(res: DiffResult, m: Mismatch): void {
  res.unexplainedCount++;
  if (res.unexplained.length < 200) res.unexplained.push(m);
}
