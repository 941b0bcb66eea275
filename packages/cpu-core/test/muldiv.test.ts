import { describe, expect, it } from 'vitest';
import { EFLAGS_CF, EFLAGS_OF, Exit, VEC_DE } from '../src/index.js';
import { flags, r32, run } from './ops-harness.js';

const CO = EFLAGS_CF | EFLAGS_OF;

// [description, code (16-bit real mode), initial regs, expected regs, expected CF|OF]
type Row = [string, number[], Record<string, number>, Record<string, number>, number];
const rows: Row[] = [
  ['mul bl', [0xf6, 0xe3], { eax: 0x80, ebx: 2 }, { eax: 0x100 }, CO],
  ['mul bl, no carry', [0xf6, 0xe3], { eax: 0x1210, ebx: 0x0f }, { eax: 0xf0 }, 0],
  ['mul bx', [0xf7, 0xe3], { eax: 0xffff, ebx: 0xffff, edx: 0x12340000 }, { eax: 1, edx: 0x1234fffe }, CO],
  ['mul ebx', [0x66, 0xf7, 0xe3], { eax: 0xffffffff, ebx: 0xffffffff }, { eax: 1, edx: 0xfffffffe }, CO],
  ['mul ebx, small', [0x66, 0xf7, 0xe3], { eax: 0x10000, ebx: 0xffff, edx: 7 }, { eax: 0xffff0000, edx: 0 }, 0],
  ['imul bl', [0xf6, 0xeb], { eax: 0x80, ebx: 0xff }, { eax: 0x80 }, CO],
  ['imul bl, fits', [0xf6, 0xeb], { eax: 0xfe, ebx: 3 }, { eax: 0xfffa }, 0],
  ['imul bx', [0xf7, 0xeb], { eax: 0x8000, ebx: 0x8000 }, { eax: 0, edx: 0x4000 }, CO],
  ['imul ebx', [0x66, 0xf7, 0xeb], { eax: 0xfffffffe, ebx: 3 }, { eax: 0xfffffffa, edx: 0xffffffff }, 0],
  ['imul ebx, -2^31 * -1', [0x66, 0xf7, 0xeb], { eax: 0x80000000, ebx: 0xffffffff }, { eax: 0x80000000, edx: 0 }, CO],
  ['imul eax,ebx', [0x66, 0x0f, 0xaf, 0xc3], { eax: 0x10000, ebx: 0x10000 }, { eax: 0 }, CO],
  ['imul ax,bx', [0x0f, 0xaf, 0xc3], { eax: 0xffff0100, ebx: 0xff }, { eax: 0xffffff00 }, CO],
  ['imul ax,bx,-3', [0x6b, 0xc3, 0xfd], { ebx: 5 }, { eax: 0xfff1 }, 0],
  ['imul eax,ebx,0x7fffffff', [0x66, 0x69, 0xc3, 0xff, 0xff, 0xff, 0x7f], { ebx: 2 }, { eax: 0xfffffffe }, CO],
  ['div bl', [0xf6, 0xf3], { eax: 0x101, ebx: 2 }, { eax: 0x0180 }, 0],
  ['div bx', [0xf7, 0xf3], { eax: 0x0005, edx: 0x0001, ebx: 0x10 }, { eax: 0x1000, edx: 5 }, 0],
  ['div ebx', [0x66, 0xf7, 0xf3], { eax: 0, edx: 1, ebx: 2 }, { eax: 0x80000000, edx: 0 }, 0],
  ['div ebx, full width', [0x66, 0xf7, 0xf3], { eax: 0xffffffff, edx: 0xfffffffe, ebx: 0xffffffff }, { eax: 0xffffffff, edx: 0xfffffffe }, 0],
  ['idiv bl -128/1', [0xf6, 0xfb], { eax: 0xff80, ebx: 1 }, { eax: 0x0080 }, 0],
  ['idiv bl 128/-1 = -128', [0xf6, 0xfb], { eax: 0x0080, ebx: 0xff }, { eax: 0x0080 }, 0],
  ['idiv bl -7/2', [0xf6, 0xfb], { eax: 0xfff9, ebx: 2 }, { eax: 0xfffd }, 0],
  ['idiv bx', [0xf7, 0xfb], { eax: 0xfff9, edx: 0xffff, ebx: 2 }, { eax: 0xfffd, edx: 0xffff }, 0],
  ['idiv ebx -7/2', [0x66, 0xf7, 0xfb], { eax: 0xfffffff9, edx: 0xffffffff, ebx: 2 }, { eax: 0xfffffffd, edx: 0xffffffff }, 0],
  ['idiv ebx 2^31/-1', [0x66, 0xf7, 0xfb], { eax: 0x80000000, edx: 0, ebx: 0xffffffff }, { eax: 0x80000000, edx: 0 }, 0],
  ['idiv ebx 7/-2', [0x66, 0xf7, 0xfb], { eax: 7, edx: 0, ebx: 0xfffffffe }, { eax: 0xfffffffd, edx: 1 }, 0],
];

describe('multiply and divide', () => {
  for (const [name, code, init, expected, co] of rows) {
    it(name, () => {
      const { cpu, exit } = run(code, { regs: init });
      expect(exit).toBe(Exit.BUDGET);
      for (const [reg, v] of Object.entries(expected)) expect(r32(cpu, reg).toString(16), reg).toBe((v >>> 0).toString(16));
      if (!name.startsWith('div') && !name.startsWith('idiv')) expect(flags(cpu, CO)).toBe(co);
    });
  }

  // #DE: divide by zero and quotient overflow, before any register or flag changes.
  const de: [string, number[], Record<string, number>][] = [
    ['div bl by 0', [0xf6, 0xf3], { eax: 0x1234, ebx: 0 }],
    ['div bl overflow', [0xf6, 0xf3], { eax: 0x0200, ebx: 2 }],
    ['div bx by 0', [0xf7, 0xf3], { eax: 1, edx: 0, ebx: 0 }],
    ['div bx overflow', [0xf7, 0xf3], { eax: 0, edx: 0x10, ebx: 0x10 }],
    ['div ebx overflow', [0x66, 0xf7, 0xf3], { eax: 0, edx: 2, ebx: 2 }],
    ['idiv bl -32768/-1', [0xf6, 0xfb], { eax: 0x8000, ebx: 0xff }],
    ['idiv bl 128/1', [0xf6, 0xfb], { eax: 0x0080, ebx: 1 }],
    ['idiv bx 32768/1', [0xf7, 0xfb], { eax: 0x8000, edx: 0, ebx: 1 }],
    ['idiv ebx -2^31/-1', [0x66, 0xf7, 0xfb], { eax: 0x80000000, edx: 0xffffffff, ebx: 0xffffffff }],
    ['idiv ebx -2^63/-1', [0x66, 0xf7, 0xfb], { eax: 0, edx: 0x80000000, ebx: 0xffffffff }],
    ['idiv ebx by 0', [0x66, 0xf7, 0xfb], { eax: 5, edx: 0, ebx: 0 }],
  ];
  for (const [name, code, init] of de) {
    it(`#DE: ${name}`, () => {
      const { cpu, exit } = run(code, { regs: init, flags: 0x8d5 });
      expect(exit).toBe(Exit.TRAP);
      expect(cpu.trap.vector).toBe(VEC_DE);
      expect(cpu.trap.eip).toBe(0x100);
      for (const [reg, v] of Object.entries(init)) expect(r32(cpu, reg)).toBe(v >>> 0);
      expect(flags(cpu)).toBe(0x8d5);
    });
  }

  it('divides a memory operand', () => {
    const { cpu } = run([0xf7, 0x36, 0x00, 0x02], { regs: { eax: 100, edx: 0 }, mem: [[0x200, [7, 0]]] }); // div word [0x200]
    expect(r32(cpu, 'eax')).toBe(14);
    expect(r32(cpu, 'edx')).toBe(2);
  });
});
