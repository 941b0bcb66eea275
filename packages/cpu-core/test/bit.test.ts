import { describe, expect, it } from 'vitest';
import { EFLAGS_ARITH, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF, Exit } from '../src/index.js';
import { flags, r32, run } from './ops-harness.js';

const CF = EFLAGS_CF;
const ZF = EFLAGS_ZF;

describe('bit test and modify', () => {
  it('bt/bts/btr/btc on registers take the offset modulo the width', () => {
    let { cpu } = run([0x0f, 0xa3, 0xc8], { regs: { eax: 0x0010, ecx: 0x14 } }); // bt ax,cx (20 & 15 = 4)
    expect(flags(cpu, CF)).toBe(CF);
    ({ cpu } = run([0x66, 0x0f, 0xab, 0xc8], { regs: { eax: 0, ecx: 33 }, flags: CF })); // bts eax,ecx
    expect(r32(cpu, 'eax')).toBe(2);
    expect(flags(cpu, CF)).toBe(0);
    ({ cpu } = run([0x0f, 0xba, 0xf0, 0x1f], { regs: { eax: 0x8000 } })); // btr ax,31 -> bit 15
    expect(r32(cpu, 'eax')).toBe(0);
    expect(flags(cpu, CF)).toBe(CF);
    ({ cpu } = run([0x66, 0x0f, 0xbb, 0xc8], { regs: { eax: 0x80000000, ecx: 31 } })); // btc eax,ecx
    expect(r32(cpu, 'eax')).toBe(0);
    expect(flags(cpu, CF)).toBe(CF);
  });

  it('leaves the undefined flags (OF SF AF PF) and ZF unchanged', () => {
    const { cpu } = run([0x0f, 0xa3, 0xc8], { regs: { eax: 0, ecx: 0 }, flags: EFLAGS_ARITH });
    expect(flags(cpu)).toBe(EFLAGS_ARITH & ~CF);
  });

  it('memory with a register offset: the signed offset selects any word (16-bit)', () => {
    // bts word [0x210], cx with cx = -1: the word at 0x20e, bit 15
    const { cpu, memory } = run([0x0f, 0xab, 0x0e, 0x10, 0x02], { regs: { ecx: 0xffff } });
    expect(memory.ram[0x20f]).toBe(0x80);
    expect(flags(cpu, CF)).toBe(0);
    // bt dword [0x200], ecx with ecx = 100: the dword at 0x20c, bit 4
    const b = run([0x66, 0x0f, 0xa3, 0x0e, 0x00, 0x02], { regs: { ecx: 100 }, mem: [[0x20c, [0x10]]] });
    expect(flags(b.cpu, CF)).toBe(CF);
  });

  it('memory with a register offset in 32-bit code reaches below the operand', () => {
    // btr [ebx], ecx with ecx = -33: the dword at ebx - 8, bit 31
    const { cpu, memory } = run([0x0f, 0xb3, 0x0b], { bits: 32, regs: { ebx: 0x300, ecx: -33 }, mem: [[0x2f8, [0xff, 0xff, 0xff, 0xff]]] });
    expect([...memory.ram.subarray(0x2f8, 0x2fc)]).toEqual([0xff, 0xff, 0xff, 0x7f]);
    expect(flags(cpu, CF)).toBe(CF);
  });

  it('memory with an immediate offset stays inside the operand', () => {
    // btc word [0x200], 17 -> bit 1 of the word at 0x200
    const { cpu, memory } = run([0x0f, 0xba, 0x3e, 0x00, 0x02, 17], { mem: [[0x200, [0x02, 0x00, 0xff]]] });
    expect([memory.ram[0x200], memory.ram[0x202]]).toEqual([0x00, 0xff]);
    expect(flags(cpu, CF)).toBe(CF);
  });

  it('the 16-bit address wraps at 64 KiB', () => {
    // bts word [0x0002], cx with cx = -32: 0x0002 - 4 wraps to 0xfffe
    const { memory } = run([0x0f, 0xab, 0x0e, 0x02, 0x00], { regs: { ecx: 0xffe0 } });
    expect(memory.ram[0xfffe]).toBe(1);
  });
});

describe('bit scan', () => {
  it('bsf/bsr find the lowest/highest set bit', () => {
    let { cpu } = run([0x0f, 0xbc, 0xc1], { regs: { eax: 0x1234, ecx: 0x0100 }, flags: EFLAGS_ARITH }); // bsf ax,cx
    expect(r32(cpu, 'eax')).toBe(8);
    expect(flags(cpu)).toBe(0); // ZF = 0; CF/OF/SF/AF = 0, PF from 8 (odd)
    ({ cpu } = run([0x66, 0x0f, 0xbd, 0xc1], { regs: { ecx: 0x80000001 } })); // bsr eax,ecx
    expect(r32(cpu, 'eax')).toBe(31);
    expect(flags(cpu)).toBe(0);
    ({ cpu } = run([0x66, 0x0f, 0xbc, 0xc1], { regs: { ecx: 0x80000000 } })); // bsf eax,ecx
    expect(r32(cpu, 'eax')).toBe(31);
    ({ cpu } = run([0x0f, 0xbd, 0xc1], { regs: { ecx: 0x0003 } })); // bsr ax,cx -> 1
    expect(flags(cpu, ZF | EFLAGS_PF)).toBe(0);
    expect(r32(cpu, 'eax') & 0xffff).toBe(1);
  });

  it('a zero source sets ZF and leaves the destination and other flags unchanged', () => {
    let { cpu } = run([0x0f, 0xbc, 0xc1], { regs: { eax: 0x1234, ecx: 0xffff0000 }, flags: CF | EFLAGS_SF | EFLAGS_OF });
    expect(r32(cpu, 'eax')).toBe(0x1234);
    expect(flags(cpu)).toBe(ZF | CF | EFLAGS_SF | EFLAGS_OF);
    ({ cpu } = run([0x66, 0x0f, 0xbd, 0xc1], { regs: { eax: 0xdeadbeef, ecx: 0 } }));
    expect(r32(cpu, 'eax')).toBe(0xdeadbeef);
    expect(flags(cpu, ZF)).toBe(ZF);
  });

  it('runs without faulting', () => {
    expect(run([0x0f, 0xbc, 0xc1], { regs: { ecx: 1 } }).exit).toBe(Exit.BUDGET);
  });
});

describe('REP-prefixed scans on a P6 (no BMI1/ABM)', () => {
  it('F3 0F BC is BSF and F3 0F BD is BSR: the REP prefix is ignored, not TZCNT/LZCNT', () => {
    let { cpu } = run([0xf3, 0x0f, 0xbc, 0xc8], { regs: { eax: 0x0100, ecx: 0x1234 } }); // rep bsf cx,ax
    expect(r32(cpu, 'ecx') & 0xffff).toBe(8);
    expect(flags(cpu, ZF)).toBe(0);
    ({ cpu } = run([0xf3, 0x0f, 0xbd, 0xc8], { regs: { eax: 0x0101, ecx: 0x1234 } })); // rep bsr cx,ax: LZCNT would give 7
    expect(r32(cpu, 'ecx') & 0xffff).toBe(8);
    // A zero source: ZF = 1 and the destination unchanged (TZCNT would write 16 and set CF).
    ({ cpu } = run([0x66, 0xf3, 0x0f, 0xbc, 0xc8], { regs: { eax: 0, ecx: 0x1234 } }));
    expect(r32(cpu, 'ecx')).toBe(0x1234);
    expect(flags(cpu, ZF | CF)).toBe(ZF);
  });

  it('ENDBR32, ENDBR64 and RDSSPD are hint NOPs', () => {
    for (const bytes of [[0xf3, 0x0f, 0x1e, 0xfb], [0xf3, 0x0f, 0x1e, 0xfa], [0xf3, 0x0f, 0x1e, 0xc8]]) {
      const { cpu, exit } = run(bytes, { regs: { eax: 0x55 } });
      expect(exit).toBe(Exit.BUDGET);
      expect(r32(cpu, 'eax')).toBe(0x55);
      expect(cpu.eip & 0xffff).toBe(0x100 + 4);
    }
  });
});
