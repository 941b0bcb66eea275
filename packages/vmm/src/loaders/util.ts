// Little helpers the loaders share: bounds-checked little-endian access to guest RAM and
// image bytes, a flat GDT, and number formatting for error messages.

import { type EntryState, LoaderError } from './types.js';

export const KiB: number = 1024;
export const MiB: number = 1024 * 1024;

/** `0x` + 8 hex digits, as error messages and layouts print addresses. */
export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** `0x` + minimal hex digits. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A size in MiB with one decimal, or in KiB/bytes when smaller (messages only). */
export function size(n: number): string {
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= KiB) return `${(n / KiB).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** RAM sizes are usually whole MiB; say so without a decimal when they are. */
export function ramSize(n: number): string {
  return n % MiB === 0 ? `${n / MiB} MiB` : size(n);
}

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

export function alignDown(n: number, align: number): number {
  return Math.floor(n / align) * align;
}

/**
 * UTF-8 bytes of `text` (the ES2022 library has no TextEncoder, and packages carry no DOM
 * or Node types).
 */
export function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Writes `text` NUL-terminated at `addr`; returns the address after the NUL. */
export function writeCString(ram: Uint8Array, addr: number, bytes: Uint8Array): number {
  ram.set(bytes, addr);
  ram[addr + bytes.length] = 0;
  return addr + bytes.length + 1;
}

/** Whether [a, aEnd) and [b, bEnd) share a byte. */
export function overlaps(a: number, aEnd: number, b: number, bEnd: number): boolean {
  return a < bEnd && b < aEnd;
}

/** Size of the loaders' GDT: null, unused, code (0x10), data (0x18). */
export const FLAT_GDT_SIZE: number = 32;
export const FLAT_CS: number = 0x10;
export const FLAT_DS: number = 0x18;

/**
 * Writes a four-entry GDT at `base`: 0x10 = flat 4 GiB code (execute/read, 32-bit, 4 KiB
 * granularity), 0x18 = flat 4 GiB data (read/write). The selectors are Linux's __BOOT_CS
 * and __BOOT_DS, which the 32-bit boot protocol requires, and serve Multiboot too.
 */
export function writeFlatGdt(ram: Uint8Array, base: number): NonNullable<EntryState['gdt']> {
  if (base < 0 || base + FLAT_GDT_SIZE > ram.length) {
    throw new LoaderError(`GDT at ${hex32(base)} is outside ${ramSize(ram.length)} of RAM`);
  }
  ram.fill(0, base, base + FLAT_GDT_SIZE);
  const dv = view(ram);
  // limit 0xfffff (G=1 -> 4 GiB), base 0; access 0x9b code / 0x93 data; flags 0xc (G, D/B).
  dv.setUint32(base + FLAT_CS, 0x0000ffff, true);
  dv.setUint32(base + FLAT_CS + 4, 0x00cf9b00, true);
  dv.setUint32(base + FLAT_DS, 0x0000ffff, true);
  dv.setUint32(base + FLAT_DS + 4, 0x00cf9300, true);
  return { base, limit: FLAT_GDT_SIZE - 1, cs: FLAT_CS, ds: FLAT_DS };
}

/**
 * The PC memory map both boot protocols describe: conventional memory below the EBDA, the
 * EBDA and the BIOS ROM reserved, and everything from 1 MiB up usable. Type 1 = usable,
 * 2 = reserved (e820 and Multiboot agree on these codes).
 */
export function pcMemoryMap(ramBytes: number): { base: number; length: number; type: 1 | 2 }[] {
  return [
    { base: 0, length: 0x9fc00, type: 1 },
    { base: 0x9fc00, length: 0x400, type: 2 },
    { base: 0xf0000, length: 0x10000, type: 2 },
    { base: 0x100000, length: Math.max(0, ramBytes - 0x100000), type: 1 },
  ];
}
