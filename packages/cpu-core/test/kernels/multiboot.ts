// A minimal Multiboot v1 loader and runner for the system test kernels in guests/cpu-tests:
// parses the header (a.out kludge: load_addr, load_end_addr, bss_end_addr, entry_addr),
// copies the image, zeroes bss, and sets up the machine state Multiboot specifies (EAX =
// 0x2BADB002, EBX = a multiboot_info with mem_lower/mem_upper, CR0.PE with flat 32-bit
// segments in the hidden caches, paging off, IF = 0). Port 0xE9 collects the output; a
// write to port 0xF4 (isa-debug-exit) records the status and ends the run.

import { ACC_DB, ACC_G, CR0_PE, EFLAGS_IF, createCpu, Exit, ramOnly, SEG_CS, SF_NOWRITE, type Cpu } from '../../src/index.js';

export const MB_MAGIC = 0x1badb002;
export const MB_BOOT_MAGIC = 0x2badb002;
const MB_INFO = 0x9000;

export interface MultibootHeader {
  flags: number;
  headerAddr: number;
  loadAddr: number;
  loadEndAddr: number;
  bssEndAddr: number;
  entryAddr: number;
  /** File offset of the header. */
  offset: number;
}

/** Finds and checks the Multiboot header (in the first 8 KiB, 4-byte aligned). */
export function parseHeader(image: Uint8Array): MultibootHeader {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  for (let off = 0; off + 32 <= Math.min(image.length, 8192); off += 4) {
    if (dv.getUint32(off, true) !== MB_MAGIC) continue;
    const flags = dv.getUint32(off + 4, true);
    if (((MB_MAGIC + flags + dv.getUint32(off + 8, true)) >>> 0) !== 0) continue;
    if ((flags & 0x10000) === 0) throw new Error('multiboot: only a.out-kludge images (flags bit 16) are supported');
    return {
      flags,
      offset: off,
      headerAddr: dv.getUint32(off + 12, true),
      loadAddr: dv.getUint32(off + 16, true),
      loadEndAddr: dv.getUint32(off + 20, true),
      bssEndAddr: dv.getUint32(off + 24, true),
      entryAddr: dv.getUint32(off + 28, true),
    };
  }
  throw new Error('multiboot: no valid header in the first 8 KiB');
}

export interface KernelRun {
  cpu: Cpu;
  /** Everything written to port 0xE9. */
  output: string;
  /** The value written to port 0xF4, or undefined when the kernel never wrote it. */
  status: number | undefined;
  /** How run() ended: 'exit' (port 0xF4), 'shutdown' (triple fault), 'halt', 'budget'. */
  end: 'exit' | 'shutdown' | 'halt' | 'budget';
  instructions: number;
}

const FLAT_CODE = 0x9b | ACC_DB | ACC_G; // present, S, code readable accessed; D=1, G=1
const FLAT_DATA = 0x93 | ACC_DB | ACC_G; // present, S, data writable accessed; B=1, G=1

/** Loads `image` into a fresh CPU with `ramBytes` of RAM in the Multiboot boot state. */
export function boot(image: Uint8Array, ramBytes: number = 32 << 20): { cpu: Cpu; io: { output: string; status: number | undefined } } {
  const h = parseHeader(image);
  const mem = ramOnly(ramBytes);
  const start = h.offset - (h.headerAddr - h.loadAddr);
  const end = h.loadEndAddr === 0 ? image.length : start + (h.loadEndAddr - h.loadAddr);
  if (start < 0 || end > image.length) throw new Error('multiboot: load range outside the file');
  mem.ram.set(image.subarray(start, end), h.loadAddr);
  const bssStart = h.loadAddr + (end - start);
  if (h.bssEndAddr > bssStart) mem.ram.fill(0, bssStart, h.bssEndAddr);

  const state = { output: '', status: undefined as number | undefined };
  const ref: { cpu: Cpu | undefined } = { cpu: undefined };
  const cpu = createCpu({
    memory: mem,
    io: {
      read: (_port, bytes) => (bytes === 4 ? -1 : (1 << (bytes * 8)) - 1),
      write: (port, _bytes, value) => {
        if (port === 0xe9) state.output += String.fromCharCode(value & 0xff);
        else if (port === 0xf4) {
          state.status = value & 0xff;
          // Ends the run: run() returns Exit.HALT before the next instruction.
          if (ref.cpu !== undefined) ref.cpu.halted = true;
        }
      },
    },
  });
  ref.cpu = cpu;
  // multiboot_info: flags bit 0 (mem_lower/mem_upper).
  const dv = new DataView(mem.ram.buffer);
  dv.setUint32(MB_INFO, 1, true);
  dv.setUint32(MB_INFO + 4, 640, true);
  dv.setUint32(MB_INFO + 8, (ramBytes >> 10) - 1024, true);

  cpu.reg32[0] = MB_BOOT_MAGIC;
  cpu.reg32[3] = MB_INFO;
  cpu.setCr0((cpu.cr0 & ~0x80000000) | CR0_PE);
  for (let s = 0; s < 6; s++) {
    cpu.segSel[s] = s === SEG_CS ? 0x10 : 0x18;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = -1;
    cpu.segAcc[s] = s === SEG_CS ? FLAT_CODE : FLAT_DATA;
    cpu.segFlags[s] = s === SEG_CS ? SF_NOWRITE : 0;
  }
  cpu.cpl = 0;
  cpu.setFlags(0x2, -1);
  cpu.setFlags(0, EFLAGS_IF);
  cpu.eip = h.entryAddr;
  return { cpu, io: state };
}

/** Boots and runs `image` until it writes port 0xF4, shuts down, halts, or spends `budget`. */
export function runKernel(image: Uint8Array, budget: number = 20_000_000): KernelRun {
  const { cpu, io } = boot(image);
  let end: KernelRun['end'] = 'budget';
  const start = cpu.retired;
  const r = cpu.run(budget);
  if (io.status !== undefined) end = 'exit';
  else if (r === Exit.SHUTDOWN) end = 'shutdown';
  else if (r === Exit.HALT) end = 'halt';
  return { cpu, output: io.output, status: io.status, end, instructions: cpu.retired - start };
}

/** Compares transcripts line by line; returns undefined when equal, else a message naming the first difference. */
export function firstDifference(actual: string, expected: string): string | undefined {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) {
      return `line ${i + 1} differs:\n  ours:     ${a[i] === undefined ? '<end of output>' : JSON.stringify(a[i])}\n  expected: ${e[i] === undefined ? '<end of output>' : JSON.stringify(e[i])}`;
    }
  }
  return undefined;
}
