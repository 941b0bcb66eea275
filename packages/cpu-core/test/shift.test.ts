import { describe, expect, it } from 'vitest';
import { EFLAGS_AF, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF, Exit } from '../src/index.js';
import { shiftUndefinedFlags } from '../src/ops/shift.js';
import { flags, MMIO_BASE, r32, run } from './ops-harness.js';

const CF = EFLAGS_CF;
const PF = EFLAGS_PF;
const AF = EFLAGS_AF;
const ZF = EFLAGS_ZF;
const SF = EFLAGS_SF;
const OF = EFLAGS_OF;

// [description, code (16-bit real mode), eax, ecx, edx, initial flags, expected eax, expected flags (all six)]
type Row = [string, number[], number, number, number, number, number, number];
const rows: Row[] = [
  // SHL/SAL: CF = last bit out, OF = CF ^ MSB (defined for 1; P6 value otherwise), AF = 1 (our choice)
  ['shl al,1 0x81', [0xd0, 0xe0], 0x81, 0, 0, 0, 0x02, CF | OF | AF],
  ['sal al,1 (/6) 0x40', [0xd0, 0xf0], 0x40, 0, 0, CF, 0x80, SF | OF | AF],
  ['shl ax,cl=0 keeps flags', [0xd3, 0xe0], 0x1234, 0, 0, EFLAGS_ARITH, 0x1234, EFLAGS_ARITH],
  ['shl al,8 (CF = old LSB)', [0xc0, 0xe0, 8], 0x01, 0, 0, 0, 0, CF | ZF | PF | OF | AF],
  ['shl al,9 (CF = 0)', [0xc0, 0xe0, 9], 0xff, 0, 0, CF, 0, ZF | PF | AF],
  ['shl ax,cl=33 masks to 1', [0xd3, 0xe0], 0x4000, 33, 0, 0, 0x8000, SF | OF | PF | AF],
  ['shl eax,31', [0x66, 0xc1, 0xe0, 31], 3, 0, 0, 0, 0x80000000, SF | CF | PF | AF],
  // SHR: OF = MSB of the original for count 1
  ['shr al,1 0x80', [0xd0, 0xe8], 0x80, 0, 0, CF, 0x40, OF | AF],
  ['shr ax,16', [0xc1, 0xe8, 16], 0x8000, 0, 0, 0, 0, CF | ZF | PF | AF],
  ['shr eax,4', [0x66, 0xc1, 0xe8, 4], 0x8000001f, 0, 0, 0, 0x08000001, CF | AF],
  // SAR: OF = 0, CF = last bit out; counts beyond the width fill with the sign
  ['sar al,1 0x81', [0xd0, 0xf8], 0x81, 0, 0, OF, 0xc0, CF | SF | PF | AF],
  ['sar al,cl=9', [0xd2, 0xf8], 0x80, 9, 0, 0, 0xff, CF | SF | PF | AF],
  ['sar ax,cl=31', [0xd3, 0xf8], 0x7fff, 31, 0, CF, 0, ZF | PF | AF],
  // ROL/ROR: CF and OF only
  ['rol al,1 0x81', [0xd0, 0xc0], 0x81, 0, 0, ZF | SF, 0x03, CF | OF | ZF | SF],
  ['rol al,8: value unchanged, CF = LSB', [0xc0, 0xc0, 8], 0x81, 0, 0, OF, 0x81, CF],
  ['rol ax,cl=0', [0xd3, 0xc0], 0x8001, 0, 0, OF | ZF, 0x8001, OF | ZF],
  ['ror al,1 0x01', [0xd0, 0xc8], 0x01, 0, 0, 0, 0x80, CF | OF],
  ['ror eax,cl=4', [0x66, 0xd3, 0xc8], 0x12345678, 4, 0, 0, 0x81234567, CF | OF],
  // RCL/RCR: through CF; 8/16-bit counts mod 9/17
  ['rcl al,1 CF=1', [0xd0, 0xd0], 0x80, 0, 0, CF, 0x01, CF | OF],
  ['rcl al,9: nothing changes', [0xc0, 0xd0, 9], 0x5a, 0, 0, OF, 0x5a, OF],
  ['rcl ax,cl=17: nothing changes', [0xd3, 0xd0], 0x1234, 17, 0, CF, 0x1234, CF],
  ['rcl ax,cl=16', [0xd3, 0xd0], 0x0003, 16, 0, CF, 0x8001, CF],
  ['rcr al,1 CF=1', [0xd0, 0xd8], 0x01, 0, 0, CF, 0x80, CF | OF],
  ['rcr al,8', [0xc0, 0xd8, 8], 0x81, 0, 0, 0, 0x02, CF],
  ['rcr eax,cl=31', [0x66, 0xd3, 0xd8], 0x80000001, 31, 0, CF, 0x00000007, 0],
  // SHLD/SHRD
  ['shld ax,dx,4', [0x0f, 0xa4, 0xd0, 4], 0x1234, 0, 0xabcd, 0, 0x234a, CF | OF | AF],
  ['shld eax,edx,cl=8', [0x66, 0x0f, 0xa5, 0xd0], 0x81234567, 8, 0xabcdef01, 0, 0x234567ab, CF | OF | AF],
  ['shrd ax,dx,4', [0x0f, 0xac, 0xd0, 4], 0x1238, 0, 0xabcd, 0, 0xd123, SF | CF | AF],
  ['shrd eax,edx,cl=0 keeps flags', [0x66, 0x0f, 0xad, 0xd0], 5, 0, 7, ZF | CF, 5, ZF | CF],
  // 16-bit count > 16: the P6 shifts dst:src:dst (our documented choice)
  ['shld ax,dx,20 (P6)', [0x0f, 0xa4, 0xd0, 20], 0x1234, 0, 0x5678, 0, 0x6781, CF | OF | AF | PF],
  ['shrd ax,dx,20 (P6)', [0x0f, 0xac, 0xd0, 20], 0x1234, 0, 0x5678, 0, 0x4567, CF | OF | AF],
];

describe('shifts and rotates', () => {
  for (const [name, code, eax, ecx, edx, fl, resEax, resFlags] of rows) {
    it(name, () => {
      const { cpu, exit } = run(code, { regs: { eax, ecx, edx }, flags: fl });
      expect(exit).toBe(Exit.BUDGET);
      expect(r32(cpu, 'eax').toString(16)).toBe((resEax >>> 0).toString(16));
      expect(flags(cpu).toString(16)).toBe(resFlags.toString(16));
    });
  }

  it('writes a memory operand back even with count 0 (and leaves the flags)', () => {
    const { cpu, mmioWrites } = run([0xd3, 0x26, 0x10, 0x00], { regs: { ecx: 0x20 }, flags: CF | ZF }, 1, 0xbeef);
    // shl word [0x10], cl with DS = 0x8000 -> MMIO page
    expect(mmioWrites).toEqual([]); // DS is 0 here: RAM; run the MMIO case below
    expect(flags(cpu)).toBe(CF | ZF);
    const m = run([0x8e, 0xd8, 0xd3, 0x26, 0x10, 0x00], { regs: { eax: MMIO_BASE >> 4, ecx: 0x20 }, flags: CF | ZF }, 2, 0xbeef);
    expect(m.mmioWrites).toEqual([[MMIO_BASE + 0x10, 2, 0xbeef]]);
    expect(flags(m.cpu)).toBe(CF | ZF);
  });

  it('shifts memory operands in place', () => {
    const { memory, cpu } = run([0xd1, 0x26, 0x00, 0x02], { mem: [[0x200, [0x01, 0x80]]] });
    expect([memory.ram[0x200], memory.ram[0x201]]).toEqual([0x02, 0x00]);
    expect(flags(cpu, CF | OF | ZF)).toBe(CF | OF);
  });

  it('works on AH and in 32-bit code', () => {
    let { cpu } = run([0xd0, 0xe4], { regs: { eax: 0x4011 } }); // shl ah,1
    expect(r32(cpu, 'eax')).toBe(0x8011);
    ({ cpu } = run([0xc1, 0xe8, 0x08], { bits: 32, regs: { eax: 0x12345678 } })); // shr eax,8
    expect(r32(cpu, 'eax')).toBe(0x123456);
  });

  it('reports the undefined flags per count', () => {
    expect(shiftUndefinedFlags('shl', 32, 1)).toBe(AF);
    expect(shiftUndefinedFlags('shl', 8, 2)).toBe(AF | OF);
    expect(shiftUndefinedFlags('shr', 8, 8)).toBe(AF | OF | CF);
    expect(shiftUndefinedFlags('sar', 8, 0x20)).toBe(0);
    expect(shiftUndefinedFlags('rol', 16, 1)).toBe(0);
    expect(shiftUndefinedFlags('rcr', 16, 3)).toBe(OF);
    expect(shiftUndefinedFlags('shld', 16, 17)).toBe(EFLAGS_ARITH);
  });
});
