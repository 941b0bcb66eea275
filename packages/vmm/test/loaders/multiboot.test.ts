import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoaderError, MULTIBOOT_BOOT_MAGIC, detectKernel, findMultibootHeader, loadKernel, loadMultiboot } from '../../src/loaders/index.js';

const MiB = 1 << 20;
const MAGIC = 0x1badb002;

function u32(ram: Uint8Array, a: number): number {
  return new DataView(ram.buffer, ram.byteOffset).getUint32(a, true);
}
function cString(ram: Uint8Array, a: number): string {
  let s = '';
  for (let i = a; ram[i] !== 0; i++) s += String.fromCharCode(ram[i] ?? 0);
  return s;
}

/** A Multiboot header at `offset` of `file`: magic, flags, checksum, then `fields`. */
function putHeader(file: Uint8Array, offset: number, flags: number, fields: number[] = [], checksum?: number): void {
  const dv = new DataView(file.buffer);
  dv.setUint32(offset, MAGIC, true);
  dv.setUint32(offset + 4, flags, true);
  dv.setUint32(offset + 8, checksum ?? -(MAGIC + flags) >>> 0, true);
  fields.forEach((v, i) => dv.setUint32(offset + 12 + i * 4, v, true));
}

/** An a.out-kludge image loaded at 1 MiB: header at file offset 0, `size` bytes, `bss` more. */
function aoutImage(size = 0x400, bss = 0x200, over: Partial<Record<'header' | 'load' | 'loadEnd' | 'bssEnd' | 'entry', number>> = {}): Uint8Array {
  const file = new Uint8Array(size);
  for (let i = 32; i < size; i++) file[i] = i & 0xff;
  const load = over.load ?? 0x100000;
  putHeader(file, 0, 0x10003, [over.header ?? load, load, over.loadEnd ?? load + size, over.bssEnd ?? load + size + bss, over.entry ?? load + 32]);
  return file;
}

interface Seg {
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  type?: number;
}

/** An ELF32 i386 executable with the given program headers and a Multiboot header (flags 3). */
function elfImage(segs: Seg[], entry: number, size = 0x3000, over: { machine?: number; type?: number } = {}): Uint8Array {
  const file = new Uint8Array(size);
  const dv = new DataView(file.buffer);
  file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  dv.setUint16(16, over.type ?? 2, true);
  dv.setUint16(18, over.machine ?? 3, true);
  dv.setUint32(20, 1, true);
  dv.setUint32(24, entry, true);
  dv.setUint32(28, 52, true);
  dv.setUint16(40, 52, true);
  dv.setUint16(42, 32, true);
  dv.setUint16(44, segs.length, true);
  segs.forEach((s, i) => {
    const ph = 52 + i * 32;
    dv.setUint32(ph, s.type ?? 1, true);
    dv.setUint32(ph + 4, s.offset, true);
    dv.setUint32(ph + 8, s.vaddr, true);
    dv.setUint32(ph + 12, s.paddr, true);
    dv.setUint32(ph + 16, s.filesz, true);
    dv.setUint32(ph + 20, s.memsz, true);
  });
  putHeader(file, 0x400, 3);
  for (let i = 0x1000; i < size; i++) file[i] = (i * 3) & 0xff;
  return file;
}

describe('findMultibootHeader', () => {
  it('finds a 4-byte-aligned header in the first 8 KiB only', () => {
    const file = new Uint8Array(0x3000);
    putHeader(file, 0x1ffc - 8, 0);
    expect(findMultibootHeader(file)).toMatchObject({ offset: 0x1ff4, flags: 0 });
    const late = new Uint8Array(0x3000);
    putHeader(late, 0x2000, 0);
    expect(findMultibootHeader(late)).toBeUndefined();
    const unaligned = new Uint8Array(0x100);
    putHeader(unaligned, 0x22, 0);
    expect(findMultibootHeader(unaligned)).toBeUndefined();
  });

  it('rejects an a.out-kludge header cut off by the end of the file', () => {
    const file = new Uint8Array(0x20);
    putHeader(file, 8, 0x10000);
    expect(() => findMultibootHeader(file)).toThrow(new LoaderError('multiboot: header at 0x8 is cut off before its address fields'));
  });

  it('reports a bad checksum', () => {
    const file = new Uint8Array(0x100);
    putHeader(file, 8, 0x10000, [], 0x12345678);
    expect(() => findMultibootHeader(file)).toThrow(
      new LoaderError('multiboot: header at 0x8 has a bad checksum 0x12345678 (magic + flags + checksum must be 0; expected 0xe4514ffe)'),
    );
  });
});

describe('loadMultiboot', () => {
  it('loads an a.out-kludge image, zeroes bss, and fills multiboot_info', () => {
    const ram = new Uint8Array(32 * MiB).fill(0xcc);
    const image = aoutImage();
    const s = loadMultiboot(ram, image, { cmdline: 'kernel arg=1', modules: [{ data: Uint8Array.of(1, 2, 3), cmdline: 'mod0' }, { data: new Uint8Array(5000).fill(9) }] });
    expect(s).toMatchObject({ mode: 'flat32', eip: 0x100020, eax: MULTIBOOT_BOOT_MAGIC, gdt: { base: 0x8000, limit: 31, cs: 0x10, ds: 0x18 } });
    expect(ram.subarray(0x100000, 0x100400)).toEqual(image);
    expect(ram.subarray(0x100400, 0x100600).every((b) => b === 0)).toBe(true);
    expect(ram[0x100600]).toBe(0xcc);
    const info = s.ebx ?? 0;
    expect(info).toBe(0x8020);
    expect(u32(ram, info)).toBe(0x1 | 0x4 | 0x8 | 0x40 | 0x200);
    expect([u32(ram, info + 4), u32(ram, info + 8)]).toEqual([640, 31 * 1024]);
    expect(cString(ram, u32(ram, info + 16))).toBe('kernel arg=1');
    expect(cString(ram, u32(ram, info + 64))).toBe('vmm86');
    // modules: page-aligned after the image, with their strings
    expect(u32(ram, info + 20)).toBe(2);
    const mods = u32(ram, info + 24);
    expect([u32(ram, mods), u32(ram, mods + 4), cString(ram, u32(ram, mods + 8))]).toEqual([0x101000, 0x101003, 'mod0']);
    expect([u32(ram, mods + 16), u32(ram, mods + 20), cString(ram, u32(ram, mods + 24))]).toEqual([0x102000, 0x102000 + 5000, '']);
    expect([...ram.subarray(0x101000, 0x101003)]).toEqual([1, 2, 3]);
    // memory map: size-prefixed 24-byte entries
    const len = u32(ram, info + 44);
    const map = u32(ram, info + 48);
    expect(len).toBe(4 * 24);
    const dv = new DataView(ram.buffer);
    const entries = [0, 1, 2, 3].map((i) => [u32(ram, map + i * 24), Number(dv.getBigUint64(map + i * 24 + 4, true)), Number(dv.getBigUint64(map + i * 24 + 12, true)), u32(ram, map + i * 24 + 20)]);
    expect(entries).toEqual([
      [20, 0, 0x9fc00, 1],
      [20, 0x9fc00, 0x400, 2],
      [20, 0xf0000, 0x10000, 2],
      [20, 0x100000, 31 * MiB, 1],
    ]);
  });

  it('loads to the end of the file when load_end_addr is 0 and skips bss when bss_end_addr is 0', () => {
    const ram = new Uint8Array(4 * MiB).fill(0xcc);
    loadMultiboot(ram, aoutImage(0x400, 0, { loadEnd: 0, bssEnd: 0 }));
    expect(ram[0x1003ff]).toBe(0xff);
    expect(ram[0x100400]).toBe(0xcc);
  });

  it('moves the boot information out of the way of an image in low memory', () => {
    const ram = new Uint8Array(4 * MiB);
    const s = loadMultiboot(ram, aoutImage(0x400, 0x10000, { load: 0x7000 }));
    expect(s.gdt?.base).toBe(0x90000);
    expect(s.ebx).toBe(0x90020);
  });

  it('loads an ELF image by its program headers at their physical addresses', () => {
    const ram = new Uint8Array(8 * MiB).fill(0xcc);
    const image = elfImage(
      [
        { offset: 0x1000, vaddr: 0xc0100000, paddr: 0x100000, filesz: 0x1000, memsz: 0x1800 },
        { offset: 0x2000, vaddr: 0x200000, paddr: 0x200000, filesz: 0x800, memsz: 0x800 },
        { offset: 0, vaddr: 0, paddr: 0, filesz: 0, memsz: 0, type: 4 },
      ],
      0xc0100010,
    );
    const s = loadMultiboot(ram, image);
    expect(s.eip).toBe(0x100010);
    expect(ram.subarray(0x100000, 0x101000)).toEqual(image.subarray(0x1000, 0x2000));
    expect(ram.subarray(0x101000, 0x101800).every((b) => b === 0)).toBe(true);
    expect(ram[0x101800]).toBe(0xcc);
    expect(ram.subarray(0x200000, 0x200800)).toEqual(image.subarray(0x2000, 0x2800));
    expect(s.layout.map((l) => l.what)).toEqual(['GDT', 'multiboot_info', 'ELF segment 0', 'ELF segment 1']);
  });

  it.each<[string, () => Uint8Array, string]>([
    ['no header', () => new Uint8Array(64), 'multiboot: no Multiboot header in the first 8 KiB'],
    [
      'a video-mode requirement',
      () => {
        const f = new Uint8Array(64);
        putHeader(f, 0, 0x10007);
        return f;
      },
      'multiboot: header flags 0x00010007 require features this loader does not support: 0x00000004 (bit 2: a video mode, which needs VBE)',
    ],
    [
      'an unknown requirement',
      () => {
        const f = new Uint8Array(64);
        putHeader(f, 0, 0x10100);
        return f;
      },
      'multiboot: header flags 0x00010100 require features this loader does not support: 0x00000100',
    ],
    ['header_addr below load_addr', () => aoutImage(0x400, 0, { header: 0xfffff }), 'multiboot: header_addr 0x000fffff is below load_addr 0x00100000'],
    ['a load start before the file', () => aoutImage(0x400, 0, { header: 0x100010 }), 'multiboot: load_addr 0x00100000 would start 16 bytes before the file does (header_addr 0x00100010, header at file offset 0x0)'],
    ['load_end_addr past the file', () => aoutImage(0x400, 0, { loadEnd: 0x100800 }), 'multiboot: load_end_addr 0x00100800 is past the end of the file (1024 bytes from load_addr)'],
    ['load_end_addr below load_addr', () => aoutImage(0x400, 0, { loadEnd: 0x100000 }), 'multiboot: load_end_addr 0x00100000 is not above load_addr 0x00100000'],
    ['bss_end_addr inside the image', () => aoutImage(0x400, 0, { bssEnd: 0x100200 }), 'multiboot: bss_end_addr 0x00100200 is below the end of the loaded image 0x00100400'],
    ['an entry outside the image', () => aoutImage(0x400, 0x200, { entry: 0x100600 }), 'multiboot: entry_addr 0x00100600 is outside the image 0x00100000..0x00100600'],
    ['an image outside RAM', () => aoutImage(0x400, 0x200, { load: 0x3fff00 }), 'multiboot: kernel (a.out kludge) at 0x003fff00..0x00400500 is outside 4 MiB of RAM'],
    [
      'a non-ELF image without the kludge',
      () => {
        const f = new Uint8Array(64);
        putHeader(f, 0, 0);
        return f;
      },
      'multiboot: no a.out kludge (flag 16) and the image is not an ELF file',
    ],
    ['an ELF segment outside the file', () => elfImage([{ offset: 0x2800, vaddr: 0x100000, paddr: 0x100000, filesz: 0x1000, memsz: 0x1000 }], 0x100000), 'multiboot: ELF segment 0 (file offset 0x2800, 4096 bytes) is outside the file (12288 bytes)'],
    ['an ELF segment outside RAM', () => elfImage([{ offset: 0x1000, vaddr: 0x400000, paddr: 0x400000, filesz: 0x1000, memsz: 0x1000 }], 0x400000), 'multiboot: ELF segment 0 at 0x00400000..0x00401000 is outside 4 MiB of RAM'],
    ['an ELF for another machine', () => elfImage([], 0, 0x3000, { machine: 62 }), 'multiboot: ELF machine is 62, expected 3 (EM_386)'],
    ['a relocatable ELF', () => elfImage([], 0, 0x3000, { type: 1 }), 'multiboot: ELF type is 1, expected 2 (ET_EXEC)'],
    ['an ELF with no loadable segment', () => elfImage([{ offset: 0, vaddr: 0, paddr: 0, filesz: 0, memsz: 0, type: 4 }], 0), 'multiboot: ELF image has no loadable segments'],
    ['an ELF entry outside its segments', () => elfImage([{ offset: 0x1000, vaddr: 0x100000, paddr: 0x100000, filesz: 0x1000, memsz: 0x1000 }], 0x300000), 'multiboot: ELF entry point 0x00300000 is outside every loadable segment'],
  ])('rejects %s', (_what, make, message) => {
    expect(() => loadMultiboot(new Uint8Array(4 * MiB), make())).toThrow(new LoaderError(message));
  });

  it('rejects modules that do not fit in RAM', () => {
    expect(() => loadMultiboot(new Uint8Array(2 * MiB), aoutImage(), { modules: [{ data: new Uint8Array(MiB) }] })).toThrow(
      new LoaderError('multiboot: module 0 (1.0 MiB) does not fit in 2 MiB of RAM after the kernel (free from 0x00101000)'),
    );
  });

  // The repository's own test kernels are a.out-kludge Multiboot images.
  const root = join(import.meta.dirname, '../../../..');
  const kernels = ['guests/cpu-tests', 'guests/x87-tests'].flatMap((d) =>
    readdirSync(join(root, d))
      .filter((f) => f.endsWith('.bin'))
      .map((f) => join(d, f)),
  );
  it.each(kernels)('loads %s', (path) => {
    const image = new Uint8Array(readFileSync(join(root, path)));
    expect(detectKernel(image)).toBe('multiboot');
    const ram = new Uint8Array(32 * MiB);
    const s = loadKernel(ram, image);
    const h = findMultibootHeader(image);
    expect(h?.flags).toBe(0x10000);
    expect(s.eip).toBe(h?.entryAddr);
    expect(s.eax).toBe(MULTIBOOT_BOOT_MAGIC);
    expect(ram.subarray(0x100000, 0x100000 + image.length)).toEqual(image);
  });
});
