// A tiny harness for the instruction-family tests: runs hand-assembled code in real mode
// (16-bit code) or in flat 32-bit code, hosted, so exceptions end the run with a Trap.

import { ACC_DB, type Cpu, createCpu, EFLAGS_ARITH, Exit, PAGE_MMIO, type PhysicalMemory, ramOnly, SEG_CS, SEG_DS } from '../src/index.js';

export const REG: Readonly<Record<string, number>> = { eax: 0, ecx: 1, edx: 2, ebx: 3, esp: 4, ebp: 5, esi: 6, edi: 7 };

export interface Setup {
  /** 16: real mode, CS = 0, IP = 0x100; 32: flat 32-bit code at 0x100 (CR0.PE, CS.D). */
  bits?: 16 | 32;
  regs?: Readonly<Record<string, number>>;
  /** Initial EFLAGS (arithmetic bits). */
  flags?: number;
  /** Bytes to place in RAM: [physical address, bytes]. */
  mem?: readonly (readonly [number, readonly number[]])[];
}

export interface Run {
  cpu: Cpu;
  memory: PhysicalMemory;
  exit: Exit;
  /** MMIO writes seen (page 0x80000 is MMIO): [address, bytes, value]. */
  mmioWrites: [number, number, number][];
}

/** The physical address of the MMIO page (reads return `mmioValue`, writes are logged). */
export const MMIO_BASE = 0x80000;

export function run(code: readonly number[], setup: Setup = {}, steps = 1, mmioValue = 0): Run {
  const base = ramOnly(1 << 20);
  const mmioWrites: [number, number, number][] = [];
  const memory: PhysicalMemory = {
    ram: base.ram,
    pageKind: base.pageKind,
    mmioRead: (_a, bytes) => (bytes === 4 ? mmioValue | 0 : mmioValue & ((1 << (bytes * 8)) - 1)),
    mmioWrite: (a, bytes, v) => {
      mmioWrites.push([a, bytes, v]);
    },
  };
  memory.pageKind[MMIO_BASE >>> 12] = PAGE_MMIO;
  const cpu = createCpu({ memory, hosted: true });
  cpu.loadSegmentReal(SEG_CS, 0);
  cpu.loadSegmentReal(SEG_DS, 0);
  if (setup.bits === 32) {
    cpu.cr0 |= 1;
    cpu.segAcc[SEG_CS] = (cpu.segAcc[SEG_CS] as number) | ACC_DB;
    cpu.segLimit[SEG_CS] = -1;
    cpu.segLimit[SEG_DS] = -1;
  }
  memory.ram.set(code, 0x100);
  for (const [a, bytes] of setup.mem ?? []) memory.ram.set(bytes, a);
  for (const [name, v] of Object.entries(setup.regs ?? {})) cpu.reg32[REG[name] as number] = v;
  cpu.setFlags(setup.flags ?? 0, EFLAGS_ARITH);
  cpu.eip = 0x100;
  const exit = cpu.run(steps);
  return { cpu, memory, exit, mmioWrites };
}

/** Register value as unsigned. */
export function r32(cpu: Cpu, name: string): number {
  return (cpu.reg32[REG[name] as number] as number) >>> 0;
}

/** EFLAGS arithmetic bits under `mask`. */
export function flags(cpu: Cpu, mask: number = EFLAGS_ARITH): number {
  return cpu.getFlags() & mask;
}
