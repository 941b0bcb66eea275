// Differential test against GNU objdump on random byte strings (issue: "Done when" 1).
// CI runs 50,000 strings per code size; `pnpm conformance` runs 1,000,000.

import { describe, expect, it } from 'vitest';
import { haveObjdump, OBJDUMP } from './oracle/objdump.js';
import { runRandom, type DiffResult } from './oracle/random.js';
import { EXCEPTIONS } from './oracle/exceptions.js';

const COUNT = Number(process.env['VMM86_DIFF_COUNT'] ?? 50_000);
const SEED = Number(process.env['VMM86_DIFF_SEED'] ?? 0x5eed);
const available = haveObjdump();
if (!available && process.env['CI']) throw new Error(`${OBJDUMP} is required in CI (binutils-i686-linux-gnu)`);

function report(r: DiffResult): string {
  const lines = r.unexplained.slice(0, 40).map(
    (m) => `  [${m.kind}] ${m.bytes}: ours(${m.oursLength}) "${m.ours}" | objdump(${m.theirsLength}) "${m.theirs}"`,
  );
  return `${r.unexplainedCount} unexplained disagreements (${r.lengthMismatches} length, ${r.textMismatches} text) of ${r.decoded}:\n${lines.join('\n')}`;
}

describe.skipIf(!available)('differential test against objdump', () => {
  for (const bits of [32, 16] as const) {
    it(`${COUNT} random strings in ${bits}-bit code`, () => {
      const r = runRandom(bits, COUNT, SEED + bits);
      expect(r.cases).toBe(COUNT);
      // objdump decodes most strings; a sweep that compared almost nothing proves nothing.
      expect(r.decoded).toBeGreaterThan(COUNT * 0.6);
      expect(r.lengthMismatches, report(r)).toBe(0);
      expect(r.unexplainedCount, report(r)).toBe(0);
      expect(r.textMismatches / r.decoded).toBeLessThanOrEqual(0.001);
    }, 120_000);
  }

  it('documents every exception class with a reason', () => {
    const ids = new Set<string>();
    for (const e of EXCEPTIONS) {
      expect(e.reason.length, e.id).toBeGreaterThan(20);
      expect(ids.has(e.id), e.id).toBe(false);
      ids.add(e.id);
    }
  });
});
