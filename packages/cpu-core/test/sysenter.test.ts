// SYSENTER / SYSEXIT (SDM Vol. 2B, SYSENTER and SYSEXIT pseudo-code; Vol. 3, "Fast System
// Calls"): the expected values below come from the SDM, not from the implementation.
// SYSENTER_CS = 0x08 in these tests, so the SDM's fixed selectors are CS 0x08 / SS 0x10
// for SYSENTER and CS 0x1b / SS 0x23 for SYSEXIT.

import { describe, expect, it } from 'vitest';
import {
  CR0_PE, createCpu, EFLAGS_IF, EFLAGS_RF, EFLAGS_TF, EFLAGS_VM, Exit, ramOnly, SEG_CS, SEG_SS,
  type Cpu,
} from '../src/index.js';
import { cacheDescriptor, desc } from '../src/segment.js';
import { sysenterMsrs } from '../src/ops/system-basic.js';

const GDT = 0x1000;
const CODE = 0x2000;

/** Access words of the SDM's fixed caches: P S type DPL in bits 0-7, G and D/B in bits 8-11. */
const RING0_CODE = 0xc9b; // P, DPL 0, S, execute/read accessed, D, G
const RING0_DATA = 0xc93; // P, DPL 0, S, read/write accessed, B, G
const RING3_CODE = 0xcfb;
const RING3_DATA = 0xcf3;

/** A descriptor with the given base, raw limit, access byte and flags nibble. */
function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | (flags << 20) | (limit & 0xf0000) | (access << 8) | ((base >>> 16) & 0xff);
  return [lo | 0, hi | 0];
}

/**
 * Protected mode, hosted. The GDT deliberately holds descriptors that disagree with the
 * SDM's fixed caches (non-flat bases and small limits, accessed bits clear), so a test
 * can tell that SYSENTER/SYSEXIT never read it.
 */
function setup(cpl: 0 | 3): { cpu: Cpu; ram: Uint8Array; dv: DataView } {
  const mem = ramOnly(1 << 20);
  const cpu = createCpu({ memory: mem, hosted: true });
  const dv = new DataView(mem.ram.buffer);
  const put = (sel: number, [lo, hi]: [number, number]): void => {
    dv.setUint32(GDT + sel, lo >>> 0, true);
    dv.setUint32(GDT + sel + 4, hi >>> 0, true);
  };
  put(0x08, descriptor(0x10000, 0xfff, 0x9a, 0x4)); // ring-0 code, base 64 KiB, 4 KiB limit
  put(0x10, descriptor(0x10000, 0xfff, 0x92, 0x4)); // ring-0 data
  put(0x18, descriptor(0x10000, 0xfff, 0xfa, 0x4)); // ring-3 code
  put(0x20, descriptor(0x10000, 0xfff, 0xf2, 0x4)); // ring-3 data
  put(0x28, descriptor(0, 0xfffff, 0x9b, 0xc)); // flat ring-0 code (the test's starting CS)
  put(0x30, descriptor(0, 0xfffff, 0x93, 0xc)); // flat ring-0 data
  put(0x38, descriptor(0, 0xfffff, 0xfb, 0xc)); // flat ring-3 code
  put(0x40, descriptor(0, 0xfffff, 0xf3, 0xc)); // flat ring-3 data
  cpu.gdtBase = GDT;
  cpu.gdtLimit = 0x47;
  cpu.setCr0(cpu.cr0 | CR0_PE);
  const load = (seg: number, sel: number): void => {
    desc.lo = dv.getUint32(GDT + (sel & ~7), true) | 0;
    desc.hi = dv.getUint32(GDT + (sel & ~7) + 4, true) | 0;
    desc.addr = GDT + (sel & ~7);
    cacheDescriptor(cpu, seg, sel);
  };
  if (cpl === 0) {
    load(SEG_CS, 0x28);
    for (const s of [0, 2, 3, 4, 5]) load(s, 0x30);
  } else {
    load(SEG_CS, 0x3b);
    for (const s of [0, 2, 3, 4, 5]) load(s, 0x43);
  }
  cpu.cpl = cpl;
  cpu.eip = CODE;
  cpu.reg32[4] = 0x8000;
  return { cpu, ram: mem.ram, dv };
}

function expectSeg(cpu: Cpu, seg: number, sel: number, acc: number): void {
  expect(cpu.segSel[seg]).toBe(sel);
  expect(cpu.segBase[seg]).toBe(0);
  expect(cpu.segLimit[seg]! >>> 0).toBe(0xffffffff);
  expect(cpu.segAcc[seg]).toBe(acc);
}

const SYSENTER = [0x0f, 0x34];
const SYSEXIT = [0x0f, 0x35];

describe('SYSENTER', () => {
  it('enters ring 0 with the fixed flat CS/SS caches, ESP and EIP from the MSRs, and clears VM, IF, RF', () => {
    const { cpu, ram } = setup(3);
    const msr = sysenterMsrs(cpu);
    msr[0] = 0x08;
    msr[1] = 0x9000;
    msr[2] = 0x3000;
    ram.set(SYSENTER, CODE);
    ram.set([0xcd, 0x80], 0x3000); // int 0x80 at the entry point ends the hosted run
    cpu.setFlags(EFLAGS_IF | EFLAGS_RF | 0x8d5, EFLAGS_IF | EFLAGS_RF | 0x8d5);
    const gdtBefore = ram.slice(GDT, GDT + 0x48);
    expect(cpu.run(2)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(0x80);
    expect(cpu.trap.eip).toBe(0x3002);
    expect(cpu.retired).toBe(2);
    expect(cpu.cpl).toBe(0);
    expectSeg(cpu, SEG_CS, 0x08, RING0_CODE);
    expectSeg(cpu, SEG_SS, 0x10, RING0_DATA);
    expect(cpu.reg32[4]).toBe(0x9000);
    expect(cpu.codeIs32()).toBe(true);
    expect(cpu.getFlags() & (EFLAGS_IF | EFLAGS_RF | EFLAGS_VM)).toBe(0);
    expect(cpu.getFlags() & 0x8d5).toBe(0x8d5); // the arithmetic flags are kept
    expect(ram.slice(GDT, GDT + 0x48)).toEqual(gdtBefore); // the GDT is not read (no accessed bits set)
    expect(cpu.segSel[3]).toBe(0x43); // data segments are untouched
  });

  it('takes SYSENTER_CS[15:2] (RPL bits of the MSR ignored) and the MSRs written with WRMSR', () => {
    const { cpu, ram } = setup(0);
    // mov ecx,0x174; mov eax,0x0b; xor edx,edx; wrmsr; inc ecx; mov eax,0x7000; wrmsr;
    // inc ecx; mov eax,0x4000; wrmsr; sysenter
    ram.set([
      0xb9, 0x74, 0x01, 0x00, 0x00, 0xb8, 0x0b, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30,
      0x41, 0xb8, 0x00, 0x70, 0x00, 0x00, 0x0f, 0x30,
      0x41, 0xb8, 0x00, 0x40, 0x00, 0x00, 0x0f, 0x30, ...SYSENTER,
    ], CODE);
    expect(cpu.run(11)).toBe(Exit.BUDGET); // 11 instructions
    expect(cpu.eip).toBe(0x4000);
    expect(cpu.reg32[4]).toBe(0x7000);
    expectSeg(cpu, SEG_CS, 0x08, RING0_CODE);
    expectSeg(cpu, SEG_SS, 0x10, RING0_DATA);
  });

  it('leaves TF alone: a single-step #DB follows at the entry point', () => {
    const { cpu, ram } = setup(3);
    const msr = sysenterMsrs(cpu);
    msr[0] = 0x08;
    msr[2] = 0x3000;
    ram.set(SYSENTER, CODE);
    cpu.setFlags(EFLAGS_TF, EFLAGS_TF);
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(1);
    expect(cpu.trap.eip).toBe(0x3000);
    expect(cpu.cpl).toBe(0);
  });

  it('leaves v8086 mode (VM cleared) for ring 0', () => {
    const { cpu, ram } = setup(3);
    const msr = sysenterMsrs(cpu);
    msr[0] = 0x08;
    msr[1] = 0x9000;
    msr[2] = 0x3000;
    for (const s of [0, 1, 2, 3, 4, 5]) cpu.loadSegmentReal(s, 0);
    cpu.setFlags(EFLAGS_VM, EFLAGS_VM);
    for (const s of [0, 1, 2, 3, 4, 5]) cpu.loadSegmentReal(s, 0); // v8086 caches
    cpu.eip = CODE;
    ram.set(SYSENTER, CODE);
    expect(cpu.run(1)).toBe(Exit.BUDGET);
    expect(cpu.getFlags() & EFLAGS_VM).toBe(0);
    expect(cpu.cpl).toBe(0);
    expect(cpu.eip).toBe(0x3000);
    expectSeg(cpu, SEG_CS, 0x08, RING0_CODE);
    expectSeg(cpu, SEG_SS, 0x10, RING0_DATA);
  });

  it('raises #GP(0) when SYSENTER_CS[15:2] = 0, leaving the state untouched', () => {
    for (const cs of [0, 3, 0x10000]) {
      const { cpu, ram } = setup(3);
      sysenterMsrs(cpu)[0] = cs;
      sysenterMsrs(cpu)[2] = 0x3000;
      ram.set(SYSENTER, CODE);
      expect(cpu.run(1)).toBe(Exit.TRAP);
      expect([cpu.trap.vector, cpu.trap.errorCode, cpu.trap.eip]).toEqual([13, 0, CODE]);
      expect(cpu.cpl).toBe(3);
      expect(cpu.segSel[SEG_CS]).toBe(0x3b);
      expect(cpu.eip).toBe(CODE);
    }
  });

  it('raises #GP(0) in real mode (CR0.PE = 0)', () => {
    const mem = ramOnly(1 << 20);
    const cpu = createCpu({ memory: mem, hosted: true });
    cpu.loadSegmentReal(SEG_CS, 0);
    cpu.eip = 0x100;
    sysenterMsrs(cpu)[0] = 0x08;
    mem.ram.set(SYSENTER, 0x100);
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect([cpu.trap.vector, cpu.trap.eip]).toEqual([13, 0x100]);
    expect(cpu.segSel[SEG_CS]).toBe(0);
  });
});

describe('SYSEXIT', () => {
  it('returns to ring 3 with CS = SYSENTER_CS+16 | 3, SS = SYSENTER_CS+24 | 3, EIP = EDX, ESP = ECX', () => {
    const { cpu, ram } = setup(0);
    sysenterMsrs(cpu)[0] = 0x08;
    cpu.reg32[2] = 0x5000; // EDX
    cpu.reg32[1] = 0x6000; // ECX
    cpu.setFlags(EFLAGS_IF | 0x85, EFLAGS_IF | 0x85);
    const gdtBefore = ram.slice(GDT, GDT + 0x48);
    ram.set(SYSEXIT, CODE);
    ram.set([0xcd, 0x80], 0x5000);
    expect(cpu.run(2)).toBe(Exit.TRAP);
    expect([cpu.trap.vector, cpu.trap.eip]).toEqual([0x80, 0x5002]);
    expect(cpu.cpl).toBe(3);
    expectSeg(cpu, SEG_CS, 0x1b, RING3_CODE);
    expectSeg(cpu, SEG_SS, 0x23, RING3_DATA);
    expect(cpu.reg32[4]).toBe(0x6000);
    expect(cpu.getFlags() & (EFLAGS_IF | 0x85)).toBe(EFLAGS_IF | 0x85); // EFLAGS unchanged
    expect(ram.slice(GDT, GDT + 0x48)).toEqual(gdtBefore);
  });

  it('round trip: ring 3 SYSENTER, ring 0 SYSEXIT back to the caller', () => {
    const { cpu, ram } = setup(3);
    const msr = sysenterMsrs(cpu);
    msr[0] = 0x08;
    msr[1] = 0x9000;
    msr[2] = 0x3000;
    // ring 3 at CODE: mov edx, CODE+9; mov ecx, esp; sysenter; (CODE+9:) int 0x80
    ram.set([0xba, 0x09, 0x20, 0x00, 0x00, 0x89, 0xe1, ...SYSENTER, 0xcd, 0x80], CODE);
    ram.set(SYSEXIT, 0x3000);
    expect(cpu.run(10)).toBe(Exit.TRAP);
    expect(cpu.retired).toBe(5);
    expect([cpu.trap.vector, cpu.trap.eip, cpu.trap.software]).toEqual([0x80, CODE + 11, true]);
    expect(cpu.cpl).toBe(3);
    expect(cpu.reg32[4]).toBe(0x8000);
    expectSeg(cpu, SEG_CS, 0x1b, RING3_CODE);
  });

  it('raises #GP(0) at CPL 3, in real mode, in v8086 mode and when SYSENTER_CS[15:2] = 0', () => {
    const cases: [string, (cpu: Cpu) => void][] = [
      ['CPL 3', () => undefined],
      ['null SYSENTER_CS', (cpu) => {
        sysenterMsrs(cpu)[0] = 0;
        cpu.cpl = 0;
      }],
    ];
    for (const [name, prep] of cases) {
      const { cpu, ram } = setup(3);
      sysenterMsrs(cpu)[0] = 0x08;
      prep(cpu);
      const cpl = cpu.cpl;
      ram.set(SYSEXIT, CODE);
      expect(cpu.run(1), name).toBe(Exit.TRAP);
      expect([cpu.trap.vector, cpu.trap.errorCode, cpu.trap.eip], name).toEqual([13, 0, CODE]);
      expect(cpu.cpl, name).toBe(cpl);
      expect(cpu.segSel[SEG_CS], name).toBe(0x3b);
    }
    // v8086 (CPL 3)
    const { cpu, ram } = setup(3);
    sysenterMsrs(cpu)[0] = 0x08;
    cpu.setFlags(EFLAGS_VM, EFLAGS_VM);
    for (const s of [0, 1, 2, 3, 4, 5]) cpu.loadSegmentReal(s, 0);
    cpu.eip = 0x100;
    ram.set(SYSEXIT, 0x100);
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect([cpu.trap.vector, cpu.trap.errorCode, cpu.trap.eip]).toEqual([13, 0, 0x100]);
    // real mode
    const mem = ramOnly(1 << 20);
    const real = createCpu({ memory: mem, hosted: true });
    real.loadSegmentReal(SEG_CS, 0);
    real.eip = 0x100;
    sysenterMsrs(real)[0] = 0x08;
    mem.ram.set(SYSEXIT, 0x100);
    expect(real.run(1)).toBe(Exit.TRAP);
    expect([real.trap.vector, real.trap.eip]).toEqual([13, 0x100]);
  });
});
