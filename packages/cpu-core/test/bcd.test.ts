import { describe, expect, it } from 'vitest';
import { EFLAGS_AF, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_PF, EFLAGS_SF, Exit, VEC_DE } from '../src/index.js';
import { flags, r32, run } from './ops-harness.js';

const CF = EFLAGS_CF;
const AF = EFLAGS_AF;
const PF = EFLAGS_PF;
const SF = EFLAGS_SF;

// [description, code, eax, initial flags, expected eax, expected flags (all six; OF per our table)]
type Row = [string, number[], number, number, number, number];
const rows: Row[] = [
  ['daa after 79h+35h', [0x27], 0xae, 0, 0x14, CF | AF | PF],
  ['daa no adjust', [0x27], 0x45, 0, 0x45, 0],
  ['daa AF only', [0x27], 0x12, AF, 0x18, AF | PF],
  ['daa CF in', [0x27], 0x00, CF, 0x60, CF | PF],
  ['das after 35h-47h', [0x2f], 0xee, CF | AF, 0x88, CF | AF | SF | PF],
  ['das AF, low borrow, CF not set by it', [0x2f], 0x03, AF, 0xfd, CF | AF | SF],
  ['aaa adjust', [0x37], 0x000b, 0, 0x0101, CF | AF],
  ['aaa none', [0x37], 0x1239, 0, 0x1209, PF],
  ['aaa AF', [0x37], 0x00f2, AF, 0x0108, CF | AF],
  ['aas adjust (AH borrows)', [0x3f], 0x0100, AF, 0xff0a, CF | AF | PF],
  ['aas none', [0x3f], 0x0505, 0, 0x0505, PF],
  ['aam 10', [0xd4, 0x0a], 0x004f, 0, 0x0709, PF],
  ['aam 16', [0xd4, 0x10], 0x00ff, CF, 0x0f0f, PF],
  ['aad 10', [0xd5, 0x0a], 0x0307, 0, 0x0025, 0],
  ['aad 16', [0xd5, 0x10], 0x0203, 0, 0x0023, 0],
  ['aad wraps', [0xd5, 0x0a], 0x1a05, 0, 0x0009, PF],
];

describe('decimal adjust', () => {
  for (const [name, code, eax, fl, resEax, resFlags] of rows) {
    it(name, () => {
      const { cpu, exit } = run(code, { regs: { eax }, flags: fl });
      expect(exit).toBe(Exit.BUDGET);
      expect(r32(cpu, 'eax').toString(16)).toBe(resEax.toString(16));
      expect(flags(cpu, EFLAGS_ARITH).toString(16)).toBe(resFlags.toString(16));
    });
  }

  it('aam 0 raises #DE and changes nothing', () => {
    const { cpu, exit } = run([0xd4, 0x00], { regs: { eax: 0x1234 }, flags: CF });
    expect(exit).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_DE);
    expect(r32(cpu, 'eax')).toBe(0x1234);
    expect(flags(cpu)).toBe(CF);
  });
});
