// The instruction-level x87 differential test (issue 4, "Done when" 1): random x87
// sequences (x87-generate.ts) run natively by native/oracle-runner.c (unchanged: the
// sequences are ordinary code) and on our core (CoreRunner, flat protected mode, CR0.NE=1),
// then compare the exit (incl. #MF, vector 16, and its EIP), EAX (FNSTSW AX), EFLAGS
// (FCOMI*), the stores and the whole 108-byte FNSAVE image: FCW, FSW, the full tag word
// and all eight registers' 80-bit values.
//
// Masks (everything else is compared bit for bit):
//
//   | what                                   | why                                                  |
//   |----------------------------------------|------------------------------------------------------|
//   | image +12..+27: FIP, FCS, FOP, FDP, FDS | the host's user-mode values differ: the runner's      |
//   |                                        | selectors, and FCS/FDS are deprecated (zero) on newer |
//   |                                        | CPUs; FOP/FIP/FDP are checked by test/x87 unit tests  |
//   | C0 C2 C3 after most instructions       | SDM "FPU Flags Affected": undefined after loads,      |
//   |   (FSW in the image and AX)            | stores, arithmetic, FSQRT/FRNDINT/FSCALE/FXTRACT,     |
//   |                                        | FCHS/FABS/FXCH/FCMOVcc/FINCSTP/FDECSTP, until a       |
//   |                                        | compare (FCOM*/FUCOM*/FICOM*/FTST/FXAM) defines them; |
//   |                                        | FCOMI* leaves them unchanged (kept as they were)      |
//   | C0 C1 C2 C3 after FLDCW, FFREE         | SDM: undefined (FLDCW is in the prelude, so a case    |
//   |                                        | starts with all four undefined)                       |
//   | C0 C1 C3 after FPREM/FPREM1 unless it  | SDM: quotient bits only on complete reduction (C2=0). |
//   |   is the last body instruction and the | Without a quotient (stack fault, NaN operand, invalid |
//   |   final C2 = 0                          | masked or not, unmasked DE) C1 = C2 = 0 and C0 C3 are |
//   |                                        | unchanged, as the host: compared too                  |
//   | EFLAGS                                 | the integer oracle's rule (flag-rule.ts); no x87      |
//   |                                        | instruction leaves an arithmetic flag undefined       |
//
//   | a transcendental's result 1 ulp from  | the one accepted difference of a result (the table in |
//   |   the host's, and C1 (the last body    | test/x87/native/trans.ts): we round the exact value   |
//   |   instruction only)                    | once, the host's ~67-bit evaluation is within 1 ulp;  |
//   |                                        | counted per instruction in `ulpAccepted`              |
//
// Masked differences are still counted (`maskedOnly`, by instruction) so the report shows
// whether any mask was actually needed. Transcendentals (FSIN FCOS FSINCOS FPTAN FPATAN
// F2XM1 FYL2X FYL2XP1) are generated only as the last body instruction (x87-generate.ts),
// so a 1-ulp difference cannot feed later instructions.

import { buildRunner } from './build-runner.js';
import { baseWindow } from './generate.js';
import { compare, CoreRunner, describeCase, runNative, type Outcome } from './harness.js';
import { C2, CC_ALL, prefixCase, SAVE_OFF, X87Generator, type X87Case } from './x87-generate.js';
import { WSIZE } from './layout.js';

/** Condition-code bits (in FSW positions) left undefined by the instructions executed. */
export function ccUndefined(c: X87Case, native: Outcome, executed: number = c.insns.length): number {
  let u = 0;
  let prem = 0;
  let premLast = false;
  for (let i = 0; i < executed; i++) {
    const cls = c.insns[i]!.cc;
    if (cls !== 'none') premLast = cls === 'prem';
    switch (cls) {
      case 'init': u = 0; prem = 0; break;
      case 'undef': u = CC_ALL; prem = 0; break;
      case 'c1': u = CC_ALL & ~0x200; prem = 0; break;
      case 'trig': u = CC_ALL & ~0x200 & ~C2; prem = 0; break;
      case 'cmp': u = 0; prem = 0; break;
      case 'comi': break; // condition codes unchanged (C1 too, as the hardware does)
      case 'keepc1': u = (CC_ALL & ~0x200) | (u & 0x200); prem = 0; break;
      case 'prem': u = CC_ALL & ~C2; prem = CC_ALL & ~C2; break;
      case 'none': break;
    }
  }
  // FPREM/FPREM1 is the last body instruction: its C0/C1/C3 are the quotient bits when the
  // final C2 = 0, or C1 = 0 with C0/C3 unchanged when there is no quotient (NaN operand,
  // invalid operation, unmasked DE, stack fault).
  if (prem !== 0 && premLast && native.vector === -1 && (native.regs[0]! & C2) === 0) u &= ~prem;
  return u;
}

/** Number of instructions that executed (all, or those before the faulting one). */
function executedCount(c: X87Case, o: Outcome): number {
  if (o.vector < 0) return c.insns.length;
  let off = 0;
  for (let i = 0; i < c.insns.length; i++) {
    if (off >= o.eipOffset) return i;
    off += c.insns[i]!.bytes.length;
  }
  return c.insns.length;
}

function initialWindow(base: Uint8Array, c: X87Case): Uint8Array {
  const w = base.slice();
  for (const [off, v] of c.patches) {
    if (off < 0 || off > WSIZE - 4) continue;
    for (let k = 0; k < 4; k++) w[off + k] = v >>> (8 * k);
  }
  return w;
}

/** A copy of the outcome with the masked bits cleared (window bytes as final values). */
function masked(o: Outcome, init: Uint8Array, cc: number): Outcome {
  const diff = new Map(o.diff);
  const set = (off: number, keep: number): void => {
    diff.set(off, (diff.get(off) ?? init[off]!) & keep);
  };
  for (let i = 12; i < 28; i++) set(SAVE_OFF + i, 0);
  set(SAVE_OFF + 5, ~(cc >> 8) & 0xff);
  const regs = o.regs.slice();
  regs[0] = (regs[0]! & ~cc) | 0;
  return { ...o, regs, diff };
}

const SW_BITS: [number, string][] = [
  [0x1, 'IE'], [0x2, 'DE'], [0x4, 'ZE'], [0x8, 'OE'], [0x10, 'UE'], [0x20, 'PE'], [0x40, 'SF'], [0x80, 'ES'],
  [0x100, 'C0'], [0x200, 'C1'], [0x400, 'C2'], [0x3800, 'TOP'], [0x4000, 'C3'], [0x8000, 'B'],
];
const swNames = (x: number): string => SW_BITS.filter(([b]) => (x & b) !== 0).map(([, n]) => n).join(' ');

/** An 80-bit register as "SEEE HHHHHHHH LLLLLLLL (value)". */
function f80Text(b: (i: number) => number): string {
  const se = b(8) | (b(9) << 8);
  let hi = 0;
  let lo = 0;
  for (let i = 3; i >= 0; i--) { hi = hi * 256 + b(4 + i); lo = lo * 256 + b(i); }
  const e = se & 0x7fff;
  const neg = (se & 0x8000) !== 0;
  let v: string;
  if (e === 0x7fff) v = hi === 0x80000000 && lo === 0 ? `${neg ? '-' : '+'}inf` : (hi & 0x40000000) !== 0 ? 'QNaN' : 'SNaN/pseudo';
  else v = String((neg ? -1 : 1) * (hi * 2 ** 32 + lo) * 2 ** (Math.max(e, 1) - 16383 - 63));
  const hx = (x: number, n: number): string => x.toString(16).padStart(n, '0');
  return `${hx(se, 4)} ${hx(hi, 8)} ${hx(lo, 8)} (${v})`;
}

/** Field-by-field differences of the FNSAVE image (after masking). */
function imageDiff(n: Outcome, k: Outcome, init: Uint8Array): string[] {
  const nb = (i: number): number => n.diff.get(SAVE_OFF + i) ?? init[SAVE_OFF + i]!;
  const kb = (i: number): number => k.diff.get(SAVE_OFF + i) ?? init[SAVE_OFF + i]!;
  const w = (f: (i: number) => number, i: number): number => f(i) | (f(i + 1) << 8);
  const out: string[] = [];
  const hx = (x: number): string => '0x' + x.toString(16).padStart(4, '0');
  for (const [name, off] of [['FCW', 0], ['FSW', 4], ['FTW', 8]] as const) {
    const a = w(nb, off);
    const b = w(kb, off);
    const hiA = w(nb, off + 2);
    const hiB = w(kb, off + 2);
    if (a !== b || hiA !== hiB) {
      out.push(`  image ${name}: native ${hx(hiA)}:${hx(a)} core ${hx(hiB)}:${hx(b)}${name === 'FSW' ? ` differ in ${swNames(a ^ b)}` : ''}`);
    }
  }
  for (let r = 0; r < 8; r++) {
    const o = 28 + 10 * r;
    let same = true;
    for (let i = 0; i < 10; i++) if (nb(o + i) !== kb(o + i)) same = false;
    if (!same) out.push(`  image ST(${r}): native ${f80Text((i) => nb(o + i))}\n                core   ${f80Text((i) => kb(o + i))}`);
  }
  return out;
}

export interface X87Mismatch {
  index: number;
  c: X87Case;
  /** Body instruction blamed (the last one of the shortest failing prefix). */
  culprit: number;
  diffs: string[];
  key: string;
}

export interface X87Result {
  cases: number;
  mismatches: number;
  groups: { key: string; count: number; example: X87Mismatch }[];
  /** Cases that differ only in masked CC bits, by the last CC-writing instruction. */
  maskedOnly: Map<string, number>;
  /** Cases accepted by the 1-ulp transcendental table, by instruction. */
  ulpAccepted: Map<string, number>;
  /** Cases ending in a transcendental (exact or accepted), by instruction. */
  transcendentals: Map<string, number>;
  mfExits: number;
  elapsedMs: number;
}

const TRANSCENDENTALS = new Set(['FSIN', 'FCOS', 'FSINCOS', 'FPTAN', 'FPATAN', 'F2XM1', 'FYL2X', 'FYL2XP1']);

/** Whether two 10-byte register images are finite, of one sign and adjacent encodings. */
function oneUlpApart(a: (i: number) => number, b: (i: number) => number): boolean {
  const v = (f: (i: number) => number): bigint => {
    let x = 0n;
    for (let i = 9; i >= 0; i--) x = (x << 8n) | BigInt(f(i));
    return x;
  };
  const va = v(a), vb = v(b);
  const se = (x: bigint): number => Number(x >> 64n);
  if ((se(va) & 0x8000) !== (se(vb) & 0x8000) || (se(va) & 0x7fff) === 0x7fff || (se(vb) & 0x7fff) === 0x7fff) return false;
  // encodings ordered by magnitude: denormals by significand, normals (J set) after them
  const sig = (x: bigint): bigint => x & ((1n << 64n) - 1n);
  const ok = (x: bigint): boolean => (se(x) & 0x7fff) === 0 ? (sig(x) >> 63n) === 0n : (sig(x) >> 63n) === 1n;
  if (!ok(va) || !ok(vb)) return false;
  const mag = (x: bigint): bigint => ((se(x) & 0x7fff) === 0 ? sig(x) : BigInt(se(x) & 0x7fff) * (1n << 63n) + (sig(x) - (1n << 63n)));
  const d = mag(va) - mag(vb);
  return d === 1n || d === -1n;
}

/**
 * The table's tolerance: a case whose last body instruction is a transcendental and which
 * differs from the host only in that instruction's result register(s) by 1 ulp and in C1.
 * Returns the instruction's name when that is all, otherwise undefined.
 */
function ulpOnly(c: X87Case, init: Uint8Array, n: Outcome, k: Outcome, cc: number): string | undefined {
  const last = c.insns[c.insns.length - 3]!;
  if (!TRANSCENDENTALS.has(last.label) || n.vector !== -1 || k.vector !== -1) return undefined;
  const nb = (off: number): number => n.diff.get(off) ?? init[off]!;
  const kb = (off: number): number => k.diff.get(off) ?? init[off]!;
  const diff = new Map(n.diff);
  for (let r = 0; r < 2; r++) {
    const o = SAVE_OFF + 28 + 10 * r;
    let same = true;
    for (let i = 0; i < 10; i++) if (nb(o + i) !== kb(o + i)) same = false;
    if (same) continue;
    if (!oneUlpApart((i) => nb(o + i), (i) => kb(o + i))) return undefined;
    for (let i = 0; i < 10; i++) {
      // the diff map holds changed bytes only
      if (k.diff.has(o + i)) diff.set(o + i, kb(o + i));
      else diff.delete(o + i);
    }
  }
  const m = 0x200 | cc;
  const rest = compare(c, masked({ ...n, diff }, init, m), masked(k, init, m));
  if (process.env['X87_DEBUG_ULP'] !== undefined && rest.length > 0) console.log(last.label, rest);
  return rest.length === 0 ? last.label : undefined;
}

/** Compares one run; returns the (readable) differences after masking. */
function check(c: X87Case, init: Uint8Array, n: Outcome, k: Outcome): { diffs: string[]; strictDiffers: boolean; ulp?: string } {
  const ex = executedCount(c, n);
  const cc = ccUndefined(c, n, ex);
  const mn = masked(n, init, cc);
  const mk = masked(k, init, cc);
  const d = compare(c, mn, mk);
  if (d.length > 0) {
    const ulp = ulpOnly(c, init, n, k, cc);
    if (ulp !== undefined) return { diffs: [], strictDiffers: false, ulp };
  }
  if (d.length > 0) {
    const img = imageDiff(mn, mk, init);
    if (img.length > 0) d.push(...img);
  }
  const strictDiffers = d.length === 0 && compare(c, masked(n, init, 0), masked(k, init, 0)).length > 0;
  return { diffs: d, strictDiffers };
}

export interface X87Options {
  count: number;
  seed: number;
  batch?: number;
  attributeLimit?: number;
  onProgress?: (done: number, mismatches: number) => void;
}

export function runX87Oracle(o: X87Options): X87Result {
  const t0 = Date.now();
  const bin = buildRunner();
  const base = baseWindow(o.seed);
  const gen = new X87Generator(o.seed);
  const core = new CoreRunner(base);
  const batch = o.batch ?? 20_000;
  const limit = o.attributeLimit ?? 2000;
  const found: X87Mismatch[] = [];
  const maskedOnly = new Map<string, number>();
  const ulpAccepted = new Map<string, number>();
  const transcendentals = new Map<string, number>();
  let mismatches = 0;
  let mfExits = 0;
  for (let done = 0; done < o.count;) {
    const n = Math.min(batch, o.count - done);
    const cases: X87Case[] = [];
    for (let i = 0; i < n; i++) cases.push(gen.next());
    const native = runNative(bin, base, cases);
    const bad: X87Mismatch[] = [];
    cases.forEach((c, i) => {
      const nat = native[i]!;
      if (nat.vector === 16) mfExits++;
      const init = initialWindow(base, c);
      const r = check(c, init, nat, core.run(c));
      const lastLabel = c.insns[c.insns.length - 3]!.label;
      if (TRANSCENDENTALS.has(lastLabel)) transcendentals.set(lastLabel, (transcendentals.get(lastLabel) ?? 0) + 1);
      if (r.ulp !== undefined) ulpAccepted.set(r.ulp, (ulpAccepted.get(r.ulp) ?? 0) + 1);
      if (r.strictDiffers) {
        let last = 'FLDCW';
        for (const ins of c.insns) if (ins.cc !== 'none') last = ins.label;
        maskedOnly.set(last, (maskedOnly.get(last) ?? 0) + 1);
      }
      if (r.diffs.length === 0) return;
      mismatches++;
      if (found.length + bad.length < limit) {
        const body = c.insns.length - c.prelude - 2;
        bad.push({ index: done + i, c, culprit: body - 1, diffs: r.diffs, key: '' });
      }
    });
    // Attribution: every proper prefix (with the epilogue) of each failing case.
    const pc: X87Case[] = [];
    const owner: [X87Mismatch, number][] = [];
    for (const m of bad) {
      const body = m.c.insns.length - m.c.prelude - 2;
      for (let k = 0; k < body; k++) {
        pc.push(prefixCase(m.c, k));
        owner.push([m, k]);
      }
    }
    const pn = pc.length > 0 ? runNative(bin, base, pc) : [];
    const first = new Map<X87Mismatch, [number, string[]]>();
    owner.forEach(([m, k], i) => {
      const prev = first.get(m);
      if (prev && prev[0] < k) return;
      const p = pc[i]!;
      const r = check(p, initialWindow(base, p), pn[i]!, core.run(p));
      if (r.diffs.length > 0) first.set(m, [k, r.diffs]);
    });
    for (const m of bad) {
      const f = first.get(m);
      if (f) {
        m.culprit = f[0] - 1;
        m.diffs = f[1];
        m.c = prefixCase(m.c, f[0]);
      }
      m.key = m.culprit < 0 ? 'prelude (FLDCW)' : m.c.insns[m.c.prelude + m.culprit]!.label;
      found.push(m);
    }
    done += n;
    o.onProgress?.(done, mismatches);
  }
  const groups = new Map<string, { key: string; count: number; example: X87Mismatch }>();
  for (const m of found) {
    const g = groups.get(m.key);
    if (g) g.count++;
    else groups.set(m.key, { key: m.key, count: 1, example: m });
  }
  return {
    cases: o.count, mismatches, groups: [...groups.values()].sort((a, b) => b.count - a.count), maskedOnly, ulpAccepted, transcendentals, mfExits,
    elapsedMs: Date.now() - t0,
  };
}

export function describeX87Mismatch(m: X87Mismatch, seed: number): string {
  const fsw = m.c.cw;
  return [
    `case #${m.index} of seed ${seed}, FCW 0x${fsw.toString(16).padStart(4, '0')} (blamed: body instruction ${m.culprit + 1}, shortest failing prefix shown):`,
    describeCase(m.c, m.c.insns.length, m.c.prelude + m.culprit),
    ...m.diffs.map((d) => (d.startsWith('  ') ? d : `  ${d}`)),
  ].join('\n');
}

export function summarizeX87(r: X87Result, seed: number, maxGroups = 40): string {
  const lines = [
    `x87 oracle: ${r.cases} sequences, seed ${seed}: ${r.mismatches} mismatch(es), ${r.mfExits} ended in #MF, ${(r.elapsedMs / 1000).toFixed(1)} s`,
  ];
  if (r.transcendentals.size > 0) {
    lines.push('sequences ending in a transcendental: bit-exact / accepted at 1 ulp (table) / total:');
    for (const [k, v] of [...r.transcendentals].sort()) {
      const u = r.ulpAccepted.get(k) ?? 0;
      lines.push(`  ${k.padEnd(28)} ${v - u} / ${u} / ${v}`);
    }
  }
  if (r.maskedOnly.size > 0) {
    lines.push('differences only in SDM-undefined condition codes (masked), by the last CC writer:');
    for (const [k, v] of [...r.maskedOnly].sort((a, b) => b[1] - a[1])) lines.push(`  ${k.padEnd(28)} ${v}`);
  }
  if (r.mismatches === 0) return lines.join('\n');
  lines.push('mismatches by blamed instruction:');
  for (const g of r.groups.slice(0, maxGroups)) lines.push(`  ${g.key.padEnd(28)} ${g.count}`);
  for (const g of r.groups.slice(0, maxGroups)) lines.push('', `-- ${g.key} (${g.count})`, describeX87Mismatch(g.example, seed));
  return lines.join('\n');
}
