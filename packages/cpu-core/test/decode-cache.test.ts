// Coherence of the decoded-instruction caches: self-modifying code, code written behind
// the CPU's back (invalidateCode), and the same linear address remapped to other bytes.

import { describe, expect, it } from 'vitest';
import { CR0_PG, createCpu, Exit, ramOnly, SEG_CS } from '../src/index.js';

describe('decode caches', () => {
  it('re-decodes an instruction the guest overwrote (self-modifying code)', () => {
    const mem = ramOnly(1 << 20);
    const cpu = createCpu({ memory: mem });
    // 0x100: mov byte [0x106],2 rewrites the immediate of 0x105: add al,1
    mem.ram.set([0xc6, 0x06, 0x06, 0x01, 0x02, 0x04, 0x01], 0x100); // mov byte [0x106],2 ; add al,1
    cpu.loadSegmentReal(SEG_CS, 0);
    cpu.eip = 0x105;
    cpu.run(1); // add al,1 is decoded and cached
    expect(cpu.reg8[0]).toBe(1);
    cpu.eip = 0x100;
    cpu.run(2); // the store rewrites the immediate, then the same address runs again
    expect(cpu.reg8[0]).toBe(3);
  });

  it('drops decodes when told that memory changed behind its back', () => {
    const mem = ramOnly(1 << 20);
    const cpu = createCpu({ memory: mem });
    mem.ram.set([0x04, 0x01], 0x200); // add al,1
    cpu.loadSegmentReal(SEG_CS, 0);
    cpu.eip = 0x200;
    cpu.run(1);
    mem.ram[0x201] = 0x10;
    cpu.invalidateCode(0x201, 1);
    cpu.eip = 0x200;
    cpu.run(1);
    expect(cpu.reg8[0]).toBe(0x11);
  });

  it('follows a CR3 switch that maps other bytes at the same linear address', () => {
    const mem = ramOnly(4 << 20);
    const cpu = createCpu({ memory: mem, hosted: true });
    const dv = new DataView(mem.ram.buffer);
    // Two address spaces: linear 0x1000 -> physical 0x5000 or 0x6000.
    for (const [pd, pt, frame] of [[0x10000, 0x11000, 0x5000], [0x20000, 0x21000, 0x6000]] as const) {
      dv.setUint32(pd, pt | 3, true);
      for (let i = 0; i < 1024; i++) dv.setUint32(pt + i * 4, (i << 12) | 3, true);
      dv.setUint32(pt + 4, frame | 3, true);
    }
    mem.ram.set([0x04, 0x01], 0x5000); // add al,1
    mem.ram.set([0x04, 0x10], 0x6000); // add al,0x10
    cpu.segBase[SEG_CS] = 0;
    cpu.setCr0(cpu.cr0 | 1);
    cpu.setCr3(0x10000);
    cpu.setCr0(cpu.cr0 | CR0_PG);
    cpu.eip = 0x1000;
    expect(cpu.run(1)).toBe(Exit.BUDGET);
    cpu.setCr3(0x20000);
    cpu.eip = 0x1000;
    cpu.run(1);
    expect(cpu.reg8[0]).toBe(0x11);
  });
});
