import { describe, expect, it } from 'vitest';
import { machine } from './real-machine.js';
import { EFLAGS_IF, EFLAGS_RF, EFLAGS_VM, Exit, SEG_DS, SEG_ES, SEG_SS, VEC_SS } from '../src/index.js';

const w16 = (ram: Uint8Array, a: number): number => (ram[a] as number) | ((ram[a + 1] as number) << 8);
const w32 = (ram: Uint8Array, a: number): number => (w16(ram, a) | (w16(ram, a + 2) << 16)) >>> 0;

describe('PUSH/POP', () => {
  it('pushes registers and sign-extended immediates, pops them back', () => {
    // push ax; push -1 (6A FF); push 0x1234 (68); pop bx; pop cx; pop dx
    const { cpu, ram } = machine([0x50, 0x6a, 0xff, 0x68, 0x34, 0x12, 0x5b, 0x59, 0x5a]);
    cpu.reg16[0] = 0xbeef;
    cpu.run(3);
    expect(cpu.reg16[8]).toBe(0x1000 - 6);
    expect(w16(ram, 0xffe)).toBe(0xbeef);
    expect(w16(ram, 0xffc)).toBe(0xffff);
    expect(w16(ram, 0xffa)).toBe(0x1234);
    cpu.run(3);
    expect([cpu.reg16[6], cpu.reg16[2], cpu.reg16[4]]).toEqual([0x1234, 0xffff, 0xbeef]);
    expect(cpu.reg16[8]).toBe(0x1000);
  });

  it('PUSH SP pushes the old value; POP SP loads the popped value', () => {
    const { cpu, ram } = machine([0x54, 0x5c]); // push sp; pop sp
    cpu.run(1);
    expect(w16(ram, 0xffe)).toBe(0x1000);
    ram[0xffe] = 0x40;
    cpu.run(1);
    expect(cpu.reg16[8]).toBe(0x1040);
  });

  it('POP [ESP] computes the address with ESP already incremented', () => {
    const { cpu, ram } = machine([0x67, 0x8f, 0x04, 0x24]); // pop word [esp]
    ram[0x1000] = 0x34;
    ram[0x1001] = 0x12;
    cpu.run(1);
    expect(cpu.reg16[8]).toBe(0x1002);
    expect(w16(ram, 0x1002)).toBe(0x1234);
  });

  it('PUSH Sreg with a 32-bit operand size moves ESP by 4 and writes only 16 bits', () => {
    const { cpu, ram } = machine([0x66, 0x06, 0x66, 0x1f]); // push es (o32); pop ds (o32)
    cpu.loadSegmentReal(SEG_ES, 0x1234);
    ram.set([0xaa, 0xaa, 0xaa, 0xaa], 0xffc);
    cpu.run(1);
    expect(cpu.reg16[8]).toBe(0xffc);
    expect(w32(ram, 0xffc)).toBe(0xaaaa1234);
    cpu.run(1);
    expect(cpu.segSel[SEG_DS]).toBe(0x1234);
    expect(cpu.segBase[SEG_DS]).toBe(0x12340);
    expect(cpu.reg16[8]).toBe(0x1000);
  });

  it('POP SS holds off interrupts for one instruction', () => {
    // push ss; pop ss; nop; nop — IVT 8 -> 0:0x200 (hlt)
    const { cpu, ram } = machine([0x16, 0x17, 0x90, 0x90]);
    ram.set([0x00, 0x02, 0x00, 0x00], 8 * 4);
    ram[0x200] = 0xf4;
    cpu.setFlags(EFLAGS_IF, EFLAGS_IF);
    cpu.run(2); // push ss; pop ss
    cpu.intrLine = true;
    cpu.acknowledge = () => 8;
    cpu.run(1); // the shadowed nop runs first
    expect(cpu.eip).toBe(0x103);
    cpu.run(1); // now the interrupt: the handler's HLT runs
    expect(cpu.eip).toBe(0x201);
    expect(cpu.halted).toBe(true);
  });

  it('a push past the stack limit raises #SS and changes nothing', () => {
    const { cpu } = machine([0x50], true);
    cpu.reg16[8] = 1;
    expect(cpu.run(1)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(VEC_SS);
    expect(cpu.reg16[8]).toBe(1);
    expect(cpu.eip).toBe(0x100);
  });
});

describe('PUSHA/POPA', () => {
  it('PUSHA stores the original SP; POPA skips it', () => {
    const { cpu, ram } = machine([0x60, 0x61]);
    for (let r = 0; r < 8; r++) if (r !== 4) cpu.reg16[r * 2] = 0x1110 * (r + 1);
    cpu.run(1);
    expect(cpu.reg16[8]).toBe(0x1000 - 16);
    expect(w16(ram, 0x1000 - 10)).toBe(0x1000); // SP slot
    expect(w16(ram, 0x1000 - 2)).toBe(0x1110); // AX
    expect(w16(ram, 0x1000 - 16)).toBe(0x1110 * 8); // DI
    for (let r = 0; r < 8; r++) if (r !== 4) cpu.reg16[r * 2] = 0;
    ram[0x1000 - 10] = 0x55; // a changed SP slot is ignored
    cpu.run(1);
    expect(cpu.reg16[8]).toBe(0x1000);
    for (let r = 0; r < 8; r++) if (r !== 4) expect(cpu.reg16[r * 2]).toBe(0x1110 * (r + 1));
  });

  it('PUSHAD pushes 32-bit registers', () => {
    const { cpu, ram } = machine([0x66, 0x60]);
    cpu.reg32[0] = 0x12345678;
    cpu.run(1);
    expect(cpu.reg16[8]).toBe(0x1000 - 32);
    expect(w32(ram, 0x1000 - 4)).toBe(0x12345678);
    expect(w32(ram, 0x1000 - 20)).toBe(0x1000);
  });
});

describe('PUSHF/POPF', () => {
  it('real mode: POPF sets IOPL and IF; PUSHFD clears VM and RF in the image', () => {
    const { cpu, ram } = machine([0x9d, 0x66, 0x9c]); // popf; pushfd
    ram[0x1000] = 0xd5;
    ram[0x1001] = 0x72; // IOPL 3, IF, TF 0, NT, arithmetic flags
    cpu.run(1);
    expect(cpu.getFlags() & 0xffff).toBe(0x72d7);
    cpu.flagsReg |= EFLAGS_RF;
    cpu.run(1);
    expect(w32(ram, 0xffe) & (EFLAGS_RF | EFLAGS_VM)).toBe(0);
    expect(w32(ram, 0xffe) & 0xffff).toBe(0x72d7);
  });

  it('POPFD keeps VM, clears RF', () => {
    const { cpu, ram } = machine([0x66, 0x9d]);
    ram.set([0x02, 0x00, 0x03, 0x00], 0x1000); // RF | VM | bit 1
    cpu.run(1);
    expect(cpu.getFlags() & (EFLAGS_RF | EFLAGS_VM)).toBe(0);
    expect(cpu.reg16[8]).toBe(0x1004);
  });
});

describe('ENTER/LEAVE', () => {
  it('ENTER with nesting level 3 copies two frame pointers and links the frame', () => {
    // enter 8, 3
    const { cpu, ram } = machine([0xc8, 0x08, 0x00, 0x03, 0xc9]);
    cpu.reg16[10] = 0x2000; // BP
    ram.set([0x11, 0x11], 0x2000 - 2);
    ram.set([0x22, 0x22], 0x2000 - 4);
    cpu.run(1);
    expect(w16(ram, 0xffe)).toBe(0x2000); // old BP
    expect(w16(ram, 0xffc)).toBe(0x1111);
    expect(w16(ram, 0xffa)).toBe(0x2222);
    expect(w16(ram, 0xff8)).toBe(0xffe); // frame pointer
    expect(cpu.reg16[10]).toBe(0xffe);
    expect(cpu.reg16[8]).toBe(0xff8 - 8);
    cpu.run(1); // leave
    expect(cpu.reg16[8]).toBe(0x1000);
    expect(cpu.reg16[10]).toBe(0x2000);
  });

  it('ENTER 0,0 is push bp; mov bp,sp', () => {
    const { cpu } = machine([0xc8, 0x00, 0x00, 0x00]);
    cpu.run(1);
    expect(cpu.reg16[10]).toBe(0xffe);
    expect(cpu.reg16[8]).toBe(0xffe);
  });

  it('ENTER faults before writing when the final stack top is beyond the limit', () => {
    const { cpu, ram } = machine([0xc8, 0x00, 0x20, 0x00], true); // enter 0x2000, 0
    cpu.loadSegmentReal(SEG_SS, 0);
    cpu.segLimit[SEG_SS] = 0xffff;
    cpu.reg16[8] = 0x1000;
    ram[0xffe] = 0x77;
    // SP wraps to 0xeffe: within the 64 KiB limit, so no fault in real mode
    expect(cpu.run(1)).toBe(Exit.BUDGET);
    const b = machine([0xc8, 0x00, 0x20, 0x00], true);
    b.cpu.reg32[4] = 0x1000;
    b.cpu.segAcc[SEG_SS] = (b.cpu.segAcc[SEG_SS] as number) | 0x400; // 32-bit stack: ESP 0x1000 - 2 - 0x2000 wraps to 0xffffeffe
    b.ram[0xffe] = 0x77;
    expect(b.cpu.run(1)).toBe(Exit.TRAP);
    expect(b.cpu.trap.vector).toBe(VEC_SS);
    expect(b.ram[0xffe]).toBe(0x77);
    expect(b.cpu.reg32[4]).toBe(0x1000);
  });
});
