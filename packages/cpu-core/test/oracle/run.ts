// Dev entry: npx tsx test/oracle/run.ts [count] [seed] [--family alu[,shift...]] [--groups N]
// Prints mismatch groups by the instruction form each mismatch is blamed on (the last
// instruction of the shortest failing prefix), with one example per group.

import { FAMILIES, type Family } from './generate.js';
import { runOracle, summarize } from './oracle.js';

const args = process.argv.slice(2);
const positional: string[] = [];
let families: Family[] | undefined;
let maxGroups = 60;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--family' || a === '-f') {
    families = (args[++i] ?? '').split(',').filter(Boolean) as Family[];
    const bad = families.filter((f) => !(FAMILIES as readonly string[]).includes(f));
    if (bad.length > 0) {
      console.error(`unknown family ${bad.join(', ')}; families: ${FAMILIES.join(' ')}`);
      process.exit(2);
    }
  } else if (a === '--groups') maxGroups = Number(args[++i]);
  else positional.push(a);
}
const count = Number(positional[0] ?? 100_000);
const seed = Number(positional[1] ?? 1);
const r = runOracle({
  count, seed, families,
  onProgress: (done, bad) => process.stderr.write(`\r${done}/${count} sequences, ${bad} mismatch(es)`),
});
process.stderr.write('\n');
console.log(summarize(r, seed, 1, maxGroups));
process.exit(r.mismatches === 0 ? 0 : 1);
