// Applies the SDM corrections of NAME.sdm to QEMU's transcript NAME.qemu and prints the
// result (NAME.expected). NAME.sdm holds pairs of lines:
//   qemu: <a line exactly as QEMU prints it>
//   sdm:  <the line the SDM (or Bochs) requires instead>
// Lines starting with '#' and blank lines are comments. Every pair must match exactly one
// transcript line, or this fails. Used by tools/build-cpu-tests and the kernel tests.
import { existsSync, readFileSync } from 'node:fs';

/**
 * @param {string} qemu transcript text
 * @param {string} sdm corrections text
 * @returns {string}
 */
export function applySdm(qemu, sdm) {
  const lines = qemu.split('\n');
  const rules = sdm.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  for (let i = 0; i < rules.length; i += 2) {
    const q = rules[i] ?? '';
    const s = rules[i + 1] ?? '';
    if (!q.startsWith('qemu: ') || !s.startsWith('sdm: ')) throw new Error(`bad correction pair at rule ${i / 2 + 1}: ${q} / ${s}`);
    const from = q.slice(6);
    const to = s.slice(5).replace(/^ +/, '');
    const hits = lines.flatMap((l, k) => (l === from ? [k] : []));
    if (hits.length !== 1) throw new Error(`correction '${from}' matches ${hits.length} lines (want 1)`);
    lines[hits[0] ?? 0] = to;
  }
  return lines.join('\n');
}

if (process.argv[2] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  const qemu = readFileSync(process.argv[2], 'utf8');
  const sdmPath = process.argv[3];
  const sdm = sdmPath !== undefined && existsSync(sdmPath) ? readFileSync(sdmPath, 'utf8') : '';
  process.stdout.write(applySdm(qemu, sdm));
}
