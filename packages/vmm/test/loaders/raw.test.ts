import { describe, expect, it } from 'vitest';
import { LoaderError, detectKernel, loadKernel, loadRaw } from '../../src/loaders/index.js';

describe('loadRaw', () => {
  it('copies a boot sector and enters real mode at 0000:7c00', () => {
    const ram = new Uint8Array(1 << 20);
    const image = Uint8Array.of(0xfa, 0xf4);
    expect(loadRaw(ram, image, 0x7c00)).toEqual({ mode: 'real', cs: 0, eip: 0x7c00, layout: [{ what: 'raw image', start: 0x7c00, end: 0x7c02 }] });
    expect([ram[0x7c00], ram[0x7c01]]).toEqual([0xfa, 0xf4]);
  });

  it('splits a real-mode entry above 64 KiB into segment:offset', () => {
    expect(loadRaw(new Uint8Array(1 << 20), new Uint8Array(16), 0x12340, { entry: 0x12345 })).toMatchObject({ mode: 'real', cs: 0x1234, eip: 5 });
  });

  it('enters flat32 with a GDT at 0x500, or after the image when the image covers 0x500', () => {
    const ram = new Uint8Array(4 << 20);
    expect(loadRaw(ram, new Uint8Array(100), 0x100000)).toMatchObject({ mode: 'flat32', eip: 0x100000, gdt: { base: 0x500, limit: 31, cs: 0x10, ds: 0x18 } });
    expect(loadRaw(ram, new Uint8Array(0x1001), 0, { mode: 'flat32', entry: 0x10 })).toMatchObject({ mode: 'flat32', eip: 0x10, gdt: { base: 0x1010 } });
  });

  it('rejects an image that does not fit', () => {
    expect(() => loadRaw(new Uint8Array(1 << 20), new Uint8Array(0x2000), 0xff000)).toThrow(new LoaderError('raw: 8.0 KiB at 0x000ff000 does not fit in 1 MiB of RAM'));
    expect(() => loadRaw(new Uint8Array(1 << 20), new Uint8Array(4), -4)).toThrow(new LoaderError('raw: 4 bytes at 0xfffffffc does not fit in 1 MiB of RAM'));
    expect(() => loadRaw(new Uint8Array(4 << 20), new Uint8Array(4), 0x200000, { mode: 'real' })).toThrow(new LoaderError("raw: entry 0x00200000 is beyond real mode's first MiB"));
  });
});

describe('detectKernel / loadKernel', () => {
  it('recognises bzImage by HdrS and reports unknown formats', () => {
    const bz = new Uint8Array(0x300);
    new DataView(bz.buffer).setUint32(0x202, 0x53726448, true);
    expect(detectKernel(bz)).toBe('bzimage');
    expect(detectKernel(new Uint8Array(0x300))).toBe('unknown');
    expect(() => loadKernel(new Uint8Array(1 << 20), new Uint8Array(0x300))).toThrow(
      new LoaderError("not a bzImage (no 'HdrS' at 0x202) and no Multiboot header in the first 8 KiB"),
    );
  });

  it('hands a Multiboot image with a bad checksum to the Multiboot loader, which says why', () => {
    const image = new Uint8Array(64);
    new DataView(image.buffer).setUint32(0, 0x1badb002, true);
    expect(detectKernel(image)).toBe('multiboot');
    expect(() => loadKernel(new Uint8Array(1 << 20), image)).toThrow(/^multiboot: header at 0x0 has a bad checksum/);
  });
});
