// `pnpm conformance` / `pnpm bench`: the full-size differential run against objdump,
// 1,000,000 random strings per code size by default. Prints a table and exits non-zero on
// any unexplained disagreement. Usage: tsx test/oracle/conformance.ts [count] [seed]
import { haveObjdump, OBJDUMP } from './objdump.js';
import { runRandom } from './random.js';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 0xc0ffee);
if (!haveObjdump()) {
  console.error(`conformance: ${OBJDUMP} not found (apt-get install binutils-i686-linux-gnu)`);
  process.exit(2);
}
let failed = false;
const rows: string[][] = [['code size', 'strings', 'objdump decoded', 'length agree', 'text agree', 'excepted', 'unexplained']];
for (const bits of [32, 16] as const) {
  const t0 = performance.now();
  const r = runRandom(bits, count, seed + bits, 50_000);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const pct = (n: number): string => `${((100 * n) / r.decoded).toFixed(4)}%`;
  const excepted = [...r.excepted.values()].reduce((a, b) => a + b, 0);
  rows.push([
    `${bits}-bit`, String(r.cases), String(r.decoded), pct(r.decoded - r.lengthMismatches),
    pct(r.decoded - r.lengthMismatches - r.textMismatches), String(excepted), String(r.unexplainedCount),
  ]);
  for (const [id, n] of r.excepted) console.log(`  ${bits}-bit exception ${id}: ${n}`);
  for (const m of r.unexplained.slice(0, 20)) {
    console.log(`  ${bits}-bit [${m.kind}] ${m.bytes} (${m.context}): ours(${m.oursLength}) ${m.ours} | objdump(${m.theirsLength}) ${m.theirs}`);
  }
  console.log(`  ${bits}-bit done in ${secs}s`);
  if (r.lengthMismatches > 0 || r.unexplainedCount > 0 || r.textMismatches > r.decoded * 0.001) failed = true;
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c]!)).join('  '));
if (failed) {
  console.error('conformance: FAILED');
  process.exit(1);
}
