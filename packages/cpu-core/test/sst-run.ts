// Hardware-captured single-instruction tests (SingleStepTests 80286 real mode + the 80386EX
// sample) on our CPU: per-opcode pass rates and the first failing cases with a readable
// diff, for the instruction-family owners.
//
//   npx tsx --conditions=source test/sst-run.ts [--full] [--opcode XX[.R]] [--suite 286|386] [--show N] [--explained]
//
//   --full        every test (default: the CI sample, every 5th 286 test + the whole 386 file)
//   --opcode XX   only that file (F7.6) or opcode (F7: F7.4, F7.5, F7.6)
//   --suite S     only suite 286 or 386
//   --show N      failing cases printed per file (default 2; 0 = table only)
//   --explained   also print failures explained by the exceptions table
//
// Exit status 1 when a failure is unexplained or the pass rate is below 99.5%.

import { existsSync } from 'node:fs';
import { formatFailures, formatTable, runSuites } from './sst/report.js';
import { missingDataMessage, TESTDATA_DIR } from './sst/suites.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (!existsSync(TESTDATA_DIR)) {
  console.error(missingDataMessage());
  process.exit(2);
}

const show = Number(arg('--show') ?? '2');
const rep = runSuites({
  full: process.argv.includes('--full'),
  opcode: arg('--opcode'),
  suite: arg('--suite'),
  keepFailures: Number.isFinite(show) ? show : 2,
  keepExplained: process.argv.includes('--explained'),
});
const failures = formatFailures(rep);
if (failures) console.log(`${failures}\n`);
console.log(formatTable(rep));
process.exit(rep.totals.unexplained === 0 && rep.rate >= 0.995 ? 0 : 1);
