// Finds the real guest binaries fetched by tools/fetch-guests.
//
// The script writes ${VMM86_CACHE:-$HOME/.cache/vmm86}/manifest.json; VMM86_GUESTS_MANIFEST
// names another manifest file explicitly.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** One raw code section: the bytes of an ELF section, dumped to `file`, loaded at `vma`. */
export interface ManifestSection {
  /** "vmlinux.text", "busybox.text". */
  name: string;
  /** The ELF the section came from. */
  elf: string;
  section: string;
  /** Raw bytes of the section (objcopy -O binary --only-section). */
  file: string;
  vma: number;
  size: number;
  bits: 16 | 32;
}

export interface Manifest {
  version: number;
  kernel: { package: string; packageVersion: string; release: string; bzImage: string; vmlinux: string };
  busybox: { package: string; packageVersion: string; binary: string };
  sections: ManifestSection[];
}

/** Where the manifest is expected. */
export function manifestPath(): string {
  const explicit = process.env['VMM86_GUESTS_MANIFEST'];
  if (explicit) return explicit;
  const cache = process.env['VMM86_CACHE'] ?? join(homedir(), '.cache', 'vmm86');
  return join(cache, 'manifest.json');
}

/** The manifest, or undefined when tools/fetch-guests has not been run. */
export function loadManifest(path: string = manifestPath()): Manifest | undefined {
  if (!existsSync(path)) return undefined;
  const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  if (!Array.isArray(m.sections)) throw new Error(`${path}: no "sections" array; rerun tools/fetch-guests`);
  for (const s of m.sections) {
    if (!existsSync(s.file)) throw new Error(`${path}: section file ${s.file} is missing; rerun tools/fetch-guests`);
  }
  return m;
}
