// The x87 FPU model (src/x87/fpu.ts, src/ops/x87.ts): stack, tags, condition codes,
// FSTENV/FSAVE images, #NM/#MF, FCOMI/FCMOV. Expected values from the SDM (Vol. 1 ch. 8,
// Vol. 3 Table 9-1); the ones marked "native" were confirmed on this machine's CPU by
// fpu-native.test.ts. The instructions whose arithmetic lives in float80.ts (FADD..FDIVR in
// every form, FLD/FST/FILD/FIST/FBLD/FBSTP, FCOM/FICOM with memory operands, FSQRT, FRNDINT,
// FSCALE, FXTRACT, FPREM/FPREM1) are tested through the CPU in fpu-arith.test.ts.

import { describe, expect, it } from 'vitest';
import { ACC_DB, CR0_EM, CR0_MP, CR0_NE, CR0_TS, type Cpu, createCpu, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_PF, EFLAGS_ZF, Exit, ramOnly, SEG_CS, SEG_DS } from '../../src/index.js';

const CODE = 0x100;

function make(code: readonly number[], bits: 16 | 32 = 32, prot = bits === 32): Cpu {
  const memory = ramOnly(1 << 20);
  const cpu = createCpu({ memory, hosted: true });
  cpu.loadSegmentReal(SEG_CS, 0);
  cpu.loadSegmentReal(SEG_DS, 0);
  if (prot) cpu.cr0 |= 1;
  if (bits === 32) {
    cpu.segAcc[SEG_CS] = (cpu.segAcc[SEG_CS] as number) | ACC_DB;
    cpu.segLimit[SEG_CS] = -1;
    cpu.segLimit[SEG_DS] = -1;
  }
  memory.ram.set(code, CODE);
  cpu.eip = CODE;
  return cpu;
}

function runAll(cpu: Cpu, n: number): Exit {
  return cpu.run(n);
}

const FNINIT = [0xdb, 0xe3];
const FLD1 = [0xd9, 0xe8];
const FLDZ = [0xd9, 0xee];
const FLDPI = [0xd9, 0xeb];
const FNSTSW_AX = [0xdf, 0xe0];
const FNOP = [0xd9, 0xd0];
const FCHS = [0xd9, 0xe0];
const FXAM = [0xd9, 0xe5];
const FWAIT = [0x9b];

function st(cpu: Cpu, i: number): [number, number, number] {
  const p = cpu.fpu.phys(i);
  return [cpu.fpu.se[p] as number, cpu.fpu.hi[p] as number, cpu.fpu.lo[p] as number];
}
const u16 = (cpu: Cpu, a: number): number => (cpu.ram[a] as number) | ((cpu.ram[a + 1] as number) << 8);
const u32 = (cpu: Cpu, a: number): number => (u16(cpu, a) | (u16(cpu, a + 2) << 16)) >>> 0;
const INDEF: [number, number, number] = [0xffff, 0xc0000000, 0];

describe('x87 state', () => {
  it('power-on: CW 0040H, SW 0, TW 5555H (registers +0.0); FNINIT: CW 037FH, TW FFFFH', () => {
    const cpu = make([...FNINIT]);
    expect(cpu.fpu.cw).toBe(0x0040);
    expect(cpu.fpu.status()).toBe(0);
    expect(cpu.fpu.tagWord()).toBe(0x5555);
    runAll(cpu, 1);
    expect(cpu.fpu.cw).toBe(0x037f);
    expect(cpu.fpu.tagWord()).toBe(0xffff);
  });

  it('pushes decrement TOP and tag the registers (valid, zero)', () => {
    const cpu = make([...FNINIT, ...FLD1, ...FLDZ, ...FNSTSW_AX]);
    expect(runAll(cpu, 4)).toBe(Exit.BUDGET);
    expect(cpu.reg16[0]).toBe(6 << 11);
    expect(cpu.fpu.tagWord()).toBe(0x1fff); // R7 valid (00), R6 zero (01), others empty
    expect(st(cpu, 0)).toEqual([0, 0, 0]);
    expect(st(cpu, 1)).toEqual([0x3fff, 0x80000000, 0]);
  });

  it('constants are rounded by RC as the P6 does', () => {
    // FLDCW [0x2000] with RC = down (0x077F), FLDPI, FLDL2T; then RC = up, FLDL2T, FLDL2E.
    const code = [...FNINIT, 0xd9, 0x2d, 0x00, 0x20, 0, 0, ...FLDPI, 0xd9, 0xe9, 0xd9, 0xea,
      0xd9, 0x2d, 0x02, 0x20, 0, 0, 0xd9, 0xe9, 0xd9, 0xea, ...FLDPI];
    const cpu = make(code);
    cpu.ram.set([0x7f, 0x07, 0x7f, 0x0b], 0x2000);
    runAll(cpu, 9);
    expect(st(cpu, 5)).toEqual([0x4000, 0xc90fdaa2, 0x2168c234]); // pi, down
    expect(st(cpu, 4)).toEqual([0x4000, 0xd49a784b, 0xcd1b8afe]); // l2t, down
    expect(st(cpu, 3)).toEqual([0x3fff, 0xb8aa3b29, 0x5c17f0bb]); // l2e, down
    expect(st(cpu, 2)).toEqual([0x4000, 0xd49a784b, 0xcd1b8aff]); // l2t, up
    expect(st(cpu, 1)).toEqual([0x3fff, 0xb8aa3b29, 0x5c17f0bc]); // l2e, up
    expect(st(cpu, 0)).toEqual([0x4000, 0xc90fdaa2, 0x2168c235]); // pi, up
    expect(cpu.fpu.status() & 0x3f).toBe(0); // no PE
  });

  it('stack overflow (masked): IE SF C1=1, the indefinite pushed', () => {
    const code = [...FNINIT];
    for (let k = 0; k < 9; k++) code.push(...FLD1);
    code.push(...FNSTSW_AX);
    const cpu = make(code);
    runAll(cpu, 11);
    expect(cpu.reg16[0]).toBe(0x0241 | (7 << 11));
    expect(st(cpu, 0)).toEqual(INDEF);
  });

  it('stack underflow (masked): IE SF C1=0, the destination gets the indefinite', () => {
    const cpu = make([...FNINIT, 0xd9, 0xc9 /* fxch st1 */, ...FNSTSW_AX]);
    runAll(cpu, 3);
    expect(cpu.reg16[0]).toBe(0x0041);
    expect(st(cpu, 0)).toEqual(INDEF);
    expect(st(cpu, 1)).toEqual(INDEF);
    expect(cpu.fpu.tagWord()).toBe(0xfffa); // R0, R1 special
  });

  it('unmasked underflow: nothing written, ES and B set, no #MF from FNSTSW', () => {
    const cpu = make([...FNINIT, 0xd9, 0x2d, 0x00, 0x20, 0, 0, ...FCHS, ...FNSTSW_AX]);
    cpu.ram.set([0x7e, 0x03], 0x2000);
    expect(runAll(cpu, 4)).toBe(Exit.BUDGET);
    expect(cpu.reg16[0]).toBe(0x80c1);
    expect(cpu.fpu.isEmpty(0)).toBe(true);
  });

  it('FXAM classes and sign', () => {
    const cpu = make([...FNINIT, ...FXAM, ...FNSTSW_AX]);
    runAll(cpu, 3);
    expect((cpu.reg16[0] as number) & 0x4700).toBe(0x4100); // empty: C3 C0 (R0 = +0 from power-on)
    const cases: [number, number, number, number][] = [
      [0x3fff, 0x80000000, 0, 0x0400], // normal
      [0xbfff, 0x80000000, 0, 0x0600], // negative normal
      [0x0000, 0, 0, 0x4000], // zero
      [0x8000, 0x00000001, 0, 0x4600], // negative denormal
      [0x7fff, 0x80000000, 0, 0x0500], // infinity
      [0x7fff, 0xc0000000, 0, 0x0100], // NaN
      [0x3fff, 0x40000000, 0, 0x0000], // unnormal: unsupported
    ];
    for (const [se, hi, lo, cc] of cases) {
      const c = make([...FXAM, ...FNSTSW_AX]);
      c.fpu.setBits(0, se, hi, lo);
      runAll(c, 2);
      expect((c.reg16[0] as number) & 0x4700).toBe(cc);
    }
  });

  it('FCHS, FABS flip and clear the sign; FXCH swaps; FFREE tags empty; FINCSTP/FDECSTP move TOP', () => {
    const cpu = make([...FNINIT, ...FLD1, ...FLDZ, ...FCHS, 0xd9, 0xc9, 0xd9, 0xe1 /* fabs */, 0xdd, 0xc1 /* ffree st1 */,
      0xd9, 0xf7 /* fincstp */, ...FNSTSW_AX, 0xd9, 0xf6 /* fdecstp */]);
    runAll(cpu, 7);
    expect(st(cpu, 0)).toEqual([0x3fff, 0x80000000, 0]);
    expect(st(cpu, 1)).toEqual([0x8000, 0, 0]);
    runAll(cpu, 1);
    expect(cpu.fpu.isEmpty(1)).toBe(true);
    runAll(cpu, 2);
    expect((cpu.reg16[0] as number) >> 11).toBe(7);
    runAll(cpu, 1);
    expect(cpu.fpu.top).toBe(6);
    expect(cpu.fpu.isEmpty(1)).toBe(true);
  });

  it('FST ST(i) / FSTP ST(i) / FLD ST(i) copy raw bits (an SNaN stays signalling, no IE)', () => {
    const cpu = make([0xd9, 0xc0 /* fld st0 */, 0xdd, 0xd2 /* fst st2 */, 0xdd, 0xd9 /* fstp st1 */, ...FNSTSW_AX]);
    cpu.fpu.init();
    cpu.fpu.pushSlot();
    cpu.fpu.setBits(0, 0x7fff, 0x80000001, 5);
    runAll(cpu, 4);
    expect(cpu.fpu.top).toBe(7);
    expect(st(cpu, 0)).toEqual([0x7fff, 0x80000001, 5]);
    expect(st(cpu, 1)).toEqual([0x7fff, 0x80000001, 5]);
    expect((cpu.reg16[0] as number) & 0x3f).toBe(0);
  });

  it('FLD m80 / FSTP m80 move the 10 bytes unchanged', () => {
    const cpu = make([...FNINIT, 0xdb, 0x2d, 0x00, 0x20, 0, 0, 0xdb, 0x3d, 0x00, 0x30, 0, 0]);
    const bytes = [1, 2, 3, 4, 5, 6, 7, 0x48, 0xff, 0x7f];
    cpu.ram.set(bytes, 0x2000);
    runAll(cpu, 3);
    expect([...cpu.ram.subarray(0x3000, 0x300a)]).toEqual(bytes);
    expect(cpu.fpu.tagWord()).toBe(0xffff);
  });

  it('FSTP m80 of an empty ST(0): masked underflow stores the indefinite', () => {
    const cpu = make([...FNINIT, 0xdb, 0x3d, 0x00, 0x30, 0, 0]);
    runAll(cpu, 2);
    expect([...cpu.ram.subarray(0x3000, 0x300a)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff]);
  });
});

describe('compares', () => {
  const FCOM = [0xd8, 0xd1];
  it('FCOM ST(1): C3 C2 C0 = 000 greater, 001 less, 100 equal, 111 unordered', () => {
    const rows: [[number, number, number], [number, number, number], number][] = [
      [[0x3fff, 0x80000000, 0], [0, 0, 0], 0x0000],
      [[0, 0, 0], [0x3fff, 0x80000000, 0], 0x0100],
      [[0x8000, 0, 0], [0, 0, 0], 0x4000],
      [[0xbfff, 0x80000000, 0], [0xbffe, 0x80000000, 0], 0x0100],
      [[0x0000, 0x00000001, 0], [0, 0, 0], 0x0002], // denormal: DE, greater
      [[0x7fff, 0xc0000000, 0], [0, 0, 0], 0x4501], // QNaN: IE for FCOM
    ];
    for (const [a, b, expected] of rows) {
      const cpu = make([...FCOM, ...FNSTSW_AX]);
      cpu.fpu.init();
      cpu.fpu.pushSlot();
      cpu.fpu.setBits(0, ...b);
      cpu.fpu.pushSlot();
      cpu.fpu.setBits(0, ...a);
      runAll(cpu, 2);
      expect((cpu.reg16[0] as number) & 0x473f).toBe(expected);
    }
  });

  it('FUCOM: a QNaN is unordered without IE; FUCOMPP pops twice', () => {
    const cpu = make([0xda, 0xe9, ...FNSTSW_AX]);
    cpu.fpu.init();
    cpu.fpu.pushSlot();
    cpu.fpu.setBits(0, 0, 0, 0);
    cpu.fpu.pushSlot();
    cpu.fpu.setBits(0, 0x7fff, 0xc0000000, 0);
    runAll(cpu, 2);
    expect(cpu.reg16[0]).toBe(0x4500);
    expect(cpu.fpu.tagWord()).toBe(0xffff);
  });

  it('FTST against +0', () => {
    const cpu = make([0xd9, 0xe4, ...FNSTSW_AX]);
    cpu.fpu.init();
    cpu.fpu.pushSlot();
    cpu.fpu.setBits(0, 0xc000, 0x80000000, 0);
    runAll(cpu, 2);
    expect((cpu.reg16[0] as number) & 0x4700).toBe(0x0100);
  });

  it('FCOMI/FUCOMIP set ZF PF CF, clear OF SF AF', () => {
    const rows: [number, number, number][] = [
      [0x3fff, 0x4000, EFLAGS_CF], // 1 < 2
      [0x4000, 0x3fff, 0],
      [0x4000, 0x4000, EFLAGS_ZF],
    ];
    for (const [a, b, f] of rows) {
      const cpu = make([0xdb, 0xf1 /* fcomi st,st1 */]);
      cpu.setFlags(EFLAGS_ARITH, EFLAGS_ARITH);
      cpu.fpu.init();
      cpu.fpu.pushSlot();
      cpu.fpu.setBits(0, b, 0x80000000, 0);
      cpu.fpu.pushSlot();
      cpu.fpu.setBits(0, a, 0x80000000, 0);
      runAll(cpu, 1);
      expect(cpu.getFlags() & EFLAGS_ARITH).toBe(f);
    }
    const cpu = make([0xdf, 0xe9 /* fucomip st,st1 */, ...FNSTSW_AX]);
    cpu.fpu.init();
    cpu.fpu.pushSlot();
    cpu.fpu.setBits(0, 0x7fff, 0xc0000000, 0);
    cpu.fpu.pushSlot();
    cpu.fpu.setBits(0, 0x3fff, 0x80000000, 0);
    runAll(cpu, 2);
    expect(cpu.getFlags() & EFLAGS_ARITH).toBe(EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF);
    expect(cpu.reg16[0]).toBe(7 << 11); // popped, no IE
  });

  it('FCOMI of an empty register: masked underflow, ZF PF CF = 111', () => {
    const cpu = make([...FNINIT, 0xdb, 0xf1, ...FNSTSW_AX]);
    runAll(cpu, 3);
    expect(cpu.getFlags() & (EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF)).toBe(EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF);
    expect(cpu.reg16[0]).toBe(0x0041);
  });

  it('FCMOVcc copies ST(i) when the EFLAGS condition holds', () => {
    const conds: [number[], number, boolean][] = [
      [[0xda, 0xc1], EFLAGS_CF, true], // fcmovb
      [[0xda, 0xc1], 0, false],
      [[0xdb, 0xc1], 0, true], // fcmovnb
      [[0xda, 0xc9], EFLAGS_ZF, true], // fcmove
      [[0xda, 0xd1], EFLAGS_ZF, true], // fcmovbe
      [[0xdb, 0xd1], EFLAGS_ZF, false], // fcmovnbe
      [[0xda, 0xd9], EFLAGS_PF, true], // fcmovu
      [[0xdb, 0xd9], EFLAGS_PF, false], // fcmovnu
      [[0xdb, 0xc9], EFLAGS_ZF, false], // fcmovne
    ];
    for (const [code, flags, moves] of conds) {
      const cpu = make([...FNINIT, ...FLDZ, ...FLD1, ...code]);
      runAll(cpu, 3);
      cpu.setFlags(flags, EFLAGS_ARITH);
      runAll(cpu, 1);
      expect(st(cpu, 0)[0]).toBe(moves ? 0 : 0x3fff);
    }
  });
});

describe('FSTENV / FSAVE images', () => {
  // fninit; fld tbyte [0x2000]; fnstenv [0x3000]; fnsave [0x3100]
  const fld80 = (bits: 16 | 32): number[] => (bits === 32 ? [0xdb, 0x2d, 0x00, 0x20, 0, 0] : [0xdb, 0x2e, 0x00, 0x20]);
  const mem = (op: number, addr: number, bits: 16 | 32, o16 = false): number[] =>
    bits === 32 ? [...(o16 ? [0x66] : []), op, (op === 0xd9 ? 0x35 : 0x35), addr & 0xff, addr >> 8, 0, 0] : [...(o16 ? [] : [0x66]), op, 0x36, addr & 0xff, addr >> 8];
  const value = [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f];

  it('32-bit protected mode: 28 bytes, reserved halves all ones (native)', () => {
    const cpu = make([...FNINIT, ...fld80(32), ...mem(0xd9, 0x3000, 32)]);
    cpu.segSel[SEG_CS] = 0x23;
    cpu.segSel[SEG_DS] = 0x2b;
    cpu.ram.set(value, 0x2000);
    runAll(cpu, 3);
    const w = [0, 4, 8, 12, 16, 20, 24].map((o) => u32(cpu, 0x3000 + o));
    expect(w).toEqual([0xffff037f, 0xffff3800, 0xffff3fff, 0x102, (0x32d << 16 | 0x23) >>> 0, 0x2000, 0xffff002b]);
    expect(cpu.fpu.cw).toBe(0x037f); // all exceptions masked afterwards (already were)
  });

  it('16-bit protected mode: 14 bytes', () => {
    const cpu = make([...FNINIT, ...fld80(32), ...mem(0xd9, 0x3000, 32, true)]);
    cpu.segSel[SEG_CS] = 0x23;
    cpu.segSel[SEG_DS] = 0x2b;
    cpu.ram.set(value, 0x2000);
    runAll(cpu, 3);
    const w = [0, 2, 4, 6, 8, 10, 12].map((o) => u16(cpu, 0x3000 + o));
    expect(w).toEqual([0x037f, 0x3800, 0x3fff, 0x102, 0x23, 0x2000, 0x2b]);
    expect(u16(cpu, 0x300e)).toBe(0); // nothing beyond 14 bytes
  });

  it('16-bit real mode: 20-bit linear pointers with the opcode', () => {
    const cpu = make([...FNINIT, ...fld80(16), 0xd9, 0x36, 0x00, 0x30], 16);
    cpu.loadSegmentReal(SEG_DS, 0x0100); // data at 0x1000 + offset
    cpu.ram.set(value, 0x3000);
    runAll(cpu, 3);
    const w = [0, 2, 4, 6, 8, 10, 12].map((o) => u16(cpu, 0x4000 + o));
    expect(w).toEqual([0x037f, 0x3800, 0x3fff, 0x0102, 0x032e, 0x3000, 0x0000]);
  });

  it('32-bit real mode: FIP/FDP split with the opcode in bits 0-10', () => {
    const cpu = make([...FNINIT, ...fld80(16), 0x66, 0xd9, 0x36, 0x00, 0x30], 16);
    cpu.loadSegmentReal(SEG_CS, 0x1000);
    cpu.ram.set([...FNINIT, ...fld80(16), 0x66, 0xd9, 0x36, 0x00, 0x30], 0x10100);
    cpu.loadSegmentReal(SEG_DS, 0x2000);
    cpu.ram.set(value, 0x22000);
    runAll(cpu, 3);
    const w = [0, 4, 8, 12, 16, 20, 24].map((o) => u32(cpu, 0x23000 + o));
    expect(w).toEqual([0xffff037f, 0xffff3800, 0xffff3fff, 0xffff0102, (1 << 12) | 0x32e, 0xffff2000, 2 << 12]);
  });

  it('FNSAVE stores ST(0)..ST(7) after the environment, then FNINIT; FRSTOR restores it all', () => {
    const code = [...FNINIT, ...FLD1, ...FLDZ, ...FLDPI, 0xdd, 0x35, 0x00, 0x30, 0, 0, ...FNSTSW_AX, 0xdd, 0x25, 0x00, 0x30, 0, 0];
    const cpu = make(code);
    runAll(cpu, 5);
    expect(u32(cpu, 0x3004) & 0xffff).toBe(5 << 11);
    expect(u32(cpu, 0x3008) & 0xffff).toBe(0x13ff); // R5 valid, R6 zero, R7 valid
    expect([...cpu.ram.subarray(0x301c, 0x301c + 10)]).toEqual([0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda, 0x0f, 0xc9, 0x00, 0x40]);
    expect([...cpu.ram.subarray(0x301c + 20, 0x301c + 30)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
    expect(cpu.fpu.cw).toBe(0x037f);
    expect(cpu.fpu.tagWord()).toBe(0xffff);
    runAll(cpu, 2);
    expect(cpu.reg16[0]).toBe(0);
    expect(cpu.fpu.top).toBe(5);
    expect(st(cpu, 0)).toEqual([0x4000, 0xc90fdaa2, 0x2168c235]);
    expect(st(cpu, 2)).toEqual([0x3fff, 0x80000000, 0]);
    expect(cpu.fpu.fip).toBe(0x106); // FLDPI
    expect(cpu.fpu.fop).toBe(0x1eb);
  });

  it('FLDENV recomputes ES/B from the masks', () => {
    const cpu = make([0xd9, 0x25, 0x00, 0x30, 0, 0, ...FNSTSW_AX]);
    cpu.ram.set([0x7e, 0x03, 0xff, 0xff, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0x3000);
    runAll(cpu, 2);
    expect(cpu.reg16[0]).toBe(0x8081);
  });
});

describe('#NM and #MF', () => {
  it('CR0.EM or CR0.TS: x87 instructions raise #NM', () => {
    for (const bit of [CR0_EM, CR0_TS, CR0_TS | CR0_MP]) {
      const cpu = make([...FLD1]);
      cpu.cr0 |= bit;
      expect(runAll(cpu, 1)).toBe(Exit.TRAP);
      expect(cpu.trap.vector).toBe(7);
      expect(cpu.trap.eip).toBe(CODE);
    }
  });

  it('FWAIT raises #NM only with TS and MP both set', () => {
    const rows: [number, boolean][] = [[CR0_TS, false], [CR0_EM, false], [CR0_MP, false], [CR0_TS | CR0_MP, true], [CR0_EM | CR0_MP, false]];
    for (const [bits, nm] of rows) {
      const cpu = make([...FWAIT]);
      cpu.cr0 |= bits;
      expect(runAll(cpu, 1)).toBe(nm ? Exit.TRAP : Exit.BUDGET);
      if (nm) expect(cpu.trap.vector).toBe(7);
    }
  });

  // fninit; fldcw [0x2000] (IE unmasked); fchs (underflow: ES); then the next instruction.
  const pend = (next: number[]): Cpu => {
    const cpu = make([...FNINIT, 0xd9, 0x2d, 0x00, 0x20, 0, 0, ...FCHS, ...next]);
    cpu.ram.set([0x7e, 0x03], 0x2000);
    return cpu;
  };

  it('CR0.NE=1: the next waiting instruction raises #MF at its own EIP', () => {
    for (const next of [FNOP, FWAIT, FLD1]) {
      const cpu = pend(next);
      cpu.cr0 |= CR0_NE;
      expect(runAll(cpu, 4)).toBe(Exit.TRAP);
      expect(cpu.trap.vector).toBe(16);
      expect(cpu.trap.eip).toBe(CODE + 10);
    }
  });

  it('no-wait control instructions never raise #MF; FNCLEX clears ES and B', () => {
    for (const next of [FNSTSW_AX, [0xd9, 0x3d, 0, 0x30, 0, 0], [0xd9, 0x35, 0, 0x30, 0, 0], [0xdd, 0x35, 0, 0x30, 0, 0], [0xdb, 0xe2], [0xdb, 0xe3], [0xdb, 0xe0], [0xdb, 0xe1], [0xdb, 0xe4]]) {
      const cpu = pend(next);
      cpu.cr0 |= CR0_NE;
      expect(runAll(cpu, 4)).toBe(Exit.BUDGET);
    }
    const cpu = pend([0xdb, 0xe2, ...FNOP, ...FNSTSW_AX]);
    cpu.cr0 |= CR0_NE;
    expect(runAll(cpu, 6)).toBe(Exit.BUDGET);
    expect(cpu.reg16[0]).toBe(0);
  });

  it('#NM takes priority over #MF', () => {
    const cpu = pend(FNOP);
    cpu.cr0 |= CR0_NE;
    runAll(cpu, 3);
    cpu.cr0 |= CR0_TS;
    runAll(cpu, 1);
    expect(cpu.trap.vector).toBe(7);
  });

  it('CR0.NE=0: the waiting instruction calls onFerr (IRQ 13) and proceeds', () => {
    const cpu = pend([...FLD1]);
    let calls = 0;
    cpu.onFerr = () => {
      calls++;
    };
    expect(runAll(cpu, 4)).toBe(Exit.BUDGET);
    expect(calls).toBe(1);
    expect(st(cpu, 0)).toEqual([0x3fff, 0x80000000, 0]);
  });

  it('FLDCW unmasking a recorded exception sets ES (then #MF)', () => {
    const cpu = make([...FNINIT, ...FCHS, 0xd9, 0x2d, 0x00, 0x20, 0, 0, ...FNOP]);
    cpu.ram.set([0x7e, 0x03], 0x2000);
    cpu.cr0 |= CR0_NE;
    expect(runAll(cpu, 4)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(16);
  });

  it('FRSTPM (287 only) raises #UD; FNENI/FNDISI/FNSETPM are no-ops', () => {
    const cpu = make([0xdb, 0xe5]);
    expect(runAll(cpu, 1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(6);
  });
});
