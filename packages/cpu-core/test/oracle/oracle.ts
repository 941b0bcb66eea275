// The oracle loop: generate, run natively and on the core, compare, attribute mismatches.

import { buildRunner } from './build-runner.js';
import { baseWindow, Generator, type Family, type OracleCase } from './generate.js';
import { compare, CoreRunner, describeCase, formName, runNative } from './harness.js';

export interface Mismatch {
  index: number;
  c: OracleCase;
  diffs: string[];
  /** Instruction blamed: the last one of the shortest failing prefix. */
  culprit: number;
  culpritDiffs: string[];
  key: string;
}

export interface OracleResult {
  cases: number;
  mismatches: number;
  /** Mismatch groups by the blamed instruction's family and form, largest first. */
  groups: { key: string; family: string; count: number; example: Mismatch }[];
  /** Per family of the blamed instruction. */
  byFamily: Map<string, number>;
  elapsedMs: number;
}

export interface OracleOptions {
  count: number;
  seed: number;
  families?: Family[];
  batch?: number;
  /** How many mismatches to attribute by prefix bisection (the rest are counted only). */
  attributeLimit?: number;
  onProgress?: (done: number, mismatches: number) => void;
}

export function runOracle(o: OracleOptions): OracleResult {
  const t0 = Date.now();
  const bin = buildRunner();
  const base = baseWindow(o.seed);
  const gen = new Generator(o.seed, o.families);
  const core = new CoreRunner(base);
  const batch = o.batch ?? 20_000;
  const limit = o.attributeLimit ?? 5000;
  const found: Mismatch[] = [];
  let mismatches = 0;
  let unattributed = 0;
  for (let done = 0; done < o.count;) {
    const n = Math.min(batch, o.count - done);
    const cases: OracleCase[] = [];
    for (let i = 0; i < n; i++) cases.push(gen.next());
    const native = runNative(bin, base, cases);
    const bad: Mismatch[] = [];
    cases.forEach((c, i) => {
      const diffs = compare(c, native[i]!, core.run(c));
      if (diffs.length === 0) return;
      mismatches++;
      if (found.length + bad.length < limit) bad.push({ index: done + i, c, diffs, culprit: c.insns.length - 1, culpritDiffs: diffs, key: '' });
      else unattributed++;
    });
    // Prefix bisection: all proper prefixes of the failing cases in one native run.
    const pc: OracleCase[] = [];
    const pk: number[] = [];
    const owner: [Mismatch, number][] = [];
    for (const m of bad) {
      for (let k = 1; k < m.c.insns.length; k++) {
        pc.push(m.c);
        pk.push(k);
        owner.push([m, k]);
      }
    }
    const pn = pc.length > 0 ? runNative(bin, base, pc, pk) : [];
    const first = new Map<Mismatch, [number, string[]]>();
    owner.forEach(([m, k], i) => {
      const prev = first.get(m);
      if (prev && prev[0] < k) return;
      const d = compare(m.c, pn[i]!, core.run(m.c, k), k);
      if (d.length > 0) first.set(m, [k, d]);
    });
    for (const m of bad) {
      const f = first.get(m);
      if (f) {
        m.culprit = f[0] - 1;
        m.culpritDiffs = f[1];
      }
      const ins = m.c.insns[m.culprit]!;
      m.key = `${ins.family.padEnd(8)} ${formName(ins.bytes)}`;
      found.push(m);
    }
    done += n;
    o.onProgress?.(done, mismatches);
  }
  const groups = new Map<string, { key: string; family: string; count: number; example: Mismatch }>();
  const byFamily = new Map<string, number>();
  for (const m of found) {
    const g = groups.get(m.key);
    if (g) g.count++;
    else groups.set(m.key, { key: m.key, family: m.c.insns[m.culprit]!.family, count: 1, example: m });
    const fam = m.c.insns[m.culprit]!.family;
    byFamily.set(fam, (byFamily.get(fam) ?? 0) + 1);
  }
  if (unattributed > 0) byFamily.set('(not attributed)', unattributed);
  return {
    cases: o.count, mismatches, groups: [...groups.values()].sort((a, b) => b.count - a.count), byFamily, elapsedMs: Date.now() - t0,
  };
}

/** A readable report of one mismatch. */
export function describeMismatch(m: Mismatch, seed: number): string {
  const prefix = m.culprit + 1 < m.c.insns.length ? ` (first differs after instruction ${m.culprit + 1} of ${m.c.insns.length})` : '';
  return [
    `case #${m.index} of seed ${seed}${prefix}:`,
    describeCase(m.c, m.c.insns.length, m.culprit),
    ...m.culpritDiffs.map((d) => `  ${d}`),
  ].join('\n');
}

/** A summary table of mismatch groups. */
export function summarize(r: OracleResult, seed: number, examples = 1, maxGroups = 60): string {
  const lines = [`oracle: ${r.cases} sequences, seed ${seed}: ${r.mismatches} mismatch(es) in ${(r.elapsedMs / 1000).toFixed(1)} s`];
  if (r.mismatches === 0) return lines[0]!;
  lines.push('by family of the blamed instruction:');
  for (const [f, n] of [...r.byFamily].sort((a, b) => b[1] - a[1])) lines.push(`  ${f.padEnd(18)} ${n}`);
  lines.push('by form (family, form: count):');
  for (const g of r.groups.slice(0, maxGroups)) lines.push(`  ${g.key.padEnd(40)} ${g.count}`);
  if (r.groups.length > maxGroups) lines.push(`  ... ${r.groups.length - maxGroups} more groups`);
  for (const g of r.groups.slice(0, maxGroups * examples === 0 ? 0 : maxGroups)) {
    lines.push('', `-- ${g.key.trim()} (${g.count})`, describeMismatch(g.example, seed));
  }
  return lines.join('\n');
}
