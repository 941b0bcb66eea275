// A raw image copied to a fixed address, started either in real mode (boot sectors, BIOS-
// style code) or in flat 32-bit protected mode.

import { type EntryState, LoaderError } from './types.js';
import { FLAT_GDT_SIZE, alignUp, hex32, overlaps, ramSize, size, writeFlatGdt } from './util.js';

export interface RawOptions {
  /** Entry address (default: the load address). */
  entry?: number;
  /** Default: 'real' when the entry point is below 1 MiB, else 'flat32'. */
  mode?: 'real' | 'flat32';
}

/**
 * Copies `image` to `address`. Real mode enters at 0000:entry when the entry is below
 * 64 KiB, else at (entry >> 4):(entry & 15). flat32 mode writes a GDT (CS 0x10, DS 0x18) at
 * 0x500, or right after the image when that overlaps it.
 */
export function loadRaw(ram: Uint8Array, image: Uint8Array, address: number, opts: RawOptions = {}): EntryState {
  const end = address + image.length;
  if (!Number.isInteger(address) || address < 0 || end > ram.length) {
    throw new LoaderError(`raw: ${size(image.length)} at ${hex32(address)} does not fit in ${ramSize(ram.length)} of RAM`);
  }
  const entry = opts.entry ?? address;
  const mode = opts.mode ?? (entry < 0x100000 ? 'real' : 'flat32');
  ram.set(image, address);
  const layout: EntryState['layout'] = [{ what: 'raw image', start: address, end }];
  if (mode === 'real') {
    if (entry >= 0x100000) throw new LoaderError(`raw: entry ${hex32(entry)} is beyond real mode's first MiB`);
    const cs = entry < 0x10000 ? 0 : entry >>> 4;
    return { mode, cs, eip: entry - cs * 16, layout };
  }
  const gdtBase = [0x500, alignUp(end, 16)].find((b) => !overlaps(b, b + FLAT_GDT_SIZE, address, end) && b + FLAT_GDT_SIZE <= ram.length);
  if (gdtBase === undefined) throw new LoaderError(`raw: no room for the GDT next to the image in ${ramSize(ram.length)} of RAM`);
  const gdt = writeFlatGdt(ram, gdtBase);
  layout.unshift({ what: 'GDT', start: gdtBase, end: gdtBase + FLAT_GDT_SIZE });
  return { mode, eip: entry >>> 0, gdt, layout };
}
