// The two hardware-captured suites in ../shared/testdata and what we need to know about
// each: where the files are, the register layout, the undefined flags (metadata.json),
// the revoked hashes, and the flag bits that are comparable at all.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/cpu-core/test/sst/suites.ts). */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** ../shared/testdata beside the clone (CI puts it there); VMM86_TESTDATA overrides. */
export const TESTDATA_DIR: string = process.env['VMM86_TESTDATA'] ?? resolve(REPO_ROOT, '../shared/testdata');

export interface SuiteFile {
  /** "00", "80.0" (opcode, then ModRM reg for group opcodes). */
  key: string;
  path: string;
  /** Flags the CPU leaves undefined for this opcode (bits set = undefined), from metadata.json. */
  undefinedFlags: number;
  /** metadata.json status ("normal", "undefined", ...). */
  status: string;
}

export interface Suite {
  /** "286" or "386". */
  id: string;
  title: string;
  dir: string;
  files: SuiteFile[];
  revoked: ReadonlySet<string>;
  /**
   * EFLAGS bits that the captured data can be compared on (before the per-opcode
   * undefined flags are removed). 286: bits 0-11 without the reserved bits 3 and 5 (bits
   * 12-15, IOPL and NT, read as 0 in real mode on a 286 and cannot change). 386EX: bits
   * 0-17 (the SMM dump sets bits 18-31), again without bits 3, 5 and 15.
   */
  flagsCompareMask: number;
  /** Bits of the captured INIT flags that are loaded into our CPU (see flagsCompareMask). */
  flagsLoadMask: number;
}

function readRevoked(dir: string): Set<string> {
  const p = join(dir, 'revocation_list.txt');
  const out = new Set<string>();
  if (!existsSync(p)) return out;
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    const s = line.trim().toLowerCase();
    if (s !== '' && !s.startsWith('#')) out.add(s);
  }
  return out;
}

interface MetaEntry {
  status?: string;
  'flags-mask'?: number;
  reg?: Record<string, MetaEntry>;
}

function fileKeys(dir: string): { key: string; path: string }[] {
  return readdirSync(dir)
    .filter((f) => /\.MOO(\.gz)?$/i.test(f))
    .sort()
    .map((f) => ({ key: f.replace(/\.MOO(\.gz)?$/i, ''), path: join(dir, f) }));
}

/** Undefined-flag bits from a metadata.json entry ("flags-mask" has them clear). */
function undefinedFromMeta(e: MetaEntry | undefined): number {
  const m = e?.['flags-mask'];
  return m === undefined ? 0 : ~m & 0xffff;
}

export function missingDataMessage(): string {
  return `SST test data not found at ${TESTDATA_DIR} (expected ../shared/testdata beside the repository; set VMM86_TESTDATA to override)`;
}

export function loadSuites(): Suite[] {
  const suites: Suite[] = [];
  const d286 = join(TESTDATA_DIR, 'sst-80286-real');
  if (existsSync(d286)) {
    const meta = JSON.parse(readFileSync(join(d286, 'metadata.json'), 'utf8')) as { opcodes: Record<string, MetaEntry> };
    suites.push({
      id: '286',
      title: 'SingleStepTests 80286 v1 real mode (Harris N80C286-12)',
      dir: d286,
      revoked: readRevoked(d286),
      flagsCompareMask: 0x0fd7,
      flagsLoadMask: 0x0fd7,
      files: fileKeys(d286).map(({ key, path }) => {
        const [op, reg] = key.split('.') as [string, string | undefined];
        const top = meta.opcodes[op];
        const e = reg !== undefined && top?.reg ? top.reg[reg] : top;
        return { key, path, undefinedFlags: undefinedFromMeta(e), status: e?.status ?? 'unknown' };
      }),
    });
  }
  const d386 = join(TESTDATA_DIR, 'sst-80386-sample');
  if (existsSync(d386)) {
    suites.push({
      id: '386',
      title: 'SingleStepTests 80386 real-mode format sample (Intel 80386EX)',
      dir: d386,
      revoked: readRevoked(d386),
      flagsCompareMask: 0x37fd7,
      flagsLoadMask: 0x17fd7, // VM (bit 17) stays clear: these are real-mode tests
      // ADD r/m8, r8 defines all six arithmetic flags.
      files: fileKeys(d386).map(({ key, path }) => ({ key, path, undefinedFlags: 0, status: 'normal' })),
    });
  }
  return suites;
}
