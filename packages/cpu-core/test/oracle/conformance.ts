// `pnpm conformance:oracle`: 1,000,000 sequences (or argv[2]) in chunks of seeds; exit 1 on any mismatch.
import { runOracle, summarize } from './oracle.js';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const r = runOracle({
  count, seed, attributeLimit: 5000,
  onProgress: (done, bad) => process.stderr.write(`\roracle: ${done}/${count}, ${bad} mismatch(es)`),
});
process.stderr.write('\n');
console.log(summarize(r, seed, 1, 40));
process.exit(r.mismatches === 0 ? 0 : 1);
