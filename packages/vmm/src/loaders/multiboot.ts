// Multiboot v1 (the 0.6.96 specification): a header in the image's first 8 KiB tells the
// loader where the image goes, either through its own address fields (the "a.out kludge",
// flag 16) or through the image's ELF program headers. The loader leaves a boot
// information structure in low memory and enters in flat 32-bit protected mode with EAX =
// 0x2BADB002 and EBX = that structure.

import { type EntryState, LoaderError } from './types.js';
import { KiB, MiB, alignUp, hex32, overlaps, pcMemoryMap, ramSize, size, utf8, view, writeCString, writeFlatGdt, FLAT_GDT_SIZE } from './util.js';

export const MULTIBOOT_HEADER_MAGIC: number = 0x1badb002;
export const MULTIBOOT_BOOT_MAGIC: number = 0x2badb002;
/** The header must lie entirely within the image's first 8192 bytes. */
export const MULTIBOOT_SEARCH: number = 8192;

// Header flags. Bits 0-15 are requirements a loader must refuse when it cannot meet them;
// bits 16-31 are optional features.
const MB_PAGE_ALIGN = 1 << 0;
const MB_MEMORY_INFO = 1 << 1;
const MB_VIDEO_MODE = 1 << 2;
const MB_AOUT_KLUDGE = 1 << 16;
const SUPPORTED_REQUIRED = MB_PAGE_ALIGN | MB_MEMORY_INFO;

// multiboot_info flags
const INFO_MEMORY = 1 << 0;
const INFO_CMDLINE = 1 << 2;
const INFO_MODS = 1 << 3;
const INFO_MEM_MAP = 1 << 6;
const INFO_LOADER_NAME = 1 << 9;
const INFO_SIZE = 88;

/**
 * Where the boot information goes: the GDT, multiboot_info, the memory map, module list and
 * strings, packed in this order into one low-memory area. The first candidate that does not
 * overlap the image is used.
 */
export const MULTIBOOT_INFO_AREAS: readonly number[] = [0x8000, 0x90000];
const INFO_AREA_SIZE = 0xf000;

export interface MultibootHeader {
  /** File offset of the header. */
  offset: number;
  flags: number;
  /** a.out kludge fields (meaningful only with flag 16). */
  headerAddr: number;
  loadAddr: number;
  loadEndAddr: number;
  bssEndAddr: number;
  entryAddr: number;
}

export interface MultibootModule {
  data: Uint8Array;
  cmdline?: string;
}

export interface MultibootOptions {
  cmdline?: string;
  modules?: MultibootModule[];
}

/**
 * Finds the Multiboot header: 4-byte aligned, in the first 8 KiB, magic and checksum
 * summing to 0. Returns undefined when there is none; a magic with a bad checksum is an
 * error when no valid header follows.
 */
export function findMultibootHeader(image: Uint8Array): MultibootHeader | undefined {
  const dv = view(image);
  let badChecksum: number | undefined;
  for (let off = 0; off + 12 <= Math.min(image.length, MULTIBOOT_SEARCH); off += 4) {
    if (dv.getUint32(off, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = dv.getUint32(off + 4, true);
    const checksum = dv.getUint32(off + 8, true);
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) {
      badChecksum ??= off;
      continue;
    }
    const field = (i: number): number => (off + 12 + i * 4 + 4 <= image.length ? dv.getUint32(off + 12 + i * 4, true) : 0);
    if ((flags & MB_AOUT_KLUDGE) !== 0 && off + 32 > Math.min(image.length, MULTIBOOT_SEARCH)) {
      throw new LoaderError(`multiboot: header at 0x${off.toString(16)} is cut off before its address fields`);
    }
    return { offset: off, flags, headerAddr: field(0), loadAddr: field(1), loadEndAddr: field(2), bssEndAddr: field(3), entryAddr: field(4) };
  }
  if (badChecksum !== undefined) {
    const flags = dv.getUint32(badChecksum + 4, true);
    const checksum = dv.getUint32(badChecksum + 8, true);
    throw new LoaderError(
      `multiboot: header at 0x${badChecksum.toString(16)} has a bad checksum ${hex32(checksum)} (magic + flags + checksum must be 0; expected ${hex32(-(MULTIBOOT_HEADER_MAGIC + flags))})`,
    );
  }
  return undefined;
}

interface Segment {
  /** File offset and length of the bytes to copy. */
  fileOffset: number;
  fileSize: number;
  /** Physical address and size in memory (the rest after fileSize is zeroed). */
  addr: number;
  memSize: number;
  what: string;
}

/**
 * Loads a Multiboot v1 kernel (a.out kludge or ELF32) and its modules. Entry: flat 32-bit
 * segments from the loader's GDT (CS = 0x10, DS/ES/FS/GS/SS = 0x18), EAX = 0x2BADB002,
 * EBX = the multiboot_info address.
 */
export function loadMultiboot(ram: Uint8Array, image: Uint8Array, opts: MultibootOptions = {}): EntryState {
  const h = findMultibootHeader(image);
  if (h === undefined) throw new LoaderError('multiboot: no Multiboot header in the first 8 KiB');
  const unsupported = h.flags & 0xffff & ~SUPPORTED_REQUIRED;
  if (unsupported !== 0) {
    const names = unsupported & MB_VIDEO_MODE ? ' (bit 2: a video mode, which needs VBE)' : '';
    throw new LoaderError(`multiboot: header flags ${hex32(h.flags)} require features this loader does not support: ${hex32(unsupported)}${names}`);
  }
  const { segments, entry } = (h.flags & MB_AOUT_KLUDGE) !== 0 ? aoutSegments(image, h) : elfSegments(image);

  let imageEnd = 0;
  for (const s of segments) {
    if (s.addr + s.memSize > ram.length) {
      throw new LoaderError(`multiboot: ${s.what} at ${hex32(s.addr)}..${hex32(s.addr + s.memSize)} is outside ${ramSize(ram.length)} of RAM`);
    }
    imageEnd = Math.max(imageEnd, s.addr + s.memSize);
  }

  // Boot information area: the first candidate clear of every segment.
  const area = MULTIBOOT_INFO_AREAS.find((a) => segments.every((s) => !overlaps(a, a + INFO_AREA_SIZE, s.addr, s.addr + s.memSize)));
  if (area === undefined) throw new LoaderError('multiboot: the image covers every low-memory area the boot information could go in');

  for (const s of segments) {
    ram.set(image.subarray(s.fileOffset, s.fileOffset + s.fileSize), s.addr);
    ram.fill(0, s.addr + s.fileSize, s.addr + s.memSize);
  }

  // Modules go page-aligned after the image (the header's page-align bit asks for it; it
  // costs nothing to always do it).
  const mods: { start: number; end: number; cmdline: Uint8Array }[] = [];
  let next = alignUp(Math.max(imageEnd, MiB), 4 * KiB);
  for (const [i, m] of (opts.modules ?? []).entries()) {
    if (next + m.data.length > ram.length) {
      throw new LoaderError(`multiboot: module ${i} (${size(m.data.length)}) does not fit in ${ramSize(ram.length)} of RAM after the kernel (free from ${hex32(next)})`);
    }
    ram.set(m.data, next);
    mods.push({ start: next, end: next + m.data.length, cmdline: utf8(m.cmdline ?? '') });
    next = alignUp(next + m.data.length, 4 * KiB);
  }

  const dv = view(ram);
  ram.fill(0, area, area + INFO_AREA_SIZE);
  const gdt = writeFlatGdt(ram, area);
  const info = area + FLAT_GDT_SIZE;
  let cursor = info + INFO_SIZE;
  const alloc = (bytes: number): number => {
    const at = cursor;
    cursor = alignUp(cursor + bytes, 4);
    if (cursor > area + INFO_AREA_SIZE) throw new LoaderError('multiboot: the command line and module strings do not fit in the boot information area (60 KiB)');
    return at;
  };
  let flags = INFO_MEMORY | INFO_MEM_MAP | INFO_LOADER_NAME;
  dv.setUint32(info + 4, 640, true);
  dv.setUint32(info + 8, Math.floor(Math.max(0, ram.length - MiB) / KiB), true);

  const cmdline = utf8(opts.cmdline ?? '');
  const cmdAt = alloc(cmdline.length + 1);
  writeCString(ram, cmdAt, cmdline);
  dv.setUint32(info + 16, cmdAt, true);
  flags |= INFO_CMDLINE;

  if (mods.length > 0) {
    const list = alloc(mods.length * 16);
    mods.forEach((m, i) => {
      const str = alloc(m.cmdline.length + 1);
      writeCString(ram, str, m.cmdline);
      dv.setUint32(list + i * 16, m.start, true);
      dv.setUint32(list + i * 16 + 4, m.end, true);
      dv.setUint32(list + i * 16 + 8, str, true);
    });
    dv.setUint32(info + 20, mods.length, true);
    dv.setUint32(info + 24, list, true);
    flags |= INFO_MODS;
  }

  // Each entry: size (20, not counting itself), base, length, type.
  const map = pcMemoryMap(ram.length).filter((e) => e.length > 0);
  const mmap = alloc(map.length * 24);
  map.forEach((e, i) => {
    const at = mmap + i * 24;
    dv.setUint32(at, 20, true);
    dv.setBigUint64(at + 4, BigInt(e.base), true);
    dv.setBigUint64(at + 12, BigInt(e.length), true);
    dv.setUint32(at + 20, e.type, true);
  });
  dv.setUint32(info + 44, map.length * 24, true);
  dv.setUint32(info + 48, mmap, true);

  const name = utf8('vmm86');
  const nameAt = alloc(name.length + 1);
  writeCString(ram, nameAt, name);
  dv.setUint32(info + 64, nameAt, true);
  dv.setUint32(info, flags, true);

  const layout: EntryState['layout'] = [
    { what: 'GDT', start: gdt.base, end: gdt.base + FLAT_GDT_SIZE },
    { what: 'multiboot_info', start: info, end: cursor },
    ...segments.map((s) => ({ what: s.what, start: s.addr, end: s.addr + s.memSize })),
    ...mods.map((m, i) => ({ what: `module ${i}`, start: m.start, end: m.end })),
  ];
  return { mode: 'flat32', eip: entry, gdt, eax: MULTIBOOT_BOOT_MAGIC, ebx: info, layout };
}

/** The a.out kludge: one contiguous load from the file, then bss, addresses from the header. */
function aoutSegments(image: Uint8Array, h: MultibootHeader): { segments: Segment[]; entry: number } {
  if (h.headerAddr < h.loadAddr) {
    throw new LoaderError(`multiboot: header_addr ${hex32(h.headerAddr)} is below load_addr ${hex32(h.loadAddr)}`);
  }
  const fileStart = h.offset - (h.headerAddr - h.loadAddr);
  if (fileStart < 0) {
    throw new LoaderError(`multiboot: load_addr ${hex32(h.loadAddr)} would start ${-fileStart} bytes before the file does (header_addr ${hex32(h.headerAddr)}, header at file offset 0x${h.offset.toString(16)})`);
  }
  let loadSize: number;
  if (h.loadEndAddr === 0) loadSize = image.length - fileStart;
  else {
    if (h.loadEndAddr <= h.loadAddr) {
      throw new LoaderError(`multiboot: load_end_addr ${hex32(h.loadEndAddr)} is not above load_addr ${hex32(h.loadAddr)}`);
    }
    loadSize = h.loadEndAddr - h.loadAddr;
    if (fileStart + loadSize > image.length) {
      throw new LoaderError(`multiboot: load_end_addr ${hex32(h.loadEndAddr)} is past the end of the file (${image.length - fileStart} bytes from load_addr)`);
    }
  }
  const loadEnd = h.loadAddr + loadSize;
  let memSize = loadSize;
  if (h.bssEndAddr !== 0) {
    if (h.bssEndAddr < loadEnd) {
      throw new LoaderError(`multiboot: bss_end_addr ${hex32(h.bssEndAddr)} is below the end of the loaded image ${hex32(loadEnd)}`);
    }
    memSize = h.bssEndAddr - h.loadAddr;
  }
  if (h.entryAddr < h.loadAddr || h.entryAddr >= h.loadAddr + memSize) {
    throw new LoaderError(`multiboot: entry_addr ${hex32(h.entryAddr)} is outside the image ${hex32(h.loadAddr)}..${hex32(h.loadAddr + memSize)}`);
  }
  return { segments: [{ fileOffset: fileStart, fileSize: loadSize, addr: h.loadAddr, memSize, what: 'kernel (a.out kludge)' }], entry: h.entryAddr };
}

const PT_LOAD = 1;

/** ELF32 i386 executables: every PT_LOAD segment at its physical address. */
function elfSegments(image: Uint8Array): { segments: Segment[]; entry: number } {
  const dv = view(image);
  if (image.length < 52 || dv.getUint32(0, false) !== 0x7f454c46) {
    throw new LoaderError('multiboot: no a.out kludge (flag 16) and the image is not an ELF file');
  }
  if (image[4] !== 1 || image[5] !== 1) throw new LoaderError('multiboot: ELF image is not 32-bit little-endian');
  const type = dv.getUint16(16, true);
  if (type !== 2) throw new LoaderError(`multiboot: ELF type is ${type}, expected 2 (ET_EXEC)`);
  const machine = dv.getUint16(18, true);
  if (machine !== 3) throw new LoaderError(`multiboot: ELF machine is ${machine}, expected 3 (EM_386)`);
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  if (phentsize < 32 || phoff + phnum * phentsize > image.length) {
    throw new LoaderError(`multiboot: ELF program headers (${phnum} at 0x${phoff.toString(16)}, ${phentsize} bytes each) are outside the file`);
  }
  const segments: Segment[] = [];
  let entryPhys = entry;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (dv.getUint32(ph, true) !== PT_LOAD) continue;
    const offset = dv.getUint32(ph + 4, true);
    const vaddr = dv.getUint32(ph + 8, true);
    const paddr = dv.getUint32(ph + 12, true);
    const filesz = dv.getUint32(ph + 16, true);
    const memsz = dv.getUint32(ph + 20, true);
    if (offset + filesz > image.length) {
      throw new LoaderError(`multiboot: ELF segment ${i} (file offset 0x${offset.toString(16)}, ${filesz} bytes) is outside the file (${image.length} bytes)`);
    }
    if (memsz < filesz) throw new LoaderError(`multiboot: ELF segment ${i} has memsz ${memsz} < filesz ${filesz}`);
    if (memsz === 0) continue;
    // A higher-half kernel links at vaddr but is loaded at paddr; its entry point is a
    // virtual address that must be translated.
    if (entry >= vaddr && entry < vaddr + memsz) entryPhys = paddr + (entry - vaddr);
    segments.push({ fileOffset: offset, fileSize: filesz, addr: paddr, memSize: memsz, what: `ELF segment ${i}` });
  }
  if (segments.length === 0) throw new LoaderError('multiboot: ELF image has no loadable segments');
  if (!segments.some((s) => entryPhys >= s.addr && entryPhys < s.addr + s.memSize)) {
    throw new LoaderError(`multiboot: ELF entry point ${hex32(entry)} is outside every loadable segment`);
  }
  return { segments, entry: entryPhys >>> 0 };
}
