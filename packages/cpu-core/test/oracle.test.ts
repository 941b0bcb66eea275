// The host CPU as the oracle (issue 3, "Done when" 1): random user-mode integer instruction
// sequences run natively by native/oracle-runner.c and on our core must agree on registers,
// flags (undefined ones masked, test/oracle/flag-rule.ts) and the memory window.
// 20,000 sequences here; `pnpm conformance:oracle` runs 1,000,000. Details of mismatches:
// `npx tsx test/oracle/run.ts [count] [seed] [--family alu]`.

import { describe, expect, it } from 'vitest';
import { CROSS_HINT, crossCompilerPresent, RUNNER_BINARY } from './oracle/build-runner.js';
import { existsSync } from 'node:fs';
import { runOracle, summarize } from './oracle/oracle.js';

const COUNT = Number(process.env.ORACLE_COUNT ?? 20_000);
const SEED = Number(process.env.ORACLE_SEED ?? 20240);
const available = crossCompilerPresent() || existsSync(RUNNER_BINARY);
const skip = !available && !process.env.CI;
if (skip) console.warn(`oracle.test.ts skipped: ${CROSS_HINT} (in CI this is a failure)`);

describe('host CPU oracle', () => {
  it.skipIf(skip)(`${COUNT} random sequences agree with the host CPU`, () => {
    const r = runOracle({ count: COUNT, seed: SEED, attributeLimit: 2000 });
    if (r.mismatches > 0) console.log(summarize(r, SEED, 1, 25));
    expect(r.mismatches, `${r.mismatches} of ${COUNT} sequences differ (seed ${SEED}); run npx tsx test/oracle/run.ts ${COUNT} ${SEED}`).toBe(0);
  }, 600_000);
});
