// Done-when 2 of issue 2: every instruction of the code sections of real binaries —
// Debian 12's busybox-static:i386 and its decompressed i686 kernel, fetched by
// tools/fetch-guests into ${VMM86_CACHE:-~/.cache/vmm86} — decodes with the same length and
// the same text (after `normalise`) as objdump's linear-sweep disassembly of the same raw
// section (see test/real/sweep-lib.ts for why the raw section and not the ELF).
//
// Strict: the exceptions table of the random differential test is not applied here (a
// mismatch it would explain is labelled with its class in the report, but still fails).
//
// Without the manifest the test is skipped, unless CI is set: CI fetches the guests first,
// so there a missing manifest is a failure.
import { describe, expect, it } from 'vitest';
import { loadManifest, manifestPath } from './real/manifest.js';
import { failures, report, sweepSection } from './real/sweep-lib.js';
import { haveObjdump, OBJDUMP } from './oracle/objdump.js';

const inCi = !!process.env['CI'] && process.env['CI'] !== 'false' && process.env['CI'] !== '0';
const manifest = loadManifest();
const where = manifestPath();

describe('real binaries against objdump', () => {
  if (!manifest) {
    if (inCi) {
      it('has the guest manifest (CI)', () => {
        expect.fail(`no guest manifest at ${where}: CI must run tools/fetch-guests before the tests`);
      });
    } else {
      it.skip(`skipped: no guest manifest at ${where} (run tools/fetch-guests to enable)`, () => {});
    }
    return;
  }

  it('has objdump', () => {
    expect(haveObjdump(), `${OBJDUMP} not found: install binutils-i686-linux-gnu`).toBe(true);
  });

  it('the manifest lists the kernel and busybox .text sections', () => {
    const names = manifest.sections.map((s) => s.name);
    expect(names).toContain('vmlinux.text');
    expect(names).toContain('busybox.text');
  });

  for (const section of manifest.sections) {
    it(`${section.name}: every instruction matches objdump (length and text)`, async () => {
      const r = await sweepSection(section, { keep: 30, examplesPerGroup: 3 });
      const text = report(r, 60, 30);
      console.log(text.split('\n')[0]);
      // Sanity: objdump's lines tile the whole section.
      expect(r.gaps, `objdump output did not tile ${section.name}`).toBe(0);
      expect(r.covered).toBe(r.size);
      expect(failures(r), `\n${text}\n`).toBe(0);
    }, 300_000);
  }
});
