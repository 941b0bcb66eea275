// x87 arithmetic, loads/stores, conversions and compares *through the CPU*: guest programs in
// RAM (32-bit flat protected mode), the handlers of src/ops/x87.ts, the arithmetic of
// src/x87/float80.ts. The expected values are derived from the SDM (Vol. 1 ch. 4 and 8,
// Vol. 2 instruction pages) and IEEE 754 rounding — exact results chosen where possible;
// the rounded ones (1/3, sqrt 2, 0.1, 6/7) were worked out with exact rational arithmetic,
// not taken from our output.
//
// Operand encodings (Intel syntax; note the SDM's DC/DE register forms: DC E0+i is
// FSUBR ST(i),ST(0) and DC E8+i is FSUB ST(i),ST(0), likewise F0/F8 for FDIVR/FDIV).

import { describe, expect, it } from 'vitest';
import { ACC_DB, type Cpu, createCpu, ramOnly, SEG_CS, SEG_DS } from '../../src/index.js';

const CODE = 0x100;
const DATA = 0x2000;
const OUT = 0x3000;

type Reg = [number, number, number];

// Status word bits.
const IE = 0x01;
const DE = 0x02;
const ZE = 0x04;
const OE = 0x08;
const PE = 0x20;
const SF = 0x40;
const ES_B = 0x8080;
const C0 = 0x100;
const C1 = 0x200;
const C2 = 0x400;
const C3 = 0x4000;
const CC = C0 | C1 | C2 | C3;
const EXC = 0x7f;

const INDEF: Reg = [0xffff, 0xc0000000, 0];

/** [op, ModRM with reg field and disp32 (mod 00, r/m 101), disp32]: a memory operand at `addr`. */
function mem(op: number, reg: number, addr: number = DATA): number[] {
  return [op, (reg << 3) | 5, addr & 0xff, (addr >>> 8) & 0xff, (addr >>> 16) & 0xff, addr >>> 24];
}
/** A register form: op, C0 | reg << 3 | i. */
function rm(op: number, reg: number, i: number): number[] {
  return [op, 0xc0 | (reg << 3) | i];
}

/** The 80-bit register image of a (normal, zero or infinite) double: exact. */
function f80(x: number): Reg {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const s = (hi >>> 31) << 15;
  const e = (hi >>> 20) & 0x7ff;
  if (e === 0) return [s, 0, 0];
  if (e === 0x7ff) return [s | 0x7fff, 0x80000000, 0];
  const frac = ((BigInt(hi & 0xfffff) << 32n) | BigInt(lo)) | (1n << 52n);
  const sig = frac << 11n;
  return [s | (e - 1023 + 16383), Number(sig >> 32n), Number(sig & 0xffffffffn)];
}

/**
 * A CPU with `code` at CODE and the FPU initialized (FNINIT state) holding `stack`
 * (stack[0] = ST(0)), the data area at DATA filled from `data`, and the control word `cw`.
 */
function make(code: readonly number[], stack: readonly Reg[] = [], data: readonly number[] = [], cw = 0x037f): Cpu {
  const memory = ramOnly(1 << 20);
  const cpu = createCpu({ memory, hosted: true });
  cpu.loadSegmentReal(SEG_CS, 0);
  cpu.loadSegmentReal(SEG_DS, 0);
  cpu.cr0 |= 1;
  cpu.segAcc[SEG_CS] = (cpu.segAcc[SEG_CS] as number) | ACC_DB;
  cpu.segLimit[SEG_CS] = -1;
  cpu.segLimit[SEG_DS] = -1;
  memory.ram.set(code, CODE);
  memory.ram.set(data, DATA);
  cpu.eip = CODE;
  cpu.fpu.init();
  cpu.fpu.cw = cw;
  for (let k = stack.length - 1; k >= 0; k--) {
    cpu.fpu.pushSlot();
    cpu.fpu.setBits(0, ...(stack[k] as Reg));
  }
  return cpu;
}

/** Runs `insns` (each one instruction's bytes) as a guest program. */
function exec(insns: readonly number[][], stack: readonly Reg[] = [], data: readonly number[] = [], cw = 0x037f): Cpu {
  const cpu = make(insns.flat(), stack, data, cw);
  cpu.run(insns.length);
  expect(cpu.eip).toBe(CODE + insns.flat().length);
  return cpu;
}

function st(cpu: Cpu, i: number): Reg {
  const p = cpu.fpu.phys(i);
  return [cpu.fpu.se[p] as number, cpu.fpu.hi[p] as number, cpu.fpu.lo[p] as number];
}
const sw = (cpu: Cpu): number => cpu.fpu.status();
const bytes = (cpu: Cpu, a: number, n: number): number[] => [...cpu.ram.subarray(a, a + n)];
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const le16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const u32 = (cpu: Cpu, a: number): number => new DataView(cpu.ram.buffer, cpu.ram.byteOffset).getUint32(a, true);
const f32 = (x: number): number[] => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return [...b];
};
const f64 = (x: number): number[] => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, true);
  return [...b];
};

// The six arithmetic operations by ModRM reg field (D8/DC/DA/DE memory forms and D8 register form).
const OPS: [string, number][] = [['FADD', 0], ['FMUL', 1], ['FSUB', 4], ['FSUBR', 5], ['FDIV', 6], ['FDIVR', 7]];

describe('FADD FMUL FSUB FSUBR FDIV FDIVR in every form', () => {
  // ST(0) = 6 throughout; the memory operand or ST(2) = the second operand.
  const mems: [string, number, number[], number[]][] = [
    // form, opcode, operand bytes, results in OPS order: st+x, st*x, st-x, x-st, st/x, x/st
    ['m32fp 1.5', 0xd8, f32(1.5), [7.5, 9, 4.5, -4.5, 4, 0.25]],
    ['m64fp 0.75', 0xdc, f64(0.75), [6.75, 4.5, 5.25, -5.25, 8, 0.125]],
    ['m16int -3', 0xde, le16(0xfffd), [3, -18, 9, -9, -2, -0.5]],
    ['m32int 24', 0xda, le32(24), [30, 144, -18, 18, 0.25, 4]],
  ];
  for (const [form, op, operand, results] of mems) {
    it(`ST(0) op ${form}`, () => {
      OPS.forEach(([name, reg], k) => {
        const cpu = exec([mem(op, reg)], [f80(6), f80(1)], operand);
        expect(st(cpu, 0), `${name} ${form}`).toEqual(f80(results[k] as number));
        expect(st(cpu, 1)).toEqual(f80(1));
        expect(sw(cpu) & (EXC | CC), `${name} ${form}`).toBe(0);
        expect(cpu.fpu.top).toBe(6);
        expect(cpu.fpu.fdp).toBe(DATA);
      });
    });
  }

  it('FIADD m32int of a large integer is exact (0x7fffffff + 6)', () => {
    const cpu = exec([mem(0xda, 0)], [f80(6)], le32(0x7fffffff));
    expect(st(cpu, 0)).toEqual(f80(2147483653));
    expect(sw(cpu) & EXC).toBe(0);
  });

  const stack = (): Reg[] => [f80(6), f80(-1), f80(1.5)];
  it('ST(0) <- ST(0) op ST(i) (D8 C0+r*8+i)', () => {
    const results = [7.5, 9, 4.5, -4.5, 4, 0.25];
    OPS.forEach(([name, reg], k) => {
      const cpu = exec([rm(0xd8, reg, 2)], stack());
      expect(st(cpu, 0), name).toEqual(f80(results[k] as number));
      expect(st(cpu, 2)).toEqual(f80(1.5));
      expect(cpu.fpu.top).toBe(5);
    });
  });

  // DC: reg 0 FADD, 1 FMUL, 4 FSUBR ST(i),ST (st0 - sti), 5 FSUB ST(i),ST (sti - st0),
  // 6 FDIVR ST(i),ST (st0 / sti), 7 FDIV ST(i),ST (sti / st0). With ST(0) = 6, ST(2) = 1.5.
  const toSti: [string, number, number][] = [
    ['FADD ST(2),ST', 0, 7.5], ['FMUL ST(2),ST', 1, 9], ['FSUBR ST(2),ST', 4, 4.5], ['FSUB ST(2),ST', 5, -4.5],
    ['FDIVR ST(2),ST', 6, 4], ['FDIV ST(2),ST', 7, 0.25],
  ];
  it('ST(i) <- ST(i) op ST(0) (DC C0+r*8+i)', () => {
    for (const [name, reg, result] of toSti) {
      const cpu = exec([rm(0xdc, reg, 2)], stack());
      expect(st(cpu, 2), name).toEqual(f80(result));
      expect(st(cpu, 0)).toEqual(f80(6));
      expect(cpu.fpu.top).toBe(5);
    }
  });

  it('popping forms FADDP FMULP FSUBRP FSUBP FDIVRP FDIVP ST(i),ST (DE C0+r*8+i)', () => {
    for (const [name, reg, result] of toSti) {
      const cpu = exec([rm(0xde, reg, 2)], stack());
      // ST(2) got the result, then the pop: it is now ST(1); the old ST(0) is empty.
      expect(cpu.fpu.top, name).toBe(6);
      expect(st(cpu, 1), `${name}P`).toEqual(f80(result));
      expect(st(cpu, 0)).toEqual(f80(-1));
      expect(cpu.fpu.empty[5]).toBe(1);
      expect(sw(cpu) & EXC).toBe(0);
    }
  });

  it('FADDP with no operand (DE C1) adds ST(0) into ST(1) and pops', () => {
    const cpu = exec([[0xde, 0xc1]], [f80(2), f80(3)]);
    expect(st(cpu, 0)).toEqual(f80(5));
    expect(cpu.fpu.top).toBe(7);
  });

  it('rounding: 1/3 under each precision and rounding control, C1 = rounded up, PE', () => {
    // 1/3 = 0.0101...b: 64 bits AAAA..AAAA, next bits 1010.. -> nearest rounds up to ..AB.
    const rows: [number, Reg, number][] = [
      [0x037f, [0x3ffd, 0xaaaaaaaa, 0xaaaaaaab], C1], // PC 64, nearest: up
      [0x0f7f, [0x3ffd, 0xaaaaaaaa, 0xaaaaaaaa], 0], // PC 64, chop
      [0x077f, [0x3ffd, 0xaaaaaaaa, 0xaaaaaaaa], 0], // PC 64, down
      [0x0b7f, [0x3ffd, 0xaaaaaaaa, 0xaaaaaaab], C1], // PC 64, up
      [0x027f, [0x3ffd, 0xaaaaaaaa, 0xaaaaa800], 0], // PC 53, nearest: 53rd bit then 0101.. -> down
      [0x0a7f, [0x3ffd, 0xaaaaaaaa, 0xaaaab000], C1], // PC 53, up
      [0x007f, [0x3ffd, 0xaaaaab00, 0], C1], // PC 24, nearest: up
      [0x0c7f, [0x3ffd, 0xaaaaaa00, 0], 0], // PC 24, chop
    ];
    for (const [cw, result, c1] of rows) {
      const cpu = exec([mem(0xd8, 6)], [f80(1)], f32(3), cw);
      expect(st(cpu, 0), `cw ${cw.toString(16)}`).toEqual(result);
      expect(sw(cpu) & (EXC | CC), `cw ${cw.toString(16)}`).toBe(PE | c1);
    }
    // 6/7 = 0.110110110..b: DB6DB6DB 6DB6DB6D | B6.. -> up to ..6E (FDIVR m64: 6 / ST(0)).
    const cpu = exec([mem(0xdc, 7)], [f80(7)], f64(6));
    expect(st(cpu, 0)).toEqual([0x3ffe, 0xdb6db6db, 0x6db6db6e]);
    expect(sw(cpu) & (EXC | CC)).toBe(PE | C1);
  });

  it('zero divide: ZE and a signed infinity; 0/0 and inf-inf: IE and the indefinite', () => {
    let cpu = exec([mem(0xd8, 6)], [f80(6)], f32(0));
    expect(st(cpu, 0)).toEqual([0x7fff, 0x80000000, 0]);
    expect(sw(cpu) & EXC).toBe(ZE);
    cpu = exec([mem(0xd8, 6)], [f80(-6)], f32(0));
    expect(st(cpu, 0)).toEqual([0xffff, 0x80000000, 0]);
    cpu = exec([mem(0xda, 7)], [f80(0)], le32(5)); // FIDIVR: 5 / 0
    expect(st(cpu, 0)).toEqual([0x7fff, 0x80000000, 0]);
    expect(sw(cpu) & EXC).toBe(ZE);
    cpu = exec([mem(0xd8, 6)], [f80(0)], f32(0));
    expect(st(cpu, 0)).toEqual(INDEF);
    expect(sw(cpu) & EXC).toBe(IE);
    cpu = exec([rm(0xd8, 4, 1)], [f80(Infinity), f80(Infinity)]);
    expect(st(cpu, 0)).toEqual(INDEF);
    expect(sw(cpu) & EXC).toBe(IE);
    cpu = exec([rm(0xd8, 1, 1)], [f80(0), f80(-Infinity)]); // 0 * inf
    expect(st(cpu, 0)).toEqual(INDEF);
  });

  it('unmasked ZE: the destination keeps its value, ES and B are set; FDIVP does not pop', () => {
    let cpu = exec([mem(0xd8, 6)], [f80(6)], f32(0), 0x037b);
    expect(st(cpu, 0)).toEqual(f80(6));
    expect(sw(cpu) & (0x80ff)).toBe(ES_B | ZE);
    cpu = exec([rm(0xde, 7, 1)], [f80(0), f80(6)], [], 0x037b); // FDIVP ST(1),ST: 6 / 0
    expect(cpu.fpu.top).toBe(6);
    expect(st(cpu, 1)).toEqual(f80(6));
    expect(sw(cpu) & 0x80ff).toBe(ES_B | ZE);
  });

  it('overflow: OE PE and infinity (nearest, C1 = 1) or the largest finite (chop)', () => {
    const max: Reg = [0x7ffe, 0xffffffff, 0xffffffff];
    let cpu = exec([rm(0xd8, 0, 1)], [max, max]);
    expect(st(cpu, 0)).toEqual([0x7fff, 0x80000000, 0]);
    expect(sw(cpu) & (EXC | C1)).toBe(OE | PE | C1);
    cpu = exec([rm(0xd8, 0, 1)], [max, max], [], 0x0f7f);
    expect(st(cpu, 0)).toEqual(max);
    expect(sw(cpu) & (EXC | C1)).toBe(OE | PE);
  });

  it('a denormal operand: DE (masked) and the exact result', () => {
    // ST(0) = 2^-16446 (the smallest denormal) * 2^2 (m32 4.0) = 2^-16444, still denormal and exact.
    const cpu = exec([mem(0xd8, 1)], [[0, 0, 1]], f32(4));
    expect(st(cpu, 0)).toEqual([0, 0, 4]);
    expect(sw(cpu) & EXC).toBe(DE);
  });

  it('an empty operand: IE SF (C1 = 0) and the indefinite, for memory and register forms', () => {
    let cpu = exec([mem(0xd8, 0)], [], f32(1));
    expect(st(cpu, 0)).toEqual(INDEF);
    expect(sw(cpu) & (EXC | C1)).toBe(IE | SF);
    cpu = exec([rm(0xde, 0, 1)], [f80(1)]); // FADDP ST(1): ST(1) empty
    expect(cpu.fpu.top).toBe(0);
    expect(st(cpu, 0)).toEqual(INDEF);
  });

  it('NaN operands: a QNaN propagates quietly, an SNaN is quieted with IE', () => {
    let cpu = exec([mem(0xd8, 0)], [[0x7fff, 0xc0001234, 0]], f32(1));
    expect(st(cpu, 0)).toEqual([0x7fff, 0xc0001234, 0]);
    expect(sw(cpu) & EXC).toBe(0);
    cpu = exec([mem(0xd8, 0)], [[0xffff, 0x80001234, 0]], f32(1));
    expect(st(cpu, 0)).toEqual([0xffff, 0xc0001234, 0]);
    expect(sw(cpu) & EXC).toBe(IE);
  });
});

describe('FLD FST FSTP m32/m64', () => {
  it('FLD m32: normal, denormal (DE, normalized), infinity, SNaN (IE, quieted)', () => {
    let cpu = exec([mem(0xd9, 0)], [], f32(1.5));
    expect(st(cpu, 0)).toEqual([0x3fff, 0xc0000000, 0]);
    expect(cpu.fpu.top).toBe(7);
    cpu = exec([mem(0xd9, 0)], [], le32(1)); // 2^-149
    expect(st(cpu, 0)).toEqual([16383 - 149, 0x80000000, 0]);
    expect(sw(cpu) & EXC).toBe(DE);
    cpu = exec([mem(0xd9, 0)], [], le32(0xff800000));
    expect(st(cpu, 0)).toEqual([0xffff, 0x80000000, 0]);
    cpu = exec([mem(0xd9, 0)], [], le32(0x7f800001)); // fraction 1 -> significand bit 40
    expect(st(cpu, 0)).toEqual([0x7fff, 0xc0000100, 0]);
    expect(sw(cpu) & EXC).toBe(IE);
  });

  it('FLD m64: 0.1 widens exactly; -0 stays -0', () => {
    // 0.1 = 0x3FB999999999999A: exponent -4, significand 1.999999999999A -> << 11.
    let cpu = exec([mem(0xdd, 0)], [], f64(0.1));
    expect(st(cpu, 0)).toEqual([0x3ffb, 0xcccccccc, 0xccccd000]);
    expect(sw(cpu) & EXC).toBe(0);
    cpu = exec([mem(0xdd, 0)], [], f64(-0));
    expect(st(cpu, 0)).toEqual([0x8000, 0, 0]);
  });

  it('FLD onto a full stack: IE SF C1 = 1, the indefinite pushed', () => {
    const full = Array.from({ length: 8 }, (_, k) => f80(k));
    const cpu = exec([mem(0xd9, 0)], full, f32(1));
    expect(st(cpu, 0)).toEqual(INDEF);
    expect(sw(cpu) & (EXC | C1)).toBe(IE | SF | C1);
  });

  it('FST m32 rounds: 1/3 -> 3EAAAAAB (up: C1, PE); FST m64 -> 3FD5555555555555 (down: C1 = 0)', () => {
    const third: Reg = [0x3ffd, 0xaaaaaaaa, 0xaaaaaaab];
    let cpu = exec([mem(0xd9, 2, OUT)], [third]);
    expect(u32(cpu, OUT)).toBe(0x3eaaaaab);
    expect(sw(cpu) & (EXC | C1)).toBe(PE | C1);
    expect(cpu.fpu.top).toBe(7);
    cpu = exec([mem(0xdd, 2, OUT)], [third]);
    expect(bytes(cpu, OUT, 8)).toEqual(f64(1 / 3));
    expect(sw(cpu) & (EXC | C1)).toBe(PE);
    // RC = up: the double rounds up to ...556.
    cpu = exec([mem(0xdd, 2, OUT)], [third], [], 0x0b7f);
    expect(u32(cpu, OUT)).toBe(0x55555556);
    expect(sw(cpu) & (EXC | C1)).toBe(PE | C1);
  });

  it('FSTP m32/m64 pop; exact values store without flags', () => {
    let cpu = exec([mem(0xd9, 3, OUT)], [f80(-2.75), f80(1)]);
    expect(bytes(cpu, OUT, 4)).toEqual(f32(-2.75));
    expect(cpu.fpu.top).toBe(7);
    expect(st(cpu, 0)).toEqual(f80(1));
    expect(sw(cpu) & EXC).toBe(0);
    cpu = exec([mem(0xdd, 3, OUT)], [f80(1e300)]);
    expect(bytes(cpu, OUT, 8)).toEqual(f64(1e300));
    expect(cpu.fpu.top).toBe(0);
  });

  it('FST m32 of a value too large for single: OE PE, +infinity (masked)', () => {
    const cpu = exec([mem(0xd9, 2, OUT)], [f80(1e300)]);
    expect(u32(cpu, OUT)).toBe(0x7f800000);
    expect(sw(cpu) & (EXC & ~0x10)).toBe(OE | PE);
  });

  it('FST m32 of an empty ST(0): the single indefinite FFC00000 (masked underflow)', () => {
    const cpu = exec([mem(0xd9, 2, OUT)]);
    expect(u32(cpu, OUT)).toBe(0xffc00000);
    expect(sw(cpu) & EXC).toBe(IE | SF);
  });

  it('FLD m64 then FSTP m64 round-trips doubles bit for bit', () => {
    for (const x of [Math.PI, -1e-300, 5e-324, Number.MAX_VALUE, -Infinity]) {
      const cpu = exec([mem(0xdd, 0), mem(0xdd, 3, OUT)], [], f64(x));
      expect(bytes(cpu, OUT, 8), String(x)).toEqual(f64(x));
    }
  });
});

describe('FILD FIST FISTP m16/m32/m64', () => {
  it('FILD m16/m32/m64: exact, including the extremes', () => {
    const rows: [number[], number[], Reg][] = [
      [mem(0xdf, 0), le16(0xffff), f80(-1)],
      [mem(0xdf, 0), le16(0x8000), f80(-32768)],
      [mem(0xdb, 0), le32(0x80000000), [0xc01e, 0x80000000, 0]], // -2^31
      [mem(0xdb, 0), le32(0), [0, 0, 0]],
      [mem(0xdf, 5), [...le32(0), ...le32(0x80000000)], [0xc03e, 0x80000000, 0]], // -2^63
      [mem(0xdf, 5), [...le32(0xffffffff), ...le32(0x7fffffff)], [0x403d, 0xffffffff, 0xfffffffe]], // 2^63 - 1
      [mem(0xdf, 5), [...le32(0xffffffff), ...le32(0xffffffff)], f80(-1)],
    ];
    for (const [insn, data, result] of rows) {
      const cpu = exec([insn], [], data);
      expect(st(cpu, 0)).toEqual(result);
      expect(sw(cpu) & EXC).toBe(0);
    }
  });

  it('FIST m16/m32 round by RC; PE when inexact; C1 = rounded up', () => {
    const rows: [number[], number, Reg, number, number, number][] = [
      // insn, cw, value, bytes, stored, status
      [mem(0xdf, 2, OUT), 0x037f, f80(-2.5), 2, 0xfffe, PE], // nearest even: -2
      [mem(0xdf, 2, OUT), 0x037f, f80(3.5), 2, 4, PE | C1],
      [mem(0xdf, 2, OUT), 0x077f, f80(2.5), 2, 2, PE], // down
      [mem(0xdf, 2, OUT), 0x0b7f, f80(2.25), 2, 3, PE | C1], // up
      [mem(0xdb, 2, OUT), 0x0f7f, f80(-7.9), 4, 0xfffffff9, PE], // chop: -7
      [mem(0xdb, 2, OUT), 0x037f, f80(-2147483648), 4, 0x80000000, 0],
      [mem(0xdf, 2, OUT), 0x037f, f80(-32768.4), 2, 0x8000, PE],
    ];
    for (const [insn, cw, v, n, stored, status] of rows) {
      const cpu = exec([insn], [v], [], cw);
      expect(n === 2 ? u32(cpu, OUT) & 0xffff : u32(cpu, OUT), v.join()).toBe(stored);
      expect(sw(cpu) & (EXC | C1)).toBe(status);
      expect(cpu.fpu.top).toBe(7);
    }
  });

  it('FISTP m16/m32/m64 pop; out of range or NaN: IE and the integer indefinite', () => {
    const rows: [number[], Reg, number[]][] = [
      [mem(0xdf, 3, OUT), f80(32768), le16(0x8000)],
      [mem(0xdf, 3, OUT), f80(32767.5), le16(0x8000)], // rounds to 32768: out of range
      [mem(0xdf, 3, OUT), f80(-32769), le16(0x8000)],
      [mem(0xdb, 3, OUT), f80(2147483648), le32(0x80000000)],
      [mem(0xdb, 3, OUT), INDEF, le32(0x80000000)],
      [mem(0xdb, 3, OUT), f80(Infinity), le32(0x80000000)],
      [mem(0xdf, 7, OUT), f80(2 ** 63), [...le32(0), ...le32(0x80000000)]],
      [mem(0xdf, 7, OUT), f80(-Infinity), [...le32(0), ...le32(0x80000000)]],
    ];
    for (const [insn, v, stored] of rows) {
      const cpu = exec([insn], [v, f80(1)]);
      expect(bytes(cpu, OUT, stored.length), v.join()).toEqual(stored);
      expect(sw(cpu) & IE).toBe(IE);
      expect(cpu.fpu.top).toBe(7);
    }
    // In range at the extremes: no IE.
    const cpu = exec([mem(0xdf, 7, OUT)], [[0xc03e, 0x80000000, 0]]); // -2^63
    expect(bytes(cpu, OUT, 8)).toEqual([...le32(0), ...le32(0x80000000)]);
    expect(sw(cpu) & EXC).toBe(0);
    const big = exec([mem(0xdf, 7, OUT)], [[0x403d, 0xffffffff, 0xfffffffe]]); // 2^63 - 1
    expect(bytes(big, OUT, 8)).toEqual([...le32(0xffffffff), ...le32(0x7fffffff)]);
  });

  it('FISTP with IE unmasked: nothing stored, no pop, ES set', () => {
    const cpu = make(mem(0xdb, 3, OUT), [f80(1e10)], [], 0x037e);
    cpu.ram.set([0xaa, 0xbb, 0xcc, 0xdd], OUT);
    cpu.run(1);
    expect(bytes(cpu, OUT, 4)).toEqual([0xaa, 0xbb, 0xcc, 0xdd]);
    expect(cpu.fpu.top).toBe(7);
    expect(st(cpu, 0)).toEqual(f80(1e10));
    expect(sw(cpu) & 0x80ff).toBe(ES_B | IE);
  });

  it('FISTP of an empty ST(0): IE SF and the indefinite (masked)', () => {
    const cpu = exec([mem(0xdf, 3, OUT)]);
    expect(bytes(cpu, OUT, 2)).toEqual(le16(0x8000));
    expect(sw(cpu) & EXC).toBe(IE | SF);
  });
});

describe('FBLD FBSTP', () => {
  it('FBLD: packed BCD (18 digits, sign in byte 9) loads exactly; FBSTP stores it back', () => {
    const rows: [number[], number | undefined][] = [
      [[0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x80], -123456789],
      [[0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00], 0],
      [[0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x00], undefined], // 10^18 - 1: not a double
    ];
    for (const [bcd, value] of rows) {
      const cpu = exec([mem(0xdf, 4), mem(0xdf, 6, OUT)], [], bcd);
      expect(bytes(cpu, OUT, 10)).toEqual(bcd);
      expect(sw(cpu) & EXC).toBe(0);
      expect(cpu.fpu.top).toBe(0);
      if (value !== undefined) {
        const ld = exec([mem(0xdf, 4)], [], bcd);
        expect(st(ld, 0)).toEqual(f80(value));
      }
    }
    // 10^18 - 1 = 0xDE0B6B3A763FFFF (60 bits): exponent 59, significand shifted left by 4.
    const ld = exec([mem(0xdf, 4)], [], rows[2]![0]);
    expect(st(ld, 0)).toEqual([16383 + 59, 0xde0b6b3a, 0x763ffff0]);
  });

  it('FBSTP rounds by RC (PE), keeps -0, and stores the BCD indefinite for |x| >= 10^18 or NaN', () => {
    let cpu = exec([mem(0xdf, 6, OUT)], [f80(2.5)]);
    expect(bytes(cpu, OUT, 10)).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(sw(cpu) & EXC).toBe(PE);
    cpu = exec([mem(0xdf, 6, OUT)], [f80(-1234.5)], [], 0x0b7f); // up: -1234
    expect(bytes(cpu, OUT, 10)).toEqual([0x34, 0x12, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    cpu = exec([mem(0xdf, 6, OUT)], [f80(-0)]);
    expect(bytes(cpu, OUT, 10)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    const indefinite = [0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff];
    for (const v of [f80(1e18), f80(-1e19), INDEF, f80(Infinity)]) {
      cpu = exec([mem(0xdf, 6, OUT)], [v]);
      expect(bytes(cpu, OUT, 10)).toEqual(indefinite);
      expect(sw(cpu) & IE).toBe(IE);
      expect(cpu.fpu.top).toBe(0);
    }
  });
});

describe('FCOM FCOMP FICOM FICOMP with memory operands', () => {
  // C3 C2 C0: 000 ST(0) > src, 001 <, 100 =, 111 unordered.
  it('FCOM m32/m64, FICOM m16/m32: greater, less, equal', () => {
    const rows: [string, number[], Reg, number[], number][] = [
      ['FCOM m32', mem(0xd8, 2), f80(2), f32(1.5), 0],
      ['FCOM m32', mem(0xd8, 2), f80(2), f32(2), C3],
      ['FCOM m32', mem(0xd8, 2), f80(-2), f32(3), C0],
      ['FCOM m32', mem(0xd8, 2), f80(-0), f32(0), C3],
      ['FCOM m64', mem(0xdc, 2), f80(0.1), f64(0.1), C3],
      ['FCOM m64', mem(0xdc, 2), [0x3ffb, 0xcccccccc, 0xcccccccd], f64(0.1), C0], // the 80-bit nearest 0.1 (..CCCD) is below the double 0.1 (..D000)
      ['FCOM m64', mem(0xdc, 2), f80(-Infinity), f64(-1e308), C0],
      ['FICOM m16', mem(0xde, 2), f80(-5), le16(0xfffb), C3],
      ['FICOM m16', mem(0xde, 2), f80(-5.5), le16(0xfffb), C0],
      ['FICOM m32', mem(0xda, 2), f80(2147483648), le32(0x7fffffff), 0],
      ['FICOM m32', mem(0xda, 2), f80(-2147483648), le32(0x80000000), C3],
    ];
    for (const [name, insn, v, data, cc] of rows) {
      const cpu = exec([insn], [v], data);
      expect(sw(cpu) & (CC | EXC), `${name} ${v.join()}`).toBe(cc);
      expect(cpu.fpu.top).toBe(7);
    }
  });

  it('FCOMP m32/m64, FICOMP m16/m32 pop', () => {
    for (const insn of [mem(0xd8, 3), mem(0xdc, 3), mem(0xde, 3), mem(0xda, 3)]) {
      const cpu = exec([insn], [f80(0), f80(7)], new Array(8).fill(0));
      expect(sw(cpu) & (CC | EXC)).toBe(C3);
      expect(cpu.fpu.top).toBe(7);
      expect(st(cpu, 0)).toEqual(f80(7));
    }
  });

  it('a NaN memory operand: IE and unordered (QNaN too: FCOM is an ordered compare)', () => {
    for (const data of [le32(0x7fc00000), le32(0x7f800001)]) {
      const cpu = exec([mem(0xd8, 2)], [f80(1)], data);
      expect(sw(cpu) & (CC | EXC)).toBe(C3 | C2 | C0 | IE);
    }
  });

  it('IE unmasked: no pop, but C3 C2 C0 = 111 and C1 = 0 as on the host (x87 oracle)', () => {
    const cpu = make([...mem(0xd8, 3), 0xdf, 0xe0], [f80(1)], le32(0x7fc00000), 0x037e);
    cpu.fpu.sw |= C1 | C3;
    cpu.run(2);
    expect((cpu.reg16[0] as number) & (0x80ff | CC)).toBe(ES_B | IE | C3 | C2 | C0);
    expect(cpu.fpu.top).toBe(7);
  });

  it('a denormal m32: DE, then the compare by value', () => {
    const cpu = exec([mem(0xd8, 2)], [f80(0)], le32(0x80000001)); // -2^-149 < +0
    expect(sw(cpu) & (CC | EXC)).toBe(DE);
  });

  it('FCOM with an empty ST(0): IE SF, unordered; the memory operand is still read', () => {
    const cpu = exec([mem(0xd8, 3)], [], f32(1));
    expect(sw(cpu) & (CC | EXC)).toBe(C3 | C2 | C0 | IE | SF);
  });
});

describe('compares and FXAM through float80 (register forms)', () => {
  it('FUCOM: an SNaN raises IE, a QNaN does not; FCOM: both do', () => {
    const qnan: Reg = [0x7fff, 0xc0000000, 0];
    const snan: Reg = [0x7fff, 0x80000001, 0];
    const rows: [number[], Reg, number][] = [
      [[0xdd, 0xe1], qnan, 0], [[0xdd, 0xe1], snan, IE], [[0xd8, 0xd1], qnan, IE], [[0xd8, 0xd1], snan, IE],
    ];
    for (const [insn, nan, ie] of rows) {
      const cpu = exec([insn], [f80(1), nan]);
      expect(sw(cpu) & (CC | EXC)).toBe(C3 | C2 | C0 | ie);
    }
  });

  it('FCOMPP compares ST(0) with ST(1) and pops twice; infinities order', () => {
    const cpu = exec([[0xde, 0xd9]], [f80(Infinity), f80(1e300)]);
    expect(sw(cpu) & (CC | EXC)).toBe(0);
    expect(cpu.fpu.tagWord()).toBe(0xffff);
  });

  it('a pseudo-denormal compares by value (equal to the normal with exponent 1); an unnormal is invalid', () => {
    let cpu = exec([[0xd8, 0xd1]], [[0, 0x80000000, 0], [1, 0x80000000, 0]]);
    expect(sw(cpu) & (CC | EXC)).toBe(C3 | DE);
    cpu = exec([[0xd8, 0xd1]], [[0x3fff, 0x40000000, 0], f80(1)]);
    expect(sw(cpu) & (CC | EXC)).toBe(C3 | C2 | C0 | IE);
  });

  it('FTST: -0 equals +0; a denormal is greater with DE', () => {
    let cpu = exec([[0xd9, 0xe4]], [f80(-0)]);
    expect(sw(cpu) & (CC | EXC)).toBe(C3);
    cpu = exec([[0xd9, 0xe4]], [[0, 0, 1]]);
    expect(sw(cpu) & (CC | EXC)).toBe(DE);
  });

  it('FXAM: pseudo-denormal (denormal class), pseudo-infinity (unsupported), negative zero', () => {
    const rows: [Reg, number][] = [
      [[0, 0x80000000, 0], C3 | C2],
      [[0x7fff, 0, 0], 0],
      [[0x8000, 0, 0], C3 | C1],
      [[0xffff, 0x80000000, 0], C2 | C0 | C1],
    ];
    for (const [v, cc] of rows) {
      const cpu = exec([[0xd9, 0xe5]], [v]);
      expect(sw(cpu) & CC).toBe(cc);
    }
  });
});

describe('FSQRT FRNDINT FSCALE FXTRACT', () => {
  it('FSQRT: exact squares, sqrt 2 rounded to nearest (PE, down), -0, negative -> IE', () => {
    let cpu = exec([[0xd9, 0xfa]], [f80(2.25)]);
    expect(st(cpu, 0)).toEqual(f80(1.5));
    expect(sw(cpu) & EXC).toBe(0);
    // floor(sqrt(2) * 2^63) = B504F333F9DE6484 and the remainder is below one half ulp.
    cpu = exec([[0xd9, 0xfa]], [f80(2)]);
    expect(st(cpu, 0)).toEqual([0x3fff, 0xb504f333, 0xf9de6484]);
    expect(sw(cpu) & (EXC | C1)).toBe(PE);
    cpu = exec([[0xd9, 0xfa]], [f80(-0)]);
    expect(st(cpu, 0)).toEqual([0x8000, 0, 0]);
    cpu = exec([[0xd9, 0xfa]], [f80(-1)]);
    expect(st(cpu, 0)).toEqual(INDEF);
    expect(sw(cpu) & EXC).toBe(IE);
    cpu = exec([[0xd9, 0xfa]], [f80(Infinity)]);
    expect(st(cpu, 0)).toEqual(f80(Infinity));
    // PC = 24: sqrt 2 = 1.0110101 00000100 11110011 | 0011.. -> B504F3.
    cpu = exec([[0xd9, 0xfa]], [f80(2)], [], 0x007f);
    expect(st(cpu, 0)).toEqual([0x3fff, 0xb504f300, 0]);
  });

  it('FRNDINT rounds by RC (not PC); PE when inexact, C1 when rounded up', () => {
    const rows: [number, number, number, number][] = [
      [0x037f, 2.5, 2, PE], [0x037f, 3.5, 4, PE | C1], [0x037f, -2.7, -3, PE | C1],
      [0x077f, -2.5, -3, PE | C1], [0x077f, 2.9, 2, PE], [0x0b7f, 2.1, 3, PE | C1], [0x0f7f, -2.9, -2, PE],
      [0x037f, 7, 7, 0], [0x037f, 0.25, 0, PE], [0x007f, 1e10 + 0.5, 1e10, PE],
    ];
    for (const [cw, x, r, status] of rows) {
      const cpu = exec([[0xd9, 0xfc]], [f80(x)], [], cw);
      expect(st(cpu, 0), `${x} cw ${cw.toString(16)}`).toEqual(f80(r));
      expect(sw(cpu) & (EXC | C1), `${x} cw ${cw.toString(16)}`).toBe(status);
    }
    const neg = exec([[0xd9, 0xfc]], [f80(-0.25)]); // rounds to -0
    expect(st(neg, 0)).toEqual([0x8000, 0, 0]);
  });

  it('FSCALE: ST(0) * 2^trunc(ST(1)); ST(1) unchanged', () => {
    const rows: [number, number, number][] = [[1.5, 3.7, 12], [1.5, -2.9, 0.375], [-3, 0.9, -3], [0, 100, 0], [1, -0, 1]];
    for (const [a, b, r] of rows) {
      const cpu = exec([[0xd9, 0xfd]], [f80(a), f80(b)]);
      expect(st(cpu, 0), `${a} ${b}`).toEqual(f80(r));
      expect(st(cpu, 1)).toEqual(f80(b));
      expect(sw(cpu) & EXC).toBe(0);
    }
    let cpu = exec([[0xd9, 0xfd]], [f80(1), f80(20000)]); // 2^20000: overflow
    expect(st(cpu, 0)).toEqual(f80(Infinity));
    expect(sw(cpu) & EXC).toBe(OE | PE);
    cpu = exec([[0xd9, 0xfd]], [f80(0), f80(Infinity)]); // 0 * 2^+inf: invalid
    expect(st(cpu, 0)).toEqual(INDEF);
    expect(sw(cpu) & EXC).toBe(IE);
    cpu = exec([[0xd9, 0xfd]], [f80(5), f80(-Infinity)]);
    expect(st(cpu, 0)).toEqual(f80(0));
  });

  it('FXTRACT: ST(1) <- unbiased exponent, ST(0) <- significand with the sign; zero -> ZE, -inf exponent', () => {
    let cpu = exec([[0xd9, 0xf4]], [f80(12), f80(99)]);
    expect(cpu.fpu.top).toBe(5);
    expect(st(cpu, 0)).toEqual(f80(1.5));
    expect(st(cpu, 1)).toEqual(f80(3));
    expect(st(cpu, 2)).toEqual(f80(99));
    cpu = exec([[0xd9, 0xf4]], [f80(-0.375)]);
    expect(st(cpu, 0)).toEqual(f80(-1.5));
    expect(st(cpu, 1)).toEqual(f80(-2));
    cpu = exec([[0xd9, 0xf4]], [[0, 0, 1]]); // smallest denormal: 2^-16445 (DE)
    expect(st(cpu, 0)).toEqual(f80(1));
    expect(st(cpu, 1)).toEqual(f80(-16445));
    expect(sw(cpu) & EXC).toBe(DE);
    cpu = exec([[0xd9, 0xf4]], [f80(-0)]);
    expect(st(cpu, 0)).toEqual([0x8000, 0, 0]);
    expect(st(cpu, 1)).toEqual(f80(-Infinity));
    expect(sw(cpu) & EXC).toBe(ZE);
    cpu = exec([[0xd9, 0xf4]], [f80(-Infinity)]);
    expect(st(cpu, 0)).toEqual(f80(-Infinity));
    expect(st(cpu, 1)).toEqual(f80(Infinity));
  });
});

describe('FPREM FPREM1', () => {
  const FPREM = [0xd9, 0xf8];
  const FPREM1 = [0xd9, 0xf5];
  // C0 = q2, C3 = q1, C1 = q0 of the quotient; C2 = 0 when complete.
  const qbits = (q: number): number => ((q & 4) !== 0 ? C0 : 0) | ((q & 2) !== 0 ? C3 : 0) | ((q & 1) !== 0 ? C1 : 0);

  it('FPREM truncates the quotient, FPREM1 rounds it to nearest (even); the low quotient bits in C0 C3 C1', () => {
    const rows: [number[], number, number, number, number][] = [
      // insn, ST(0), ST(1), remainder, |quotient|
      [FPREM, 17, 5, 2, 3], [FPREM1, 17, 5, 2, 3],
      [FPREM, 18, 5, 3, 3], [FPREM1, 18, 5, -2, 4],
      [FPREM, -17, 5, -2, 3], [FPREM1, -18, 5, 2, 4],
      [FPREM, 17, -5, 2, 3], [FPREM, 47, 6, 5, 7], [FPREM1, 47, 6, -1, 8],
      [FPREM1, 15, 6, 3, 2], // 2.5 -> 2 (even)
      [FPREM1, 21, 6, -3, 4], // 3.5 -> 4 (even)
      [FPREM, 3, 5, 3, 0], [FPREM, 5.5, 0.5, 0, 11],
    ];
    for (const [insn, a, b, r, q] of rows) {
      const cpu = exec([insn], [f80(a), f80(b)]);
      const name = `${insn === FPREM ? 'FPREM' : 'FPREM1'} ${a} ${b}`;
      expect(st(cpu, 0), name).toEqual(f80(r === 0 && a < 0 ? -0 : r));
      expect(st(cpu, 1)).toEqual(f80(b));
      expect(sw(cpu) & (CC | EXC), name).toBe(qbits(q));
    }
  });

  it('exponent difference >= 64: C2 = 1 (incomplete); a guest loop until C2 = 0 gives 2^100 mod 3 = 1', () => {
    // loop: fprem; fnstsw ax; sahf; jp loop
    const code = [...FPREM, 0xdf, 0xe0, 0x9e, 0x7a, 0xf9];
    const cpu = make(code, [f80(2 ** 100), f80(3)]);
    cpu.run(4);
    expect(sw(cpu) & C2).toBe(C2);
    let steps = 0;
    while (cpu.eip !== CODE + code.length && steps++ < 1000) cpu.run(1);
    expect(cpu.eip).toBe(CODE + code.length);
    expect(steps).toBeGreaterThanOrEqual(4); // at least one more round
    expect(st(cpu, 0)).toEqual(f80(1));
    expect(sw(cpu) & (C2 | EXC)).toBe(0);
    // 2^100 = 3q + 1 with q = (2^100 - 1) / 3: the reduction ended with the low bits of q
    // in the last partial quotient only, so C0 C3 C1 are not checked here.
  });

  it('no quotient (invalid, NaN operand, unmasked DE): C1 = C2 = 0, C0 C3 unchanged (x87 oracle seed 1 #654514)', () => {
    // The oracle's sequence, FCW 0x0272 (IE ZE OE unmasked, PC 53): FLD m80 +0; FLD m80 a
    // tiny negative normal; FSUBR m32 -0x1.fffffep126 (rounded up in magnitude: PE, C1 = 1);
    // FPREM1 with ST(1) = +0: invalid, unmasked, so ST(0) is kept and there is no quotient.
    // The SDM defines FPREM1's C1 only as Q0 (0 on a stack fault); the host clears C1 (and
    // C2) whenever no quotient is computed and keeps C0 C3 (as after a stack fault).
    const tiny = [...le32(0xdfef3cb9), ...le32(0xa47a28db), ...le16(0x8033)];
    const data = [...new Array<number>(16).fill(0), ...tiny, 0, 0, 0, 0, 0, 0, ...le32(0xfe7fffff)];
    const body = [mem(0xdb, 5, DATA), mem(0xdb, 5, DATA + 16), mem(0xd8, 5, DATA + 32)];
    let cpu = exec(body, [], data, 0x0272);
    expect(sw(cpu) & (CC | EXC)).toBe(C1 | PE);
    const before = st(cpu, 0);
    cpu = exec([...body, FPREM1], [], data, 0x0272);
    expect(st(cpu, 0)).toEqual(before);
    expect(sw(cpu) & (CC | EXC | ES_B)).toBe(IE | PE | ES_B);
    // With C0..C3 all set beforehand: C0 C3 kept, C1 C2 cleared, for FPREM and FPREM1 alike.
    const SNAN: Reg = [0x7fff, 0xa0000000, 0];
    const QNAN: Reg = [0x7fff, 0xc0000000, 0];
    const DEN: Reg = [0, 0, 5];
    const cases: [Reg[], number, Reg | undefined, number][] = [
      // stack, FCW, ST(0) after (undefined: unchanged), exceptions
      [[f80(5), f80(0)], 0x037e, undefined, IE], // unmasked invalid: ST(0) kept
      [[f80(5), f80(0)], 0x037f, INDEF, IE], // masked invalid: the indefinite
      [[f80(Infinity), f80(2)], 0x037e, undefined, IE],
      [[SNAN, f80(1)], 0x037e, undefined, IE],
      [[SNAN, f80(1)], 0x037f, [0x7fff, 0xe0000000, 0], IE], // masked: the SNaN quieted
      [[QNAN, f80(1)], 0x037e, QNAN, 0],
      [[DEN, f80(1)], 0x037d, undefined, DE], // unmasked DE
      [[f80(7), DEN], 0x037d, undefined, DE],
    ];
    for (const insn of [FPREM, FPREM1]) {
      for (const [stack, cw, r, exc] of cases) {
        cpu = make(insn, stack, [], cw);
        cpu.fpu.sw |= CC;
        cpu.run(1);
        const name = `${insn === FPREM ? 'FPREM' : 'FPREM1'} ${JSON.stringify(stack)} cw ${cw.toString(16)}`;
        expect(st(cpu, 0), name).toEqual(r ?? stack[0]);
        expect(sw(cpu) & (CC | EXC), name).toBe(C0 | C3 | exc);
      }
    }
    // a complete reduction still sets all four: 1 rem 1 = 0, q = 1
    cpu = make(FPREM1, [f80(1), f80(1)]);
    cpu.fpu.sw |= CC;
    cpu.run(1);
    expect(sw(cpu) & (CC | EXC)).toBe(C1);
  });

  it('invalid: ST(1) = 0 or ST(0) = inf -> IE, the indefinite; ST(1) = inf -> ST(0) unchanged', () => {
    for (const insn of [FPREM, FPREM1]) {
      let cpu = exec([insn], [f80(5), f80(0)]);
      expect(st(cpu, 0)).toEqual(INDEF);
      expect(sw(cpu) & EXC).toBe(IE);
      cpu = exec([insn], [f80(Infinity), f80(2)]);
      expect(st(cpu, 0)).toEqual(INDEF);
      cpu = exec([insn], [f80(5), f80(Infinity)]);
      expect(st(cpu, 0)).toEqual(f80(5));
      expect(sw(cpu) & (EXC | C2)).toBe(0);
    }
  });
});
