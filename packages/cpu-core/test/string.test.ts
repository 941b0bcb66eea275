import { describe, expect, it } from 'vitest';
import { createCpu, EFLAGS_DF, EFLAGS_ZF, Exit, type IoPorts, ramOnly, SEG_CS, SEG_DS, SEG_ES, VEC_GP } from '../src/index.js';

function machine(code: number[], hosted = false, io?: IoPorts) {
  const mem = ramOnly(1 << 20);
  const cpu = createCpu(io ? { memory: mem, hosted, io } : { memory: mem, hosted });
  mem.ram.set(code, 0x100);
  cpu.loadSegmentReal(SEG_CS, 0);
  cpu.loadSegmentReal(SEG_DS, 0x100); // DS base 0x1000
  cpu.loadSegmentReal(SEG_ES, 0x200); // ES base 0x2000
  cpu.eip = 0x100;
  cpu.reg16[8] = 0xf00;
  return { cpu, ram: mem.ram };
}

describe('MOVS/STOS/LODS', () => {
  it('REP MOVSB copies CX bytes forward and leaves CX = 0', () => {
    const { cpu, ram } = machine([0xf3, 0xa4]);
    ram.set([1, 2, 3, 4, 5], 0x1010);
    cpu.reg16[12] = 0x10; // SI
    cpu.reg16[14] = 0x20; // DI
    cpu.reg16[2] = 5;
    cpu.run(1);
    expect([...ram.subarray(0x2020, 0x2025)]).toEqual([1, 2, 3, 4, 5]);
    expect([cpu.reg16[12], cpu.reg16[14], cpu.reg16[2]]).toEqual([0x15, 0x25, 0]);
    expect(cpu.eip).toBe(0x102);
  });

  it('MOVSW backwards (DF = 1) with a segment override on the source', () => {
    const { cpu, ram } = machine([0x26, 0xf3, 0xa5]); // rep movsw es:[si] -> es:[di]
    ram.set([0x11, 0x22, 0x33, 0x44], 0x2010);
    cpu.setFlags(EFLAGS_DF, EFLAGS_DF);
    cpu.reg16[12] = 0x12;
    cpu.reg16[14] = 0x42;
    cpu.reg16[2] = 2;
    cpu.run(1);
    expect([...ram.subarray(0x2040, 0x2044)]).toEqual([0x11, 0x22, 0x33, 0x44]);
    expect([cpu.reg16[12], cpu.reg16[14]]).toEqual([0x0e, 0x3e]);
  });

  it('REP STOSD with a 32-bit address size uses EDI and ECX', () => {
    const { cpu, ram } = machine([0x66, 0x67, 0xf3, 0xab]);
    cpu.reg32[0] = 0xdeadbeef | 0;
    cpu.reg32[7] = 0x100;
    cpu.reg32[1] = 3;
    cpu.run(1);
    expect(cpu.reg32[7]).toBe(0x10c);
    expect(cpu.reg32[1]).toBe(0);
    expect(ram[0x2100]).toBe(0xef);
    expect(ram[0x210b]).toBe(0xde);
  });

  it('REP with CX = 0 does nothing; LODSB loads AL', () => {
    const { cpu, ram } = machine([0xf3, 0xa4, 0xac]);
    ram[0x1000] = 0x5a;
    cpu.run(1);
    expect(cpu.reg16[12]).toBe(0);
    cpu.run(1);
    expect(cpu.reg8[0]).toBe(0x5a);
    expect(cpu.reg16[12]).toBe(1);
  });

  it('a fault mid-way leaves the completed iterations and EIP at the instruction', () => {
    const { cpu, ram } = machine([0xf3, 0xa5], true); // rep movsw
    cpu.reg16[12] = 0;
    cpu.reg16[14] = 0xfff9; // the 4th word would need ES:FFFF..10000
    cpu.reg16[2] = 10;
    ram.set([1, 0, 2, 0, 3, 0, 4, 0], 0x1000);
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_GP);
    expect(cpu.trap.eip).toBe(0x100);
    expect(cpu.eip).toBe(0x100);
    expect([cpu.reg16[12], cpu.reg16[14], cpu.reg16[2]]).toEqual([6, 0xffff, 7]);
    expect([...ram.subarray(0x2000 + 0xfff9, 0x2000 + 0xffff)]).toEqual([1, 0, 2, 0, 3, 0]);
    expect(ram[0x2000 + 0xffff]).toBe(0);
  });
});

describe('CMPS/SCAS', () => {
  it('REPE CMPSB stops at the first difference', () => {
    const { cpu, ram } = machine([0xf3, 0xa6]);
    ram.set([1, 2, 3, 9, 5], 0x1000);
    ram.set([1, 2, 3, 4, 5], 0x2000);
    cpu.reg16[2] = 5;
    cpu.run(1);
    expect(cpu.reg16[2]).toBe(1);
    expect(cpu.reg16[12]).toBe(4);
    expect(cpu.zf()).toBe(0);
    expect(cpu.cf()).toBe(0); // 9 - 4: no borrow
  });

  it('REPNE SCASB finds a byte', () => {
    const { cpu, ram } = machine([0xf2, 0xae]);
    ram.set([7, 7, 0, 7], 0x2000);
    cpu.reg8[0] = 0;
    cpu.reg16[2] = 0xffff;
    cpu.run(1);
    expect(cpu.reg16[14]).toBe(3);
    expect(cpu.reg16[2]).toBe(0xfffc);
    expect(cpu.getFlags() & EFLAGS_ZF).toBe(EFLAGS_ZF);
  });

  it('CMPSW without REP sets the flags of src - dst once', () => {
    const { cpu, ram } = machine([0xa7]);
    ram.set([0x00, 0x00], 0x1000);
    ram.set([0x01, 0x00], 0x2000);
    cpu.run(1);
    expect(cpu.cf()).not.toBe(0);
    expect(cpu.sf()).not.toBe(0);
    expect(cpu.reg16[12]).toBe(2);
    expect(cpu.reg16[14]).toBe(2);
  });
});

describe('INS/OUTS', () => {
  it('REP INSB reads the port CX times; REP OUTSW writes words', () => {
    const log: number[] = [];
    let n = 0;
    const io: IoPorts = {
      read: (port, bytes) => {
        log.push(port, bytes);
        return 0x40 + n++;
      },
      write: (port, bytes, v) => log.push(port, bytes, v),
    };
    const { cpu, ram } = machine([0xf3, 0x6c, 0xf3, 0x6f], false, io);
    cpu.reg16[4] = 0x3f8;
    cpu.reg16[2] = 3;
    cpu.run(1);
    expect([...ram.subarray(0x2000, 0x2003)]).toEqual([0x40, 0x41, 0x42]);
    expect(log).toEqual([0x3f8, 1, 0x3f8, 1, 0x3f8, 1]);
    log.length = 0;
    ram.set([0x34, 0x12, 0x78, 0x56], 0x1000);
    cpu.reg16[2] = 2;
    cpu.run(1);
    expect(log).toEqual([0x3f8, 2, 0x1234, 0x3f8, 2, 0x5678]);
    expect(cpu.reg16[12]).toBe(4);
  });
});
