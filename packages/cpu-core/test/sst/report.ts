// Runs the suites (a sample or everything), aggregates per-opcode results and renders
// the pass-rate table and failure listings. Shared by test/sst.test.ts and test/sst-run.ts.

import { explain, type SstException } from './exceptions.js';
import { readMoo, type MooTest } from './moo.js';
import { describeFailure, encodingOf, SstRunner, type TestResult } from './runner.js';
import { loadSuites, type Suite } from './suites.js';

export interface RunOptions {
  /** Run every test (else the deterministic CI sample). */
  full: boolean;
  /** Only files whose key equals this or starts with it followed by "." (e.g. "F7", "F7.6"). */
  opcode?: string | undefined;
  /** Only this suite ("286", "386"). */
  suite?: string | undefined;
  /** Failing cases to keep per file for display. */
  keepFailures: number;
  /** Keep explained (excepted) failures for display too. */
  keepExplained?: boolean;
}

/** CI sample: every 5th test of each 286 file (1000 of 5000), every test of the 386 sample. */
export function sampleStride(suite: Suite, full: boolean): number {
  return full || suite.id === '386' ? 1 : 5;
}

export interface Failure {
  test: MooTest;
  result: TestResult;
  explainedBy: SstException | undefined;
}

export interface FileStats {
  suite: string;
  key: string;
  mnemonic: string;
  run: number;
  passed: number;
  /** Failures explained by a 'difference' or 'bad-data' entry (excluded from the pass rate). */
  differences: number;
  /** Failures explained by a 'known-issue' entry (counted as failures). */
  knownIssues: number;
  /** Failures no entry explains. */
  unexplained: number;
  /** Of the unexplained: instruction form has no handler yet. */
  unimplemented: number;
  revoked: number;
  /** Counts by exception id. */
  byException: Map<string, number>;
  /** Counts by unexplained-failure signature (first differing item). */
  bySignature: Map<string, number>;
  shown: Failure[];
}

export interface Totals {
  run: number;
  passed: number;
  differences: number;
  knownIssues: number;
  unexplained: number;
  unimplemented: number;
  revoked: number;
}

export interface Report {
  files: FileStats[];
  totals: Totals;
  /** passed / (run - differences): the rate the issue's >= 99.5% refers to. */
  rate: number;
  ms: number;
}

function signature(r: TestResult): string {
  if (r.crash) return `crash: ${r.crash.slice(0, 60)}`;
  if (r.unimplemented) return `unimplemented ${r.form}`;
  if (r.expectedVector !== r.actualVector) return `exception: expected ${r.expectedVector < 0 ? 'none' : r.expectedVector}, ours ${r.actualVector < 0 ? 'none' : r.actualVector}`;
  const kinds = new Set(r.diffs.map((d) => (d.kind === 'ram' ? 'ram' : d.kind === 'reg' ? d.name : d.kind)));
  return `differs: ${[...kinds].join(',')}`;
}

export function runSuites(opts: RunOptions): Report {
  const t0 = Date.now();
  const files: FileStats[] = [];
  for (const suite of loadSuites()) {
    if (opts.suite !== undefined && opts.suite !== suite.id) continue;
    const runner = new SstRunner(suite);
    const stride = sampleStride(suite, opts.full);
    for (const file of suite.files) {
      if (opts.opcode !== undefined && file.key.toUpperCase() !== opts.opcode.toUpperCase() && !file.key.toUpperCase().startsWith(`${opts.opcode.toUpperCase()}.`)) continue;
      const moo = readMoo(file.path);
      const st: FileStats = {
        suite: suite.id, key: file.key, mnemonic: moo.meta?.mnemonic ?? '', run: 0, passed: 0, differences: 0,
        knownIssues: 0, unexplained: 0, unimplemented: 0, revoked: 0, byException: new Map(), bySignature: new Map(), shown: [],
      };
      for (let i = 0; i < moo.tests.length; i += stride) {
        const test = moo.tests[i] as MooTest;
        if (suite.revoked.has(test.hash)) {
          st.revoked++;
          continue;
        }
        st.run++;
        const result = runner.run(file, test);
        if (result.pass) {
          st.passed++;
          continue;
        }
        const ex = explain({ suite: suite.id, file: file.key, test, enc: encodingOf(test.bytes), result });
        if (ex) {
          st.byException.set(ex.id, (st.byException.get(ex.id) ?? 0) + 1);
          if (ex.kind !== 'known-issue') st.differences++;
          else st.knownIssues++;
          if (opts.keepExplained && st.shown.length < opts.keepFailures) st.shown.push({ test, result, explainedBy: ex });
          continue;
        }
        st.unexplained++;
        if (result.unimplemented) st.unimplemented++;
        const sig = signature(result);
        st.bySignature.set(sig, (st.bySignature.get(sig) ?? 0) + 1);
        if (st.shown.length < opts.keepFailures) st.shown.push({ test, result, explainedBy: undefined });
      }
      files.push(st);
    }
  }
  const totals: Totals = { run: 0, passed: 0, differences: 0, knownIssues: 0, unexplained: 0, unimplemented: 0, revoked: 0 };
  for (const f of files) {
    totals.run += f.run;
    totals.passed += f.passed;
    totals.differences += f.differences;
    totals.knownIssues += f.knownIssues;
    totals.unexplained += f.unexplained;
    totals.unimplemented += f.unimplemented;
    totals.revoked += f.revoked;
  }
  const denom = totals.run - totals.differences;
  return { files, totals, rate: denom === 0 ? 1 : totals.passed / denom, ms: Date.now() - t0 };
}

function pct(n: number, d: number): string {
  return d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`;
}

/** The per-opcode pass-rate table. */
export function formatTable(rep: Report): string {
  const out: string[] = [];
  const head = `${'suite'.padEnd(5)} ${'file'.padEnd(5)} ${'mnem'.padEnd(7)} ${'run'.padStart(5)} ${'pass'.padStart(5)} ${'diff'.padStart(5)} ${'known'.padStart(5)} ${'fail'.padStart(5)} ${'unimp'.padStart(5)}   rate   notes`;
  out.push(head, '-'.repeat(head.length + 20));
  for (const f of rep.files) {
    const notes: string[] = [];
    for (const [id, n] of f.byException) notes.push(`${id}×${n}`);
    const sigs = [...f.bySignature].sort((a, b) => b[1] - a[1]).slice(0, 2);
    for (const [s, n] of sigs) notes.push(`${s}×${n}`);
    out.push(
      `${f.suite.padEnd(5)} ${f.key.padEnd(5)} ${f.mnemonic.padEnd(7)} ${String(f.run).padStart(5)} ${String(f.passed).padStart(5)} ${String(f.differences).padStart(5)} ${String(f.knownIssues).padStart(5)} ${String(f.unexplained).padStart(5)} ${String(f.unimplemented).padStart(5)}  ${pct(f.passed, f.run - f.differences)}  ${notes.join('; ')}`,
    );
  }
  const t = rep.totals;
  out.push('-'.repeat(head.length + 20));
  out.push(
    `${'all'.padEnd(5)} ${''.padEnd(5)} ${''.padEnd(7)} ${String(t.run).padStart(5)} ${String(t.passed).padStart(5)} ${String(t.differences).padStart(5)} ${String(t.knownIssues).padStart(5)} ${String(t.unexplained).padStart(5)} ${String(t.unimplemented).padStart(5)}  ${pct(t.passed, t.run - t.differences)}`,
  );
  out.push(
    `pass rate ${(rep.rate * 100).toFixed(2)}% = passed / (run - expected 286/P6 differences); raw ${pct(t.passed, t.run).trim()}; ` +
    `${t.unexplained} unexplained failure(s), ${t.unimplemented} of them in forms without a handler; ${t.revoked} revoked skipped; ${rep.ms} ms`,
  );
  out.push('columns: diff = expected 286/P6 difference or bad capture (exceptions.ts), known = documented known issue, fail = unexplained, unimp = of fail, form not implemented');
  return out.join('\n');
}

/** The kept failing cases, per file, with readable diffs. */
export function formatFailures(rep: Report): string {
  const out: string[] = [];
  for (const f of rep.files) {
    if (f.shown.length === 0) continue;
    out.push(`== ${f.suite} ${f.key} (${f.mnemonic}): ${f.unexplained} unexplained of ${f.run}`);
    for (const x of f.shown) {
      out.push(describeFailure(x.test, x.result) + (x.explainedBy ? `\n    explained by: ${x.explainedBy.id}` : ''));
    }
  }
  return out.join('\n');
}
