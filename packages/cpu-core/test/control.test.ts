import { describe, expect, it } from 'vitest';
import { machine } from './real-machine.js';
import { EFLAGS_IF, EFLAGS_OF, Exit, SEG_CS, VEC_GP } from '../src/index.js';

const w16 = (ram: Uint8Array, a: number): number => (ram[a] as number) | ((ram[a + 1] as number) << 8);
const w32 = (ram: Uint8Array, a: number): number => (w16(ram, a) | (w16(ram, a + 2) << 16)) >>> 0;

describe('near transfers', () => {
  it('JMP short/near and Jcc taken and not taken', () => {
    // 100: jmp +2 -> 104; 104: cmp ax,ax (39 C0); je -> 10a; 10a: jne +5 (not taken) -> 10c
    const { cpu, ram } = machine([0xeb, 0x02, 0x90, 0x90, 0x39, 0xc0, 0x74, 0x02, 0x90, 0x90, 0x75, 0x05]);
    cpu.run(1);
    expect(cpu.eip).toBe(0x104);
    cpu.run(2);
    expect(cpu.eip).toBe(0x10a);
    cpu.run(1);
    expect(cpu.eip).toBe(0x10c);
    void ram;
  });

  it('CALL rel and RET imm16', () => {
    // 100: call 0x110 ; 110: ret 4
    const { cpu, ram } = machine([0xe8, 0x0d, 0x00]);
    ram.set([0xc2, 0x04, 0x00], 0x110);
    cpu.run(1);
    expect(cpu.eip).toBe(0x110);
    expect(cpu.reg16[8]).toBe(0xffe);
    expect(w16(ram, 0xffe)).toBe(0x103);
    cpu.run(1);
    expect(cpu.eip).toBe(0x103);
    expect(cpu.reg16[8]).toBe(0x1004);
  });

  it('CALL r/m and JMP r/m (16-bit)', () => {
    const { cpu, ram } = machine([0xff, 0xd3]); // call bx
    cpu.reg16[6] = 0x300;
    ram.set([0xff, 0xe1], 0x300); // jmp cx
    cpu.reg16[2] = 0x400;
    cpu.run(2);
    expect(cpu.eip).toBe(0x400);
    expect(w16(ram, 0xffe)).toBe(0x102);
  });

  it('a target beyond the CS limit raises #GP(0) with nothing changed', () => {
    const { cpu } = machine([0x66, 0xe8, 0x00, 0x00, 0x01, 0x00], true); // call (o32) rel -> beyond 64 KiB
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_GP);
    expect(cpu.trap.errorCode).toBe(0);
    expect(cpu.reg16[8]).toBe(0x1000);
    expect(cpu.eip).toBe(0x100);
  });
});

describe('far transfers in real mode', () => {
  it('CALL ptr16:16 / RETF', () => {
    const { cpu, ram } = machine([0x9a, 0x10, 0x00, 0x20, 0x00]); // call 0020:0010
    ram.set([0xcb], 0x210);
    cpu.run(1);
    expect(cpu.segSel[SEG_CS]).toBe(0x20);
    expect(cpu.segBase[SEG_CS]).toBe(0x200);
    expect(cpu.eip).toBe(0x10);
    expect(w16(ram, 0xffe)).toBe(0);
    expect(w16(ram, 0xffc)).toBe(0x105);
    cpu.run(1);
    expect(cpu.segSel[SEG_CS]).toBe(0);
    expect(cpu.eip).toBe(0x105);
    expect(cpu.reg16[8]).toBe(0x1000);
  });

  it('CALL m16:32 pushes the selector zero-extended; RETF imm16 releases parameters', () => {
    // call far dword [0x500] (66 FF 1E 00 05)
    const { cpu, ram } = machine([0x66, 0xff, 0x1e, 0x00, 0x05]);
    ram.set([0x20, 0x00, 0x00, 0x00, 0x30, 0x00], 0x500);
    ram.set([0x66, 0xca, 0x02, 0x00], 0x320); // o32 retf 2
    ram.set([0xff, 0xff, 0xff, 0xff], 0xffc);
    cpu.run(1);
    expect(cpu.segSel[SEG_CS]).toBe(0x30);
    expect(cpu.eip).toBe(0x20);
    expect(w32(ram, 0xffc)).toBe(0);
    expect(w32(ram, 0xff8)).toBe(0x105);
    cpu.run(1);
    expect(cpu.eip).toBe(0x105);
    expect(cpu.reg16[8]).toBe(0x1002);
  });

  it('JMP ptr16:16 and JMP m16:16', () => {
    const { cpu, ram } = machine([0xea, 0x00, 0x00, 0x40, 0x00]); // jmp 0040:0000
    ram.set([0xff, 0x2e, 0x00, 0x06], 0x400); // jmp far [0x600]
    ram.set([0x34, 0x12, 0x00, 0x00], 0x600);
    cpu.run(1);
    expect(cpu.segBase[SEG_CS]).toBe(0x400);
    cpu.run(1);
    expect(cpu.segSel[SEG_CS]).toBe(0);
    expect(cpu.eip).toBe(0x1234);
  });
});

describe('LOOP family', () => {
  it('LOOP counts CX; LOOPE/LOOPNE test ZF; JCXZ/JECXZ by address size', () => {
    const { cpu, ram } = machine([0xe2, 0xfe]); // loop $
    cpu.reg16[2] = 5;
    cpu.run(4);
    expect(cpu.reg16[2]).toBe(1);
    expect(cpu.eip).toBe(0x100);
    cpu.run(1);
    expect(cpu.reg16[2]).toBe(0);
    expect(cpu.eip).toBe(0x102);

    const b = machine([0x67, 0xe2, 0xfd]); // loop $ with ECX
    b.cpu.reg32[1] = 0x10000;
    b.cpu.run(1);
    expect(b.cpu.reg32[1]).toBe(0xffff);
    expect(b.cpu.eip).toBe(0x100);

    const c = machine([0x39, 0xc0, 0xe1, 0x10, 0xe0, 0x10]); // cmp ax,ax; loope +16; loopne +16
    c.cpu.reg16[2] = 3;
    c.cpu.run(2);
    expect(c.cpu.eip).toBe(0x114);
    expect(c.cpu.reg16[2]).toBe(2);
    c.cpu.eip = 0x104;
    c.cpu.run(1); // loopne with ZF=1: falls through
    expect(c.cpu.eip).toBe(0x106);
    expect(c.cpu.reg16[2]).toBe(1);

    const d = machine([0xe3, 0x10, 0x67, 0xe3, 0x10]); // jcxz; jecxz
    d.cpu.reg32[1] = 0x10000; // CX = 0, ECX != 0
    d.cpu.run(1);
    expect(d.cpu.eip).toBe(0x112);
    d.cpu.eip = 0x102;
    d.cpu.run(1);
    expect(d.cpu.eip).toBe(0x105);
    void ram;
  });
});

describe('interrupts', () => {
  it('INT n through the IVT; IRET returns after the INT', () => {
    const { cpu, ram } = machine([0xcd, 0x21, 0x90]);
    ram.set([0x00, 0x00, 0x50, 0x00], 0x21 * 4); // 0050:0000
    ram[0x500] = 0xcf; // iret
    cpu.setFlags(EFLAGS_IF, EFLAGS_IF);
    const retired = cpu.retired;
    cpu.run(1);
    expect(cpu.retired).toBe(retired + 1);
    expect(cpu.segSel[SEG_CS]).toBe(0x50);
    expect(cpu.eip).toBe(0);
    expect(cpu.getFlags() & EFLAGS_IF).toBe(0);
    expect(w16(ram, 0xffa)).toBe(0x102);
    expect(w16(ram, 0xffc)).toBe(0);
    expect(w16(ram, 0xffe) & EFLAGS_IF).toBe(EFLAGS_IF);
    cpu.run(1);
    expect(cpu.segSel[SEG_CS]).toBe(0);
    expect(cpu.eip).toBe(0x102);
    expect(cpu.getFlags() & EFLAGS_IF).toBe(EFLAGS_IF);
    expect(cpu.reg16[8]).toBe(0x1000);
  });

  it('INTO traps only when OF is set; INT3 uses vector 3', () => {
    const { cpu, ram } = machine([0xce, 0xce, 0xcc]);
    ram.set([0x00, 0x06, 0x00, 0x00], 4 * 4);
    ram.set([0x00, 0x07, 0x00, 0x00], 3 * 4);
    cpu.run(1);
    expect(cpu.eip).toBe(0x101);
    cpu.setFlags(EFLAGS_OF, EFLAGS_OF);
    cpu.run(1);
    expect(cpu.eip).toBe(0x600);
    expect(w16(ram, 0xffa)).toBe(0x102);
    cpu.eip = 0x102;
    cpu.run(1);
    expect(cpu.eip).toBe(0x700);
  });

  it('hosted: INT n ends the run with a software Trap at the next EIP; INT1 is not software', () => {
    const { cpu } = machine([0xcd, 0x80, 0xf1], true);
    expect(cpu.run(5)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(0x80);
    expect(cpu.trap.software).toBe(true);
    expect(cpu.trap.eip).toBe(0x102);
    expect(cpu.trap.length).toBe(2);
    cpu.eip = 0x102;
    expect(cpu.run(5)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(1);
    expect(cpu.trap.software).toBe(false);
    expect(cpu.trap.eip).toBe(0x103);
  });

  it('IRETD in real mode loads 32-bit EIP and flags (VM kept)', () => {
    const { cpu, ram } = machine([0x66, 0xcf]);
    ram.set([0x34, 0x12, 0, 0, 0x60, 0, 0, 0, 0xd7, 0x02, 0x02, 0x00], 0x1000); // eip, cs, flags with VM set
    cpu.run(1);
    expect(cpu.eip).toBe(0x1234);
    expect(cpu.segSel[SEG_CS]).toBe(0x60);
    expect(cpu.getFlags()).toBe(0x2d7);
    expect(cpu.reg16[8]).toBe(0x100c);
  });

  it('HLT stops the run until an interrupt', () => {
    const { cpu, ram } = machine([0xf4, 0x90]);
    ram.set([0x00, 0x08, 0x00, 0x00], 8 * 4);
    expect(cpu.run(5)).toBe(Exit.HALT);
    expect(cpu.halted).toBe(true);
    expect(cpu.eip).toBe(0x101);
    cpu.setFlags(EFLAGS_IF, EFLAGS_IF);
    cpu.intrLine = true;
    cpu.acknowledge = () => 8;
    cpu.run(1);
    expect(cpu.halted).toBe(false);
    expect(w16(ram, 0xffa)).toBe(0x101);
  });
});
