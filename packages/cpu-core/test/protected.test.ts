// Protected-mode system behaviour built from the SDM's rules: descriptor loads and their
// faults, paging with accessed/dirty bits and page-fault error codes, hosted traps, and
// delivery through IDT gates with the frame the SDM specifies.

import { describe, expect, it } from 'vitest';
import {
  ACC_DB, CR0_PE, CR0_PG, createCpu, EFLAGS_IF, Exit, ramOnly, SEG_CS, SEG_DS, SEG_SS, SF_NULL,
  type Cpu,
} from '../src/index.js';
import { farJump } from '../src/far-transfer.js';

const GDT = 0x1000;
const IDT = 0x1800;
const PD = 0x10000;
const PT = 0x11000;

/** A flat descriptor: base 0, limit 4 GiB, `type` (with S) and `dpl`. */
function flat(type: number, dpl: number): [number, number] {
  const lo = 0x0000ffff;
  const hi = 0x00cf0000 | ((0x80 | (dpl << 5) | 0x10 | type) << 8);
  return [lo, hi | 0];
}

function setup(hosted = false): { cpu: Cpu; ram: Uint8Array; dv: DataView } {
  const mem = ramOnly(4 << 20);
  const cpu = createCpu({ memory: mem, hosted });
  const dv = new DataView(mem.ram.buffer);
  const put = (i: number, [lo, hi]: [number, number]): void => {
    dv.setUint32(GDT + i * 8, lo >>> 0, true);
    dv.setUint32(GDT + i * 8 + 4, hi >>> 0, true);
  };
  put(1, flat(0xa, 0)); // 0x08 code, ring 0
  put(2, flat(0x2, 0)); // 0x10 data, ring 0
  put(3, flat(0xa, 3)); // 0x1b code, ring 3
  put(4, flat(0x2, 3)); // 0x23 data, ring 3
  put(5, flat(0x0, 0)); // 0x28 read-only data, ring 0
  cpu.gdtBase = GDT;
  cpu.gdtLimit = 6 * 8 - 1;
  cpu.setCr0(cpu.cr0 | CR0_PE);
  farJump(cpu, 0x08, 0x2000, 32);
  cpu.eip = cpu.nextEip;
  cpu.loadSegment(SEG_DS, 0x10);
  cpu.loadSegment(SEG_SS, 0x10);
  cpu.reg32[4] = 0x8000;
  return { cpu, ram: mem.ram, dv };
}

describe('protected-mode segment loads', () => {
  it('loads flat code and data from the GDT and sets the accessed bit', () => {
    const { cpu, ram } = setup();
    expect(cpu.segSel[SEG_CS]).toBe(0x08);
    expect((cpu.segAcc[SEG_CS] as number) & ACC_DB).toBe(ACC_DB);
    expect(cpu.segLimit[SEG_DS]! >>> 0).toBe(0xffffffff);
    expect(ram[GDT + 0x10 + 5]! & 1).toBe(1); // accessed
    expect(cpu.codeIs32()).toBe(true);
  });

  it('checks privilege, type and null selectors with the SDM error codes', () => {
    const { cpu } = setup();
    const fault = (fn: () => void): [number, number] => {
      try {
        fn();
      } catch (e) {
        const f = e as { vector: number; errorCode: number };
        return [f.vector, f.errorCode];
      }
      return [-1, -1];
    };
    expect(fault(() => cpu.loadSegment(SEG_SS, 0))).toEqual([13, 0]); // null SS
    expect(fault(() => cpu.loadSegment(SEG_SS, 0x23))).toEqual([13, 0x20]); // RPL != CPL
    expect(fault(() => cpu.loadSegment(SEG_SS, 0x28))).toEqual([13, 0x28]); // read-only
    expect(fault(() => cpu.loadSegment(SEG_DS, 0x30))).toEqual([13, 0x30]); // beyond the GDT limit
    cpu.loadSegment(SEG_DS, 0);
    expect(cpu.segFlags[SEG_DS]! & SF_NULL).toBe(SF_NULL);
    expect(fault(() => cpu.read8(cpu.linear(SEG_DS, 0, 1)))).toEqual([13, 0]); // access through null DS
    cpu.loadSegment(SEG_DS, 0x28);
    expect(fault(() => cpu.linear(SEG_DS, 0, 4, true))).toEqual([13, 0]); // write to read-only
  });
});

describe('paging', () => {
  function page(cpu: Cpu, dv: DataView): void {
    dv.setUint32(PD, PT | 0x7, true); // PDE 0: user, writable
    for (let i = 0; i < 1024; i++) dv.setUint32(PT + i * 4, (i << 12) | 0x7, true);
    dv.setUint32(PT + 0x50 * 4, 0, true); // page 0x50000 not present
    dv.setUint32(PT + 0x51 * 4, (0x51 << 12) | 0x5, true); // page 0x51000 read-only (user)
    cpu.setCr3(PD);
    cpu.setCr0(cpu.cr0 | CR0_PG);
  }

  it('sets accessed and dirty bits as the hardware does', () => {
    const { cpu, dv } = setup();
    page(cpu, dv);
    cpu.read32(0x40000);
    expect(dv.getUint32(PT + 0x40 * 4, true) & 0x60).toBe(0x20);
    cpu.write32(0x40000, 1);
    expect(dv.getUint32(PT + 0x40 * 4, true) & 0x60).toBe(0x60);
    expect(dv.getUint32(PD, true) & 0x20).toBe(0x20);
  });

  it('raises #PF with CR2 and the error code, and honours CR0.WP', () => {
    const { cpu, dv } = setup(true);
    page(cpu, dv);
    const pf = (fn: () => void): number => {
      try {
        fn();
      } catch (e) {
        return (e as { errorCode: number }).errorCode;
      }
      return -1;
    };
    expect(pf(() => cpu.read8(0x50010))).toBe(0); // not present, read, supervisor
    expect(cpu.cr2).toBe(0x50010);
    expect(pf(() => cpu.write8(0x50000, 1))).toBe(2); // not present, write
    expect(pf(() => cpu.write8(0x51000, 1))).toBe(-1); // supervisor write to read-only: allowed without WP
    cpu.setCr0(cpu.cr0 | (1 << 16));
    expect(pf(() => cpu.write8(0x51000, 1))).toBe(3); // with WP: protection, write
    cpu.cpl = 3;
    expect(pf(() => cpu.write8(0x51000, 1))).toBe(7); // user write to read-only
  });

  it('ends a hosted run with a Trap at the faulting instruction', () => {
    const { cpu, ram, dv } = setup(true);
    page(cpu, dv);
    ram.set([0xa1, 0x00, 0x00, 0x05, 0x00], 0x2000); // mov eax, [0x50000]
    expect(cpu.run(10)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(14);
    expect(cpu.trap.errorCode).toBe(0);
    expect(cpu.trap.eip).toBe(0x2000);
    expect(cpu.trap.cr2).toBe(0x50000);
    expect(cpu.eip).toBe(0x2000);
  });

  it('flushes the TLB on CR3 loads and INVLPG semantics', () => {
    const { cpu, dv } = setup();
    page(cpu, dv);
    cpu.read8(0x40000);
    dv.setUint32(PT + 0x40 * 4, (0x41 << 12) | 0x7, true); // remap without telling the CPU
    expect(cpu.translate(0x40000, false)).toBe(0x40000); // stale translation, as on hardware
    cpu.tlb.invalidate(0x40);
    expect(cpu.translate(0x40000, false)).toBe(0x41000);
    dv.setUint32(PT + 0x40 * 4, (0x42 << 12) | 0x7, true);
    cpu.setCr3(PD);
    expect(cpu.translate(0x40000, false)).toBe(0x42000);
  });
});

/** A descriptor from base, byte limit (< 1 MiB), access byte. */
function sys(base: number, limit: number, access: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((limit & 0xf0000)) | (access << 8) | ((base >>> 16) & 0xff);
  return [lo | 0, hi | 0];
}

describe('task switches', () => {
  it('JMP to a TSS saves the old task, loads the new one and moves the busy bit', () => {
    const { cpu, dv } = setup();
    const put = (i: number, [lo, hi]: [number, number]): void => {
      dv.setUint32(GDT + i * 8, lo >>> 0, true);
      dv.setUint32(GDT + i * 8 + 4, hi >>> 0, true);
    };
    cpu.gdtLimit = 8 * 8 - 1;
    put(6, sys(0x5000, 0x67, 0x89)); // 0x30: TSS A (available)
    put(7, sys(0x5100, 0x67, 0x89)); // 0x38: TSS B (available)
    cpu.loadSegment(SEG_DS, 0x10);
    // LTR 0x30 by hand: the busy type and the cache.
    dv.setUint8(GDT + 6 * 8 + 5, 0x8b);
    cpu.segSel[7] = 0x30;
    cpu.segBase[7] = 0x5000;
    cpu.segLimit[7] = 0x67;
    cpu.segAcc[7] = 0x8b;
    cpu.segFlags[7] = 0;
    // TSS B: EIP 0x2100, EAX 0x1234, flat ring-0 segments.
    dv.setUint32(0x5100 + 32, 0x2100, true);
    dv.setUint32(0x5100 + 36, 0x2, true);
    dv.setUint32(0x5100 + 40, 0x1234, true);
    dv.setUint32(0x5100 + 56, 0x7000, true);
    for (const [off, sel] of [[72, 0x10], [76, 0x08], [80, 0x10], [84, 0x10], [88, 0], [92, 0]] as const) {
      dv.setUint16(0x5100 + off, sel, true);
    }
    cpu.reg32[0] = 0x5555;
    cpu.nextEip = 0x2007;
    farJump(cpu, 0x38, 0, 32);
    expect(cpu.segSel[7]).toBe(0x38);
    expect(cpu.eip).toBe(0x2100);
    expect(cpu.reg32[0]).toBe(0x1234);
    expect(cpu.reg32[4]).toBe(0x7000);
    expect(dv.getUint32(0x5000 + 32, true)).toBe(0x2007); // old EIP saved
    expect(dv.getUint32(0x5000 + 40, true)).toBe(0x5555); // old EAX saved
    expect(dv.getUint8(GDT + 6 * 8 + 5)).toBe(0x89); // old task no longer busy (JMP)
    expect(dv.getUint8(GDT + 7 * 8 + 5)).toBe(0x8b); // new task busy
    expect(cpu.cr0 & 8).toBe(8); // CR0.TS
  });
});

describe('interrupt delivery through the IDT', () => {
  it('pushes EFLAGS, CS, EIP and the error code and clears IF through an interrupt gate', () => {
    const { cpu, ram, dv } = setup();
    // IDT entry 13 (#GP): 32-bit interrupt gate to 0x08:0x3000.
    dv.setUint32(IDT + 13 * 8, (0x08 << 16) | 0x3000, true);
    dv.setUint32(IDT + 13 * 8 + 4, 0x8e00, true);
    cpu.idtBase = IDT;
    cpu.idtLimit = 0x7ff;
    cpu.setFlags(EFLAGS_IF, EFLAGS_IF);
    cpu.loadSegment(SEG_DS, 0x28); // read-only data
    ram.set([0xc6, 0x05, 0x00, 0x40, 0x00, 0x00, 0x01], 0x2000); // mov byte [0x4000], 1 -> #GP(0)
    cpu.run(1);
    expect(cpu.eip).toBe(0x3000);
    expect(cpu.reg32[4]).toBe(0x8000 - 16);
    expect(dv.getUint32(0x8000 - 16, true)).toBe(0); // error code
    expect(dv.getUint32(0x8000 - 12, true)).toBe(0x2000); // EIP of the faulting instruction
    expect(dv.getUint32(0x8000 - 8, true)).toBe(0x08); // CS
    expect(dv.getUint32(0x8000 - 4, true) & EFLAGS_IF).toBe(EFLAGS_IF); // old EFLAGS
    expect(cpu.getFlags() & EFLAGS_IF).toBe(0);
  });
});
