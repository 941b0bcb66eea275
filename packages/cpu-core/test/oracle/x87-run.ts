// `pnpm conformance:x87ops` and the dev entry of the instruction-level x87 differential test:
//   npx tsx --conditions=source test/oracle/x87-run.ts [count] [seed] [--groups N]
// Prints mismatches grouped by the blamed instruction with a readable diff of the FNSAVE
// image; exit 1 on any mismatch. See x87-oracle.ts for the masks.
import { runX87Oracle, summarizeX87 } from './x87-oracle.js';

const args = process.argv.slice(2);
const positional: string[] = [];
let maxGroups = 40;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--groups') maxGroups = Number(args[++i]);
  else positional.push(args[i]!);
}
const count = Number(positional[0] ?? 1_000_000);
const seed = Number(positional[1] ?? 1);
const r = runX87Oracle({
  count, seed,
  onProgress: (done, bad) => process.stderr.write(`\rx87 oracle: ${done}/${count}, ${bad} mismatch(es)`),
});
process.stderr.write('\n');
console.log(summarizeX87(r, seed, maxGroups));
process.exit(r.mismatches === 0 ? 0 : 1);
