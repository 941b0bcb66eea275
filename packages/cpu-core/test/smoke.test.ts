import { describe, expect, it } from 'vitest';
import { createCpu, Exit, ramOnly, SEG_CS } from '../src/index.js';

describe('cpu smoke', () => {
  it('runs a few real-mode instructions', () => {
    const mem = ramOnly(1 << 20);
    const cpu = createCpu({ memory: mem });
    mem.ram.set([0xb8, 0x05, 0x00, 0x05, 0x03, 0x00, 0x3d, 0x08, 0x00], 0x100); // mov ax,5; add ax,3; cmp ax,8
    cpu.loadSegmentReal(SEG_CS, 0);
    cpu.eip = 0x100;
    expect(cpu.run(3)).toBe(Exit.BUDGET);
    expect(cpu.reg16[0]).toBe(8);
    expect(cpu.zf()).not.toBe(0);
    expect(cpu.eip).toBe(0x109);
  });
});
