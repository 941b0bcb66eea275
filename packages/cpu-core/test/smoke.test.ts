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

  it('requestStop from a device access ends the run after that instruction', () => {
    const mem = ramOnly(1 << 20);
    const ref: { stop?: () => void } = {};
    const cpu = createCpu({
      memory: mem,
      io: { read: () => 0xff, write: (port) => port === 0x80 && ref.stop?.() },
    });
    ref.stop = () => cpu.requestStop();
    // inc ax; out 0x80, al; inc ax; inc ax
    mem.ram.set([0x40, 0xe6, 0x80, 0x40, 0x40], 0x100);
    cpu.loadSegmentReal(SEG_CS, 0);
    cpu.eip = 0x100;
    expect(cpu.run(100)).toBe(Exit.BUDGET);
    expect(cpu.retired).toBe(2);
    expect(cpu.eip).toBe(0x103);
    // Outside a run it changes nothing: the next run gets its whole budget.
    cpu.requestStop();
    expect(cpu.run(2)).toBe(Exit.BUDGET);
    expect(cpu.reg16[0]).toBe(3);
  });
});
