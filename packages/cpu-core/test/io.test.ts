import { describe, expect, it } from 'vitest';
import { createCpu, CR0_PE, EFLAGS_VM, type IoPorts, ramOnly, SEG_CS, SEG_TR } from '../src/index.js';
import { ioAllowed } from '../src/ops/io.js';

function machine(code: number[], io?: IoPorts) {
  const mem = ramOnly(1 << 20);
  const cpu = createCpu(io ? { memory: mem, io } : { memory: mem });
  mem.ram.set(code, 0x100);
  cpu.loadSegmentReal(SEG_CS, 0);
  cpu.eip = 0x100;
  return { cpu, ram: mem.ram };
}

describe('IN/OUT', () => {
  it('immediate and DX ports in 8/16/32 bits', () => {
    const log: number[] = [];
    const io: IoPorts = {
      read: (port, bytes) => (bytes === 1 ? 0xab : bytes === 2 ? 0xabcd : 0x12345678) + port * 0,
      write: (port, bytes, v) => log.push(port, bytes, v >>> 0),
    };
    // in al,0x60; in ax,dx; in eax,dx (66); out 0x80,al; out dx,ax; out dx,eax (66)
    const { cpu } = machine([0xe4, 0x60, 0xed, 0x66, 0xed, 0xe6, 0x80, 0xef, 0x66, 0xef], io);
    cpu.reg16[4] = 0x1f0;
    cpu.run(1);
    expect(cpu.reg8[0]).toBe(0xab);
    cpu.run(1);
    expect(cpu.reg16[0]).toBe(0xabcd);
    cpu.run(1);
    expect(cpu.reg32[0]).toBe(0x12345678);
    cpu.run(3);
    expect(log).toEqual([0x80, 1, 0x78, 0x1f0, 2, 0x5678, 0x1f0, 4, 0x12345678]);
  });
});

describe('I/O permission bitmap', () => {
  /** A 32-bit TSS at 0x5000 with the bitmap at offset 0x68, 0x2000 bytes + the 0xFF byte. */
  function tssCpu(): ReturnType<typeof machine> {
    const m = machine([]);
    const { cpu, ram } = m;
    cpu.cr0 |= CR0_PE;
    cpu.cpl = 3;
    cpu.segBase[SEG_TR] = 0x5000;
    cpu.segLimit[SEG_TR] = 0x68 + 0x2000;
    cpu.segAcc[SEG_TR] = 0x8b; // present busy 32-bit TSS
    ram[0x5066] = 0x68;
    ram[0x5067] = 0;
    ram.fill(0xff, 0x5068, 0x5068 + 0x2001);
    ram[0x5068 + (0x3f8 >> 3)] = 0x00; // ports 0x3F8-0x3FF allowed
    ram[0x5068 + (0x60 >> 3)] = 0xfe; // 0x60 allowed, 0x61 denied
    return m;
  }

  it('allows CPL <= IOPL without looking at the TSS', () => {
    const { cpu } = tssCpu();
    cpu.segAcc[SEG_TR] = 0; // no TSS at all
    cpu.cpl = 0;
    expect(() => ioAllowed(cpu, 0x61, 1)).not.toThrow();
  });

  it('checks every port bit of the access at CPL > IOPL', () => {
    const { cpu } = tssCpu();
    expect(() => ioAllowed(cpu, 0x3f8, 4)).not.toThrow();
    expect(() => ioAllowed(cpu, 0x3fc, 4)).not.toThrow();
    expect(() => ioAllowed(cpu, 0x60, 1)).not.toThrow();
    expect(() => ioAllowed(cpu, 0x61, 1)).toThrow();
    expect(() => ioAllowed(cpu, 0x60, 2)).toThrow(); // 0x61 is denied
    expect(() => ioAllowed(cpu, 0x3fe, 4)).toThrow(); // 0x400-0x401 denied (bits span two bytes)
    expect(() => ioAllowed(cpu, 0x3f7, 2)).toThrow();
  });

  it('v8086 mode always consults the bitmap; beyond the TSS limit or a 16-bit TSS is #GP', () => {
    const { cpu } = tssCpu();
    cpu.setFlags(EFLAGS_VM | (3 << 12), EFLAGS_VM | (3 << 12));
    expect(() => ioAllowed(cpu, 0x61, 1)).toThrow();
    expect(() => ioAllowed(cpu, 0x60, 1)).not.toThrow();
    cpu.segLimit[SEG_TR] = 0x68 + (0x60 >> 3); // the second bitmap byte is beyond the limit
    expect(() => ioAllowed(cpu, 0x60, 1)).toThrow();
    cpu.segLimit[SEG_TR] = 0x68 + 0x2000;
    cpu.segAcc[SEG_TR] = 0x83; // busy 16-bit TSS
    expect(() => ioAllowed(cpu, 0x60, 1)).toThrow();
  });
});
