// The Linux x86 boot protocol, 32-bit entry (Documentation/arch/x86/boot.rst): the loader
// does what the real-mode setup code would have done — fill boot_params ("the zero page")
// with the setup header, the memory map and the video state — and jumps straight to the
// protected-mode kernel at 1 MiB with ESI pointing at boot_params.

import { type EntryState, LoaderError } from './types.js';
import { KiB, MiB, alignDown, hex32, pcMemoryMap, ramSize, size, utf8, view, writeCString, writeFlatGdt } from './util.js';

/** "HdrS", little-endian, at 0x202. */
export const LINUX_HDRS_MAGIC: number = 0x53726448;
/** The 32-bit boot protocol needs cmdline_size (2.06). */
export const LINUX_MIN_PROTOCOL: number = 0x0206;

// Physical addresses of what the loader writes (all in conventional memory, below the EBDA,
// and clear of the kernel at 1 MiB). QEMU uses the same 0x10000/0x20000 pair.
export const LINUX_GDT_ADDR: number = 0x8000;
export const LINUX_BOOT_PARAMS_ADDR: number = 0x10000;
export const LINUX_CMDLINE_ADDR: number = 0x20000;
/** End of conventional memory the loader may use (the EBDA starts here). */
const LOW_MEMORY_END = 0x9fc00;
/** Where the protected-mode kernel goes (and the default code32_start). */
export const LINUX_KERNEL_ADDR: number = 0x100000;

// Setup header / boot_params offsets (arch/x86/include/uapi/asm/bootparam.h).
const SETUP_SECTS = 0x1f1;
const SYSSIZE = 0x1f4;
const BOOT_FLAG = 0x1fe;
const JUMP = 0x200;
const HEADER = 0x202;
const VERSION = 0x206;
const TYPE_OF_LOADER = 0x210;
const LOADFLAGS = 0x211;
const CODE32_START = 0x214;
const RAMDISK_IMAGE = 0x218;
const RAMDISK_SIZE = 0x21c;
const HEAP_END_PTR = 0x224;
const CMD_LINE_PTR = 0x228;
const INITRD_ADDR_MAX = 0x22c;
const CMDLINE_SIZE = 0x238;
const PREF_ADDRESS = 0x258;
const INIT_SIZE = 0x260;
const ALT_MEM_K = 0x1e0;
const E820_ENTRIES = 0x1e8;
const E820_TABLE = 0x2d0;
const E820_MAX_ENTRIES = 128;
// screen_info, at the start of boot_params
const SI_EXT_MEM_K = 0x02;
const SI_ORIG_VIDEO_MODE = 0x06;
const SI_ORIG_VIDEO_COLS = 0x07;
const SI_ORIG_VIDEO_LINES = 0x0e;
const SI_ORIG_VIDEO_ISVGA = 0x0f;
const SI_ORIG_VIDEO_POINTS = 0x10;

const LOADED_HIGH = 0x01;
const KEEP_SEGMENTS = 0x40;
const CAN_USE_HEAP = 0x80;

export interface LinuxOptions {
  initrd?: Uint8Array;
  cmdline?: string;
}

/** The setup-header fields a loader acts on, validated. */
export interface BzImageHeader {
  /** Real-mode setup sectors (0 already turned into 4). */
  setupSects: number;
  /** Boot protocol version, e.g. 0x020f. */
  version: number;
  loadflags: number;
  /** File offset of the protected-mode kernel: (setupSects + 1) * 512. */
  kernelOffset: number;
  /** Bytes of protected-mode kernel in the file (syssize * 16). */
  kernelSize: number;
  initrdAddrMax: number;
  cmdlineSize: number;
  /** Where the kernel runs after it relocates or decompresses itself. */
  runtimeStart: number;
  /** Bytes the kernel needs from runtimeStart while it boots (0 = unknown, protocol < 2.10). */
  initSize: number;
}

/**
 * Validates a bzImage's setup header. Throws LoaderError with a precise message for a
 * truncated file, a missing signature or magic, a protocol older than 2.06, or a kernel
 * that cannot be loaded high.
 */
export function parseBzImage(kernel: Uint8Array): BzImageHeader {
  if (kernel.length < 0x250) {
    throw new LoaderError(`bzImage: file is ${kernel.length} bytes, too short for a setup header (at least 592)`);
  }
  const dv = view(kernel);
  const bootFlag = dv.getUint16(BOOT_FLAG, true);
  if (bootFlag !== 0xaa55) {
    throw new LoaderError(`bzImage: boot_flag at 0x1fe is 0x${bootFlag.toString(16).padStart(4, '0')}, expected 0xaa55`);
  }
  const magic = dv.getUint32(HEADER, true);
  if (magic !== LINUX_HDRS_MAGIC) {
    throw new LoaderError(`bzImage: setup header magic is ${hex32(magic)}, expected ${hex32(LINUX_HDRS_MAGIC)} ('HdrS')`);
  }
  const version = dv.getUint16(VERSION, true);
  if (version < LINUX_MIN_PROTOCOL) {
    throw new LoaderError(`bzImage: boot protocol ${protocol(version)} is too old (need 2.06 or later)`);
  }
  const setupSects = kernel[SETUP_SECTS] === 0 ? 4 : (kernel[SETUP_SECTS] ?? 4);
  const kernelOffset = (setupSects + 1) * 512;
  if (kernel.length < kernelOffset) {
    throw new LoaderError(`bzImage: truncated: ${kernel.length} bytes, but the real-mode setup alone is ${kernelOffset} bytes (${setupSects} setup sectors)`);
  }
  const kernelSize = dv.getUint32(SYSSIZE, true) * 16;
  if (kernelSize === 0) throw new LoaderError('bzImage: no protected-mode kernel (syssize is 0)');
  if (kernel.length - kernelOffset < kernelSize) {
    throw new LoaderError(
      `bzImage: truncated: the protected-mode kernel is ${kernel.length - kernelOffset} bytes, the header says ${kernelSize} (syssize 0x${(kernelSize / 16).toString(16)})`,
    );
  }
  const loadflags = kernel[LOADFLAGS] ?? 0;
  if ((loadflags & LOADED_HIGH) === 0) {
    throw new LoaderError('bzImage: loadflags lack LOADED_HIGH (a zImage loaded at 0x10000 is not supported)');
  }
  const pref = version >= 0x020a ? dv.getUint32(PREF_ADDRESS, true) : 0;
  return {
    setupSects,
    version,
    loadflags,
    kernelOffset,
    kernelSize,
    initrdAddrMax: dv.getUint32(INITRD_ADDR_MAX, true),
    cmdlineSize: dv.getUint32(CMDLINE_SIZE, true),
    runtimeStart: Math.max(LINUX_KERNEL_ADDR, pref),
    initSize: version >= 0x020a ? dv.getUint32(INIT_SIZE, true) : 0,
  };
}

function protocol(version: number): string {
  return `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
}

/**
 * Loads a bzImage for the 32-bit boot protocol: boot_params at LINUX_BOOT_PARAMS_ADDR, the
 * command line at LINUX_CMDLINE_ADDR, the protected-mode kernel at 1 MiB, the initrd as
 * high as initrd_addr_max and RAM allow. Entry: flat 32-bit segments 0x10/0x18, ESI =
 * boot_params, EIP = 1 MiB.
 */
export function loadLinux(ram: Uint8Array, kernel: Uint8Array, opts: LinuxOptions = {}): EntryState {
  const h = parseBzImage(kernel);
  const ramBytes = ram.length;

  // The kernel decompresses itself to runtimeStart and needs init_size bytes there; an
  // old header without init_size only promises the file's own extent.
  const loadedEnd = LINUX_KERNEL_ADDR + h.kernelSize;
  const kernelEnd = Math.max(loadedEnd, h.runtimeStart + h.initSize);
  if (kernelEnd > ramBytes) {
    throw new LoaderError(
      `bzImage: the kernel needs RAM up to ${hex32(kernelEnd)} (${size(kernelEnd)}) to boot, the machine has ${ramSize(ramBytes)}`,
    );
  }

  const cmdline = utf8(opts.cmdline ?? '');
  if (cmdline.length > h.cmdlineSize) {
    throw new LoaderError(`cmdline: ${cmdline.length} bytes is longer than the kernel's cmdline_size (${h.cmdlineSize})`);
  }
  if (LINUX_CMDLINE_ADDR + cmdline.length + 1 > LOW_MEMORY_END) {
    throw new LoaderError(`cmdline: ${cmdline.length} bytes do not fit between ${hex32(LINUX_CMDLINE_ADDR)} and the EBDA at ${hex32(LOW_MEMORY_END)}`);
  }

  let initrdAddr = 0;
  const initrd = opts.initrd;
  if (initrd !== undefined && initrd.length > 0) {
    const top = Math.min(h.initrdAddrMax + 1, ramBytes);
    initrdAddr = alignDown(top - initrd.length, 4 * KiB);
    if (initrdAddr < kernelEnd) {
      throw new LoaderError(
        `initrd: ${size(initrd.length)} does not fit below initrd_addr_max ${hex32(h.initrdAddrMax)} in ${ramSize(ramBytes)} of RAM` +
          ` (the kernel uses RAM up to ${hex32(kernelEnd)})`,
      );
    }
  }

  // boot_params: zeroed, then the setup header exactly as the file has it. Its end is
  // 0x202 + the byte at 0x201 (the jump's displacement), per boot.rst.
  const bp = LINUX_BOOT_PARAMS_ADDR;
  ram.fill(0, bp, bp + 4 * KiB);
  const headerEnd = Math.min(JUMP + 2 + (kernel[JUMP + 1] ?? 0), 4 * KiB, kernel.length);
  ram.set(kernel.subarray(SETUP_SECTS, headerEnd), bp + SETUP_SECTS);
  const dv = view(ram);

  ram[bp + TYPE_OF_LOADER] = 0xff;
  // No real-mode setup code runs, so there is no heap to offer; let the kernel reload its
  // own segments.
  ram[bp + LOADFLAGS] = h.loadflags & ~(CAN_USE_HEAP | KEEP_SEGMENTS);
  dv.setUint16(bp + HEAP_END_PTR, 0, true);
  dv.setUint32(bp + CODE32_START, LINUX_KERNEL_ADDR, true);
  dv.setUint32(bp + CMD_LINE_PTR, LINUX_CMDLINE_ADDR, true);
  dv.setUint32(bp + RAMDISK_IMAGE, initrdAddr, true);
  dv.setUint32(bp + RAMDISK_SIZE, initrd?.length ?? 0, true);

  // 80x25 colour text, as the BIOS leaves it.
  ram[bp + SI_ORIG_VIDEO_MODE] = 3;
  ram[bp + SI_ORIG_VIDEO_COLS] = 80;
  ram[bp + SI_ORIG_VIDEO_LINES] = 25;
  ram[bp + SI_ORIG_VIDEO_ISVGA] = 1;
  dv.setUint16(bp + SI_ORIG_VIDEO_POINTS, 16, true);

  // INT 15h AX=E801h-style sizes above 1 MiB; ext_mem_k is 16 bits (INT 15h AH=88h).
  const extKiB = Math.floor(Math.max(0, ramBytes - MiB) / KiB);
  dv.setUint16(bp + SI_EXT_MEM_K, Math.min(extKiB, 0xffff), true);
  dv.setUint32(bp + ALT_MEM_K, extKiB, true);

  const map = pcMemoryMap(ramBytes).filter((e) => e.length > 0);
  if (map.length > E820_MAX_ENTRIES) throw new LoaderError('e820: too many entries');
  map.forEach((e, i) => {
    const at = bp + E820_TABLE + i * 20;
    dv.setBigUint64(at, BigInt(e.base), true);
    dv.setBigUint64(at + 8, BigInt(e.length), true);
    dv.setUint32(at + 16, e.type, true);
  });
  ram[bp + E820_ENTRIES] = map.length;

  writeCString(ram, LINUX_CMDLINE_ADDR, cmdline);

  ram.set(kernel.subarray(h.kernelOffset, h.kernelOffset + h.kernelSize), LINUX_KERNEL_ADDR);
  if (initrd !== undefined && initrd.length > 0) ram.set(initrd, initrdAddr);
  const gdt = writeFlatGdt(ram, LINUX_GDT_ADDR);

  const layout: EntryState['layout'] = [
    { what: 'GDT', start: gdt.base, end: gdt.base + gdt.limit + 1 },
    { what: 'boot_params', start: bp, end: bp + 4 * KiB },
    { what: 'cmdline', start: LINUX_CMDLINE_ADDR, end: LINUX_CMDLINE_ADDR + cmdline.length + 1 },
    { what: `kernel (protocol ${protocol(h.version)})`, start: LINUX_KERNEL_ADDR, end: loadedEnd },
  ];
  if (kernelEnd > loadedEnd) layout.push({ what: 'kernel runtime (init_size)', start: h.runtimeStart, end: kernelEnd });
  if (initrd !== undefined && initrd.length > 0) layout.push({ what: 'initrd', start: initrdAddr, end: initrdAddr + initrd.length });

  return { mode: 'flat32', eip: LINUX_KERNEL_ADDR, gdt, esi: bp, ebx: 0, ebp: 0, edi: 0, layout };
}
