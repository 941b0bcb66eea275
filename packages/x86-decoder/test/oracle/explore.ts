// Developer tool: run the random differential sweep and print disagreements grouped by
// first opcode bytes. Usage: tsx test/oracle/explore.ts [bits] [count] [seed]
import { runRandom } from './random.js';

const bits = Number(process.argv[2] ?? 32) as 16 | 32;
const count = Number(process.argv[3] ?? 20000);
const seed = Number(process.argv[4] ?? 1);
const r = runRandom(bits, count, seed);
const groups = new Map<string, string[]>();
// VEX/EVEX/XOP and SIMD register text are filtered out with a 5th argument "nosimd".
const simd = /\b(x|y|z)?mm\d|\bk\d|^\(bad\)|^v|^[a-z ]*\bv\w/;
for (const m of r.unexplained) {
  if (process.argv[5] === 'nosimd' && (simd.test(m.theirs) || /^(c4|c5|62|8f)/.test(m.bytes))) continue;
  const key = `${m.kind} ${m.bytes.slice(0, 4)}`;
  const g = groups.get(key) ?? [];
  g.push(`${m.bytes.padEnd(32)} ours(${m.oursLength}) ${m.ours} | objdump(${m.theirsLength}) ${m.theirs}`);
  groups.set(key, g);
}
for (const [k, g] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`== ${k} (${g.length})`);
  for (const l of g.slice(0, 4)) console.log('  ' + l);
}
console.log(
  `bits=${bits} cases=${r.cases} decoded=${r.decoded} length-mismatch=${r.lengthMismatches} text-mismatch=${r.textMismatches} unexplained=${r.unexplainedCount}`,
);
console.log('excepted:', Object.fromEntries(r.excepted));
