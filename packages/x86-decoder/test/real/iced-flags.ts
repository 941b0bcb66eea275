// Developer tool: compare the opcode table's flag facts with iced-x86 and print the
// disagreements and the skipped forms. Usage: npx tsx test/real/iced-flags.ts [--skips]
import { collect, checkFlags } from './iced-flags-check.js';
import { hexBytes } from './iced-flags-lib.js';

const showSkips = process.argv.includes('--skips');
const t0 = Date.now();
const set = collect();
const r = checkFlags(set);
for (const m of r.mismatches) console.log(m.text);
if (showSkips) {
  for (const v of r.skipped) {
    console.log(`skip ${v.name}: ${v.skipped.slice(0, 3).map((s) => `${hexBytes(s.example.bytes)} ${s.reason} ${s.example.mnemonic}/${s.example.iced}`).join('; ')}`);
  }
}
console.log(r.summary);
console.log(`exceptions used: ${[...r.usedExceptions].join(', ') || '-'}; ${Date.now() - t0} ms`);
