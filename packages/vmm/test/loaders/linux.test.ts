import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINUX_BOOT_PARAMS_ADDR, LINUX_CMDLINE_ADDR, LINUX_GDT_ADDR, LoaderError, loadLinux, loadKernel, parseBzImage } from '../../src/loaders/index.js';

const MiB = 1 << 20;

interface Fake {
  setupSects?: number;
  version?: number;
  loadflags?: number;
  pmSize?: number;
  initrdAddrMax?: number;
  cmdlineSize?: number;
  prefAddress?: number;
  initSize?: number;
  magic?: number;
  bootFlag?: number;
}

/** A synthetic bzImage: setup sectors with a real-looking header, then `pmSize` bytes of "kernel". */
function fakeBzImage(f: Fake = {}): Uint8Array {
  const setupSects = f.setupSects ?? 4;
  const pmSize = f.pmSize ?? 0x2000;
  const file = new Uint8Array(((setupSects === 0 ? 4 : setupSects) + 1) * 512 + pmSize);
  const dv = new DataView(file.buffer);
  file[0x1f1] = setupSects;
  dv.setUint32(0x1f4, pmSize / 16, true);
  dv.setUint16(0x1fe, f.bootFlag ?? 0xaa55, true);
  file[0x200] = 0xeb; // jmp short over the header, ending it at 0x202 + 0x66 = 0x268
  file[0x201] = 0x66;
  dv.setUint32(0x202, f.magic ?? 0x53726448, true);
  dv.setUint16(0x206, f.version ?? 0x020f, true);
  file[0x211] = f.loadflags ?? 0x81;
  dv.setUint32(0x214, 0x100000, true);
  dv.setUint32(0x22c, f.initrdAddrMax ?? 0x7fffffff, true);
  dv.setUint32(0x230, 0x1000000, true);
  dv.setUint32(0x238, f.cmdlineSize ?? 2047, true);
  dv.setUint32(0x258, f.prefAddress ?? 0x1000000, true);
  dv.setUint32(0x260, f.initSize ?? 0x400000, true);
  // Recognisable kernel bytes.
  for (let i = 0; i < pmSize; i++) file[file.length - pmSize + i] = (i * 7 + 1) & 0xff;
  return file;
}

function u8(ram: Uint8Array, a: number): number {
  return ram[a] ?? -1;
}
function u16(ram: Uint8Array, a: number): number {
  return new DataView(ram.buffer).getUint16(a, true);
}
function u32(ram: Uint8Array, a: number): number {
  return new DataView(ram.buffer).getUint32(a, true);
}
function cString(ram: Uint8Array, a: number): string {
  let s = '';
  for (let i = a; ram[i] !== 0; i++) s += String.fromCharCode(ram[i] ?? 0);
  return s;
}
function e820(ram: Uint8Array, bp: number): [number, number, number][] {
  const dv = new DataView(ram.buffer);
  const out: [number, number, number][] = [];
  for (let i = 0; i < (ram[bp + 0x1e8] ?? 0); i++) {
    const at = bp + 0x2d0 + i * 20;
    out.push([Number(dv.getBigUint64(at, true)), Number(dv.getBigUint64(at + 8, true)), dv.getUint32(at + 16, true)]);
  }
  return out;
}

describe('loadLinux', () => {
  it('fills boot_params, copies the kernel and enters at 1 MiB with ESI = boot_params', () => {
    const ram = new Uint8Array(64 * MiB).fill(0xcc);
    const kernel = fakeBzImage();
    const initrd = new Uint8Array(5000).fill(0x5a);
    const s = loadLinux(ram, kernel, { initrd, cmdline: 'console=ttyS0 quiet' });
    const bp = LINUX_BOOT_PARAMS_ADDR;
    expect(s).toMatchObject({ mode: 'flat32', eip: 0x100000, esi: bp, ebx: 0, ebp: 0, edi: 0, gdt: { base: LINUX_GDT_ADDR, limit: 31, cs: 0x10, ds: 0x18 } });
    // GDT: 0x10 flat code, 0x18 flat data
    expect([u32(ram, LINUX_GDT_ADDR + 0x10), u32(ram, LINUX_GDT_ADDR + 0x14)]).toEqual([0xffff, 0x00cf9b00]);
    expect([u32(ram, LINUX_GDT_ADDR + 0x18), u32(ram, LINUX_GDT_ADDR + 0x1c)]).toEqual([0xffff, 0x00cf9300]);
    // the header is copied, the rest of the zero page is zero outside the fields we set
    expect(u32(ram, bp + 0x202)).toBe(0x53726448);
    expect(u16(ram, bp + 0x206)).toBe(0x020f);
    expect(u8(ram, bp + 0x200)).toBe(0xeb); // the header starts at 0x1f1 and includes the jump
    expect(u8(ram, bp + 0x1f0)).toBe(0);
    expect(u8(ram, bp + 0x210)).toBe(0xff);
    expect(u8(ram, bp + 0x211)).toBe(0x01); // CAN_USE_HEAP cleared: no real-mode setup runs
    expect(u32(ram, bp + 0x214)).toBe(0x100000);
    expect(u32(ram, bp + 0x228)).toBe(LINUX_CMDLINE_ADDR);
    expect(cString(ram, LINUX_CMDLINE_ADDR)).toBe('console=ttyS0 quiet');
    // initrd: page-aligned, as high as RAM allows
    const initrdAddr = u32(ram, bp + 0x218);
    expect(u32(ram, bp + 0x21c)).toBe(5000);
    expect(initrdAddr).toBe((64 * MiB - 5000) & ~0xfff);
    expect(ram.subarray(initrdAddr, initrdAddr + 5000).every((b) => b === 0x5a)).toBe(true);
    // screen_info: 80x25 VGA colour text
    expect([u8(ram, bp + 6), u8(ram, bp + 7), u8(ram, bp + 0xe), u8(ram, bp + 0xf), u16(ram, bp + 0x10)]).toEqual([3, 80, 25, 1, 16]);
    expect(u16(ram, bp + 2)).toBe(63 * 1024);
    expect(u32(ram, bp + 0x1e0)).toBe(63 * 1024);
    expect(e820(ram, bp)).toEqual([
      [0, 0x9fc00, 1],
      [0x9fc00, 0x400, 2],
      [0xf0000, 0x10000, 2],
      [0x100000, 63 * MiB, 1],
    ]);
    // the protected-mode kernel
    expect(ram.subarray(0x100000, 0x102000)).toEqual(kernel.subarray(5 * 512));
    expect(s.layout.map((l) => l.what)).toEqual(['GDT', 'boot_params', 'cmdline', 'kernel (protocol 2.15)', 'kernel runtime (init_size)', 'initrd']);
  });

  it('reads setup_sects 0 as 4', () => {
    const ram = new Uint8Array(32 * MiB);
    const kernel = fakeBzImage({ setupSects: 0 });
    loadLinux(ram, kernel);
    expect(ram.subarray(0x100000, 0x102000)).toEqual(kernel.subarray(5 * 512));
    expect(parseBzImage(kernel).setupSects).toBe(4);
  });

  it('without an initrd leaves ramdisk_image/size 0; an empty cmdline is an empty string', () => {
    const ram = new Uint8Array(32 * MiB).fill(0xcc);
    loadLinux(ram, fakeBzImage());
    expect([u32(ram, LINUX_BOOT_PARAMS_ADDR + 0x218), u32(ram, LINUX_BOOT_PARAMS_ADDR + 0x21c)]).toEqual([0, 0]);
    expect(cString(ram, LINUX_CMDLINE_ADDR)).toBe('');
  });

  it('places the initrd below initrd_addr_max', () => {
    const ram = new Uint8Array(64 * MiB);
    loadLinux(ram, fakeBzImage({ initrdAddrMax: 0x37fffff }), { initrd: new Uint8Array(0x1800) });
    expect(u32(ram, LINUX_BOOT_PARAMS_ADDR + 0x218)).toBe(0x3800000 - 0x2000);
  });

  it.each<[string, () => Uint8Array, string]>([
    ['a tiny file', () => new Uint8Array(100), 'bzImage: file is 100 bytes, too short for a setup header (at least 592)'],
    ['a bad boot_flag', () => fakeBzImage({ bootFlag: 0x1234 }), 'bzImage: boot_flag at 0x1fe is 0x1234, expected 0xaa55'],
    ['a bad magic', () => fakeBzImage({ magic: 0 }), "bzImage: setup header magic is 0x00000000, expected 0x53726448 ('HdrS')"],
    ['protocol 2.04', () => fakeBzImage({ version: 0x0204 }), 'bzImage: boot protocol 2.04 is too old (need 2.06 or later)'],
    ['a file cut inside the setup', () => fakeBzImage({ setupSects: 30 }).subarray(0, 4096), 'bzImage: truncated: 4096 bytes, but the real-mode setup alone is 15872 bytes (30 setup sectors)'],
    ['a file cut inside the kernel', () => fakeBzImage().subarray(0, 5 * 512 + 0x1000), 'bzImage: truncated: the protected-mode kernel is 4096 bytes, the header says 8192 (syssize 0x200)'],
    ['syssize 0', () => fakeBzImage({ pmSize: 0 }), 'bzImage: no protected-mode kernel (syssize is 0)'],
    ['no LOADED_HIGH', () => fakeBzImage({ loadflags: 0 }), 'bzImage: loadflags lack LOADED_HIGH (a zImage loaded at 0x10000 is not supported)'],
  ])('rejects %s', (_what, make, message) => {
    expect(() => loadLinux(new Uint8Array(64 * MiB), make())).toThrow(new LoaderError(message));
  });

  it('rejects RAM smaller than the kernel needs', () => {
    expect(() => loadLinux(new Uint8Array(16 * MiB), fakeBzImage())).toThrow(
      new LoaderError('bzImage: the kernel needs RAM up to 0x01400000 (20.0 MiB) to boot, the machine has 16 MiB'),
    );
  });

  it('rejects an initrd that does not fit', () => {
    expect(() => loadLinux(new Uint8Array(32 * MiB), fakeBzImage({ initrdAddrMax: 0x37ffffff }), { initrd: new Uint8Array(40 * MiB) })).toThrow(
      new LoaderError('initrd: 40.0 MiB does not fit below initrd_addr_max 0x37ffffff in 32 MiB of RAM (the kernel uses RAM up to 0x01400000)'),
    );
    // fits in RAM, but not above the kernel's runtime extent
    expect(() => loadLinux(new Uint8Array(32 * MiB), fakeBzImage(), { initrd: new Uint8Array(13 * MiB) })).toThrow(
      new LoaderError('initrd: 13.0 MiB does not fit below initrd_addr_max 0x7fffffff in 32 MiB of RAM (the kernel uses RAM up to 0x01400000)'),
    );
  });

  it('rejects a command line longer than cmdline_size', () => {
    const ram = new Uint8Array(32 * MiB);
    expect(() => loadLinux(ram, fakeBzImage({ cmdlineSize: 10 }), { cmdline: 'console=ttyS0' })).toThrow(
      new LoaderError("cmdline: 13 bytes is longer than the kernel's cmdline_size (10)"),
    );
    expect(() => loadLinux(ram, fakeBzImage({ cmdlineSize: 13 }), { cmdline: 'console=ttyS0' })).not.toThrow();
    expect(() => loadLinux(ram, fakeBzImage({ cmdlineSize: 0x100000 }), { cmdline: 'x'.repeat(0x80000) })).toThrow(
      new LoaderError('cmdline: 524288 bytes do not fit between 0x00020000 and the EBDA at 0x0009fc00'),
    );
  });

  const manifestPath = join(process.env['VMM86_CACHE'] ?? join(homedir(), '.cache', 'vmm86'), 'manifest.json');
  const bzImage = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { kernel?: { bzImage?: string } }).kernel?.bzImage : undefined;
  const haveReal = bzImage !== undefined && existsSync(bzImage);
  it.skipIf(!haveReal)(`loads Debian's bzImage (${haveReal ? bzImage : 'absent: run tools/fetch-guests'})`, () => {
    const kernel = new Uint8Array(readFileSync(bzImage ?? ''));
    const ram = new Uint8Array(128 * MiB);
    const s = loadKernel(ram, kernel, { initrd: new Uint8Array(1 * MiB), cmdline: 'console=ttyS0' });
    const bp = LINUX_BOOT_PARAMS_ADDR;
    expect(s.eip).toBe(0x100000);
    expect(u32(ram, bp + 0x202)).toBe(0x53726448);
    expect(u16(ram, bp + 0x206)).toBeGreaterThanOrEqual(0x020f);
    expect(u8(ram, bp + 0x211) & 1).toBe(1);
    expect(u32(ram, bp + 0x238)).toBe(2047); // cmdline_size copied from the header
    expect(u32(ram, bp + 0x218)).toBe(127 * MiB);
    expect(u32(ram, bp + 0x21c)).toBe(1 * MiB);
    expect(cString(ram, u32(ram, bp + 0x228))).toBe('console=ttyS0');
    const h = parseBzImage(kernel);
    expect(Buffer.compare(ram.subarray(0x100000, 0x100000 + h.kernelSize), kernel.subarray(h.kernelOffset, h.kernelOffset + h.kernelSize))).toBe(0);
    // The 686 kernel decompresses to 16 MiB and needs init_size from there: 32 MiB is too little.
    expect(() => loadLinux(new Uint8Array(32 * MiB), kernel)).toThrow(/^bzImage: the kernel needs RAM up to 0x0[0-9a-f]{7} \(32\.\d MiB\) to boot, the machine has 32 MiB$/);
  });
});
