// NMI: delivered through vector 2 whatever IF says, held off from its delivery until the
// next IRET (SDM Vol. 3, 6.7.1), and ending a hosted run like any other interrupt.

import { describe, expect, it } from 'vitest';
import { createCpu, EFLAGS_IF, Exit, ramOnly, SEG_CS, SEG_SS } from '../src/index.js';

function realMode(hosted = false): ReturnType<typeof createCpu> {
  const mem = ramOnly(1 << 20);
  const cpu = createCpu({ memory: mem, hosted });
  const dv = new DataView(mem.ram.buffer);
  dv.setUint16(2 * 4, 0x300, true); // IVT[2] = 0000:0300
  dv.setUint16(2 * 4 + 2, 0, true);
  mem.ram.fill(0x90, 0x100, 0x110); // nops
  mem.ram.set([0x40, 0xcf], 0x300); // inc ax ; iret
  cpu.loadSegmentReal(SEG_CS, 0);
  cpu.loadSegmentReal(SEG_SS, 0);
  cpu.reg16[8] = 0x8000;
  cpu.eip = 0x100;
  cpu.setFlags(0, EFLAGS_IF); // IF = 0: NMIs still come through
  return cpu;
}

describe('NMI', () => {
  it('is delivered through vector 2 with IF clear', () => {
    const cpu = realMode();
    cpu.raiseNmi();
    cpu.run(1); // delivery, then the handler's first instruction
    expect(cpu.reg16[0]).toBe(1);
    expect(cpu.eip).toBe(0x301);
  });

  it('is held off until the handler executes IRET', () => {
    const cpu = realMode();
    cpu.raiseNmi();
    cpu.run(1); // into the handler: inc ax
    cpu.raiseNmi(); // a second NMI while the first is being handled
    cpu.run(1); // iret: back at 0x100, NMIs unblocked
    expect(cpu.eip).toBe(0x100);
    expect(cpu.reg16[0]).toBe(1);
    cpu.run(1); // now the pending NMI is taken
    expect(cpu.reg16[0]).toBe(2);
  });

  it('ends a hosted run with a Trap for vector 2', () => {
    const cpu = realMode(true);
    cpu.raiseNmi();
    expect(cpu.run(5)).toBe(Exit.TRAP);
    expect(cpu.trap.vector).toBe(2);
    expect(cpu.trap.software).toBe(false);
    expect(cpu.trap.eip).toBe(0x100);
  });
});
