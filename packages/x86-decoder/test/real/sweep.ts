// Developer tool: sweep the real binaries' code sections (from tools/fetch-guests) through
// objdump and our decoder and print the disagreements grouped by opcode and mnemonics.
//
// Usage: npx tsx test/real/sweep.ts [section-name-substring...] [--groups N] [--examples N] [--first N]
//   e.g. npx tsx test/real/sweep.ts busybox --groups 100
import { loadManifest, manifestPath } from './manifest.js';
import { report, sweepSection, failures } from './sweep-lib.js';

const names: string[] = [];
let maxGroups = 60;
let examples = 4;
let maxFirst = 0;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i] as string;
  if (a === '--groups') maxGroups = Number(argv[++i]);
  else if (a === '--examples') examples = Number(argv[++i]);
  else if (a === '--first') maxFirst = Number(argv[++i]);
  else names.push(a);
}
const manifest = loadManifest();
if (!manifest) {
  console.error(`no manifest at ${manifestPath()}: run tools/fetch-guests first`);
  process.exit(2);
}
const sections = manifest.sections.filter((s) => names.length === 0 || names.some((n) => s.name.includes(n)));
let total = 0;
for (const s of sections) {
  const r = await sweepSection(s, { keep: Math.max(maxFirst, 1), examplesPerGroup: examples });
  console.log(report(r, maxGroups, maxFirst));
  console.log();
  total += failures(r);
}
console.log(`total disagreements: ${total}`);
process.exitCode = total === 0 ? 0 : 1;
