// `pnpm conformance` (x87 part): the float80 arithmetic against the host's x87 on
// 1,000,000 generated cases (in chunks, each with its own seed), then as many transcendental
// cases (trans.ts: bit-exact or within its documented 1-ulp table); exits 1 on any mismatch.
// Usage: tsx --conditions=source test/x87/native/conformance.ts [count] [seed]
import { check } from './check.js';
import { generate } from './gen.js';
import { checkTrans, generateTrans, TRANS_OPS } from './trans.js';

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
const t1 = performance.now();
const exact = new Map<string, number>();
const ulp = new Map<string, number>();
let tbad = 0;
for (let done = 0, i = 0; done < total; done += chunk, i++) {
  const r = checkTrans(generateTrans(Math.min(chunk, total - done), seed * 1000 + i));
  for (const [k, v] of r.exact) exact.set(k, (exact.get(k) ?? 0) + v);
  for (const [k, v] of r.ulp) ulp.set(k, (ulp.get(k) ?? 0) + v);
  tbad += r.mismatches.length;
  for (const m of r.mismatches.slice(0, 3)) {
    console.log(`${m.c.op} cw=${m.c.cw.toString(16)} ${m.c.a} ${m.c.b}\n  want ${m.want}\n  got  ${m.got}`);
  }
}
console.log(`x87 transcendentals: ${total} cases, ${tbad} mismatch(es) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
for (const op of TRANS_OPS) console.log(`  ${op.padEnd(7)} bit-exact ${exact.get(op) ?? 0}, 1 ulp (table) ${ulp.get(op) ?? 0}`);
if (bad > 0 || tbad > 0) process.exit(1);
