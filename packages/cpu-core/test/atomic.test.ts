import { describe, expect, it } from 'vitest';
import { EFLAGS_AF, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF } from '../src/index.js';
import { flags, MMIO_BASE, r32, run } from './ops-harness.js';

describe('xadd', () => {
  it('exchanges and adds registers', () => {
    const { cpu } = run([0x0f, 0xc1, 0xc8], { regs: { eax: 1, ecx: 2 } }); // xadd ax,cx
    expect(r32(cpu, 'eax')).toBe(3);
    expect(r32(cpu, 'ecx')).toBe(1);
  });

  it('with the same register keeps the sum', () => {
    const { cpu } = run([0x66, 0x0f, 0xc1, 0xc0], { regs: { eax: 5 } }); // xadd eax,eax
    expect(r32(cpu, 'eax')).toBe(10);
  });

  it('on memory sets the ADD flags', () => {
    const { cpu, memory } = run([0x0f, 0xc1, 0x0e, 0x00, 0x02], { regs: { ecx: 1 }, mem: [[0x200, [0xff, 0x7f]]] });
    expect([memory.ram[0x200], memory.ram[0x201]]).toEqual([0x00, 0x80]);
    expect(r32(cpu, 'ecx')).toBe(0x7fff);
    expect(flags(cpu)).toBe(EFLAGS_OF | EFLAGS_SF | EFLAGS_AF | EFLAGS_PF);
  });

  it('8-bit on AH', () => {
    const { cpu } = run([0x0f, 0xc0, 0xe0], { regs: { eax: 0x0210 } }); // xadd al,ah
    expect(r32(cpu, 'eax')).toBe(0x1012);
  });
});

describe('cmpxchg', () => {
  it('stores the source when the accumulator matches', () => {
    const { cpu } = run([0x0f, 0xb1, 0xcb], { regs: { eax: 5, ebx: 5, ecx: 9 } }); // cmpxchg bx,cx
    expect(r32(cpu, 'ebx')).toBe(9);
    expect(r32(cpu, 'eax')).toBe(5);
    expect(flags(cpu)).toBe(EFLAGS_ZF | EFLAGS_PF);
  });

  it('loads the accumulator when it does not match (CMP flags)', () => {
    const { cpu } = run([0x0f, 0xb1, 0xcb], { regs: { eax: 5, ebx: 7, ecx: 9 } });
    expect(r32(cpu, 'ebx')).toBe(7);
    expect(r32(cpu, 'eax')).toBe(7);
    expect(flags(cpu)).toBe(EFLAGS_CF | EFLAGS_SF | EFLAGS_AF);
  });

  it('32-bit and 8-bit forms', () => {
    let { cpu } = run([0x66, 0x0f, 0xb1, 0xcb], { regs: { eax: 0x80000000, ebx: 0x80000000, ecx: 1 } });
    expect(r32(cpu, 'ebx')).toBe(1);
    ({ cpu } = run([0x0f, 0xb0, 0xcb], { regs: { eax: 0x1234, ebx: 0x5634, ecx: 0x77 } })); // cmpxchg bl,cl
    expect(r32(cpu, 'ebx')).toBe(0x5677);
  });

  it('writes the old value back to memory when the comparison fails', () => {
    // mov ds,ax (DS -> the MMIO page); cmpxchg [0x10],cl with AL = 0 and the byte 0x42
    const { cpu, mmioWrites } = run([0x8e, 0xd8, 0x0f, 0xb0, 0x0e, 0x10, 0x00], { regs: { eax: MMIO_BASE >> 4, ecx: 0x99 } }, 2, 0x42);
    expect(mmioWrites).toEqual([[MMIO_BASE + 0x10, 1, 0x42]]);
    expect(r32(cpu, 'eax') & 0xff).toBe(0x42);
    expect(flags(cpu, EFLAGS_ZF)).toBe(0);
  });
});

describe('cmpxchg8b', () => {
  const bytes = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
  it('stores ECX:EBX when EDX:EAX matches', () => {
    const { cpu, memory } = run([0x0f, 0xc7, 0x0e, 0x00, 0x02], {
      regs: { eax: 0x44332211, edx: 0x88776655, ebx: 0xa0a1a2a3, ecx: 0xb0b1b2b3 }, mem: [[0x200, bytes]], flags: EFLAGS_ARITH & ~EFLAGS_ZF,
    });
    expect([...memory.ram.subarray(0x200, 0x208)]).toEqual([0xa3, 0xa2, 0xa1, 0xa0, 0xb3, 0xb2, 0xb1, 0xb0]);
    expect(flags(cpu)).toBe(EFLAGS_ARITH); // only ZF changes
  });

  it('loads EDX:EAX when it does not match', () => {
    const { cpu, memory } = run([0x0f, 0xc7, 0x0e, 0x00, 0x02], {
      regs: { eax: 0x44332211, edx: 0x88776656, ebx: 1, ecx: 2 }, mem: [[0x200, bytes]], flags: EFLAGS_ZF,
    });
    expect([...memory.ram.subarray(0x200, 0x208)]).toEqual(bytes);
    expect(r32(cpu, 'eax')).toBe(0x44332211);
    expect(r32(cpu, 'edx')).toBe(0x88776655);
    expect(flags(cpu)).toBe(0);
  });
});
