import { describe, expect, it } from 'vitest';
import { machine } from './real-machine.js';
import { CR0_PE, CR4_TSD, EFLAGS_DF, EFLAGS_IF, Exit, SEG_ES, SEG_SS, VEC_BR, VEC_GP, VEC_UD } from '../src/index.js';
import { sysenterMsrs } from '../src/ops/system-basic.js';


describe('flag instructions', () => {
  it('CLI/STI/CLD/STD', () => {
    const { cpu } = machine([0xfb, 0xfa, 0xfd, 0xfc]);
    cpu.run(1);
    expect(cpu.getFlags() & EFLAGS_IF).toBe(EFLAGS_IF);
    expect(cpu.inhibitInterrupts).toBe(true);
    cpu.run(1);
    expect(cpu.getFlags() & EFLAGS_IF).toBe(0);
    cpu.run(1);
    expect(cpu.getFlags() & EFLAGS_DF).toBe(EFLAGS_DF);
    cpu.run(1);
    expect(cpu.getFlags() & EFLAGS_DF).toBe(0);
  });

  it('STI delays a pending interrupt by one instruction', () => {
    const { cpu, ram } = machine([0xfb, 0x90, 0x90]);
    ram.set([0x00, 0x02, 0x00, 0x00], 8 * 4);
    cpu.intrLine = true;
    cpu.acknowledge = () => 8;
    cpu.run(2); // sti; nop (shadow)
    expect(cpu.eip).toBe(0x102);
    cpu.intrLine = false;
    const { cpu: c2, ram: r2 } = machine([0xfb, 0x90, 0x90]);
    r2.set([0x00, 0x02, 0x00, 0x00], 8 * 4);
    c2.intrLine = true;
    c2.acknowledge = () => 8;
    c2.run(3); // sti; nop; then the interrupt before the second nop, whose handler runs 1 instruction
    expect((r2[0xffa] as number) | ((r2[0xffb] as number) << 8)).toBe(0x102);
  });

  it('CLI at CPL 3 with IOPL 0 in protected mode is #GP(0)', () => {
    const { cpu } = machine([0xfa], true);
    cpu.cr0 |= CR0_PE;
    cpu.cpl = 3;
    cpu.setFlags(EFLAGS_IF, EFLAGS_IF);
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_GP);
    expect(cpu.getFlags() & EFLAGS_IF).toBe(EFLAGS_IF);
  });
});

describe('far pointer loads and BOUND', () => {
  it('LES and LSS load the segment and the register', () => {
    // les bx,[0x500]; lss sp,[0x504] (0F B2 26 04 05)
    const { cpu, ram } = machine([0xc4, 0x1e, 0x00, 0x05, 0x0f, 0xb2, 0x26, 0x04, 0x05]);
    ram.set([0x34, 0x12, 0x00, 0x30, 0x00, 0x80, 0x00, 0x20], 0x500);
    cpu.run(2);
    expect(cpu.reg16[6]).toBe(0x1234);
    expect(cpu.segSel[SEG_ES]).toBe(0x3000);
    expect(cpu.segBase[SEG_ES]).toBe(0x30000);
    expect(cpu.reg16[8]).toBe(0x8000);
    expect(cpu.segSel[SEG_SS]).toBe(0x2000);
  });

  it('BOUND passes in range and raises #BR (a fault) outside', () => {
    const { cpu, ram } = machine([0x62, 0x06, 0x00, 0x05, 0x62, 0x06, 0x00, 0x05], true); // bound ax,[0x500]
    ram.set([0xfe, 0xff, 0x10, 0x00], 0x500); // -2 .. 16
    cpu.reg16[0] = 0xfffe;
    expect(cpu.run(1)).toBe(Exit.BUDGET);
    cpu.reg16[0] = 17;
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_BR);
    expect(cpu.trap.eip).toBe(0x104);
  });
});

describe('CPUID, RDTSC, MSRs, UD2', () => {
  it('CPUID leaves 0, 1, 2 and beyond the maximum', () => {
    const { cpu } = machine([0x0f, 0xa2, 0x0f, 0xa2, 0x0f, 0xa2, 0x0f, 0xa2]);
    const r = cpu.reg32;
    r[0] = 0;
    cpu.run(1);
    const vendor = String.fromCharCode(...new Uint8Array(new Int32Array([r[3]!, r[2]!, r[1]!]).buffer));
    expect(r[0]).toBe(2);
    expect(vendor).toBe('GenuineIntel');
    r[0] = 1;
    cpu.run(1);
    expect(r[0]).toBe(0x633);
    expect(r[2]).toBe(0x0000a93d); // FPU DE PSE TSC MSR CX8 SEP PGE CMOV
    expect(r[1]).toBe(0);
    r[0] = 2;
    cpu.run(1);
    expect(r[0]).toBe(0x03020101);
    expect(r[2]).toBe(0x0c040843);
    r[0] = 0x80000000 | 0;
    cpu.run(1);
    expect(r[0]).toBe(0x03020101);
  });

  it('WRMSR/RDMSR of the TSC and SYSENTER MSRs; unknown MSRs raise #GP(0)', () => {
    // wrmsr; rdmsr; rdtsc ; wrmsr (0x174); rdmsr; wrmsr (unknown)
    const { cpu } = machine([0x0f, 0x30, 0x0f, 0x32, 0x0f, 0x31, 0x0f, 0x30, 0x0f, 0x32, 0x0f, 0x30], true);
    const r = cpu.reg32;
    r[1] = 0x10;
    r[0] = 1000;
    r[2] = 5;
    cpu.run(1);
    r[0] = 0;
    r[2] = 7;
    cpu.run(1);
    expect(r[2]).toBe(0); // the high half is cleared by a P6 TSC write
    expect(r[0]).toBeGreaterThanOrEqual(1000);
    expect(r[0]).toBeLessThan(1010);
    cpu.run(1);
    expect(r[0]).toBeGreaterThanOrEqual(1001);
    r[1] = 0x174;
    r[0] = 0x10;
    cpu.run(1);
    expect(sysenterMsrs(cpu)[0]).toBe(0x10);
    r[0] = 0;
    cpu.run(1);
    expect(r[0]).toBe(0x10);
    r[1] = 0x1b; // APIC base: absent on this CPU
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_GP);
    expect(cpu.trap.errorCode).toBe(0);
  });

  it('the P6 MSRs an OS touches: BIOS_SIGN_ID, performance counters, read-only ones', () => {
    // wrmsr; rdmsr, four times
    const code: number[] = [];
    for (let i = 0; i < 4; i++) code.push(0x0f, 0x30, 0x0f, 0x32);
    const { cpu } = machine(code, true);
    const r = cpu.reg32;
    // BIOS_SIGN_ID (0x8b): Linux writes 0, runs CPUID, reads the revision from EDX (0 here).
    r[1] = 0x8b;
    r[0] = 0x1234;
    r[2] = 0x5678;
    cpu.run(2);
    expect([r[0], r[2]]).toEqual([0x1234, 0]);
    // PerfCtr0 (0xc1): 32 bits written, sign-extended to 40 (Linux's check_hw_exists reads it back).
    r[1] = 0xc1;
    r[0] = 0x800000ab;
    r[2] = 0x77;
    cpu.run(2);
    expect([r[0], r[2]]).toEqual([0x800000ab | 0, 0xff]);
    // PerfEvtSel0 (0x186) keeps all 64 bits written.
    r[1] = 0x186;
    r[0] = 0x4300c0;
    r[2] = 0;
    cpu.run(2);
    expect([r[0], r[2]]).toEqual([0x4300c0, 0]);
    // LastBranchFromIP (0x1db) is read-only: WRMSR raises #GP(0).
    r[1] = 0x1db;
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_GP);
  });

  it('RDPMC reads PerfCtr0/1 (40 bits); other indices #GP(0)', () => {
    // wrmsr (PerfCtr1); rdpmc; rdpmc
    const { cpu } = machine([0x0f, 0x30, 0x0f, 0x33, 0x0f, 0x33], true);
    const r = cpu.reg32;
    r[1] = 0xc2;
    r[0] = 0xfffffff0 | 0;
    r[2] = 0;
    cpu.run(1);
    r[1] = 1;
    r[0] = 0;
    r[2] = 0;
    cpu.run(1);
    expect([r[0], r[2]]).toEqual([0xfffffff0 | 0, 0xff]);
    r[1] = 2;
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_GP);
  });

  it('RDTSC with CR4.TSD at CPL 3 is #GP(0); RDMSR at CPL 3 is #GP(0)', () => {
    const { cpu } = machine([0x0f, 0x31, 0x0f, 0x32], true);
    cpu.cr0 |= CR0_PE;
    cpu.cpl = 3;
    cpu.cr4 |= CR4_TSD;
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_GP);
    cpu.cr4 = 0;
    expect(cpu.run(1)).toBe(Exit.BUDGET);
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_GP);
    expect(cpu.trap.eip).toBe(0x102);
  });

  it('UD2 raises #UD', () => {
    const { cpu } = machine([0x0f, 0x0b], true);
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_UD);
    expect(cpu.trap.eip).toBe(0x100);
  });
});
