// The flags comparison shared by test/iced-flags.test.ts and the iced-flags.ts tool.
import { FORM, FORMS } from '../../src/index.js';
import {
  ExampleSet, extra, flagNames, hexBytes, random, sweep, verdicts, walk, walkVex, type FormVerdict,
} from './iced-flags-lib.js';
import { FLAG_EXCEPTIONS } from './iced-flags-exceptions.js';
import { loadManifest } from './manifest.js';

/** Every source of encodings: walks, the oracle's random cases, the real binaries if fetched. */
export function collect(): ExampleSet {
  const set = new ExampleSet(8, 512);
  walk(set);
  walkVex(set);
  extra(set);
  random(set, 32, 200_000, 7);
  random(set, 16, 100_000, 8);
  for (const s of loadManifest()?.sections ?? []) sweep(set, s);
  return set;
}

export interface FormMismatch {
  verdict: FormVerdict;
  text: string;
}

export interface FlagsCheck {
  compared: FormVerdict[];
  skipped: FormVerdict[];
  /** Registered forms no encoding reached. */
  unreached: string[];
  mismatches: FormMismatch[];
  usedExceptions: Set<string>;
  summary: string;
}

export function checkFlags(set: ExampleSet): FlagsCheck {
  const all = verdicts(set);
  const compared = all.filter((v) => v.compared.length > 0);
  const skipped = all.filter((v) => v.compared.length === 0);
  const unreached = FORMS.filter((r) => r.id !== 0 && !set.byForm.has(r.id)).map((r) => r.name);
  const used = new Set<string>();
  const mismatches: FormMismatch[] = [];
  for (const v of compared) {
    const ours = { w: v.oursW, u: v.oursU };
    const lines: string[] = [];
    const seen = new Set<string>();
    for (const ex of v.compared) {
      const iced = { w: ex.icedW, u: ex.icedU };
      if (iced.w === ours.w && iced.u === ours.u) continue;
      const exc = FLAG_EXCEPTIONS.find((e) => e.forms.test(v.name) && e.accept(ours, iced));
      if (exc) {
        used.add(exc.id);
        continue;
      }
      const key = `${iced.w}/${iced.u}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(
        `    iced written[${flagNames(iced.w)}] undefined[${flagNames(iced.u)}]  e.g. ${hexBytes(ex.bytes)} (${ex.bits}-bit, ${ex.source})`,
      );
    }
    if (lines.length) {
      const mn = v.compared[0]?.iced ?? '';
      mismatches.push({
        verdict: v,
        text: `${v.name} (${mn}): ours written[${flagNames(ours.w)}] undefined[${flagNames(ours.u)}]\n${lines.join('\n')}`,
      });
    }
  }
  const reasons = new Map<string, string[]>();
  for (const v of skipped) {
    const r = v.skipped[0]?.reason ?? '?';
    reasons.set(r, [...(reasons.get(r) ?? []), v.name]);
  }
  const summary =
    `iced flags: ${FORM.count - 1} forms, ${set.byForm.size} reached, ${compared.length} compared, ` +
    `${mismatches.length} disagree; skipped ${skipped.length} (` +
    [...reasons].map(([r, names]) => `${r}: ${names.join(' ')}`).join('; ') +
    `); unreached ${unreached.length} (${unreached.join(' ')})`;
  return { compared, skipped, unreached, mismatches, usedExceptions: used, summary };
}
