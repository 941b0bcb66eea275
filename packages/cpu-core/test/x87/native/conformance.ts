// `pnpm conformance` (x87 part): the float80 arithmetic against the host's x87 on
// 1,000,000 generated cases (in chunks, each with its own seed); exits 1 on any mismatch.
// Usage: tsx --conditions=source test/x87/native/conformance.ts [count] [seed]
import { check } from './check.js';
import { generate } from './gen.js';

const total = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const chunk = 50_000;
let compared = 0;
let bad = 0;
const t0 = performance.now();
for (let done = 0, i = 0; done < total; done += chunk, i++) {
  const n = Math.min(chunk, total - done);
  const r = check(generate(n, seed * 1000 + i));
  compared += r.compared;
  bad += r.mismatches.length;
  for (const m of r.mismatches.slice(0, 3)) {
    console.log(`${m.c.op} cw=${m.c.cw.toString(16)} ${m.c.a} ${m.c.b}\n  want ${m.want}\n  got  ${m.got}`);
  }
}
console.log(`x87: ${compared} cases, ${bad} mismatch(es) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (bad > 0) process.exit(1);
