// A real-mode CPU for the family tests: 1 MiB of RAM, `code` at 0000:0100, SP = 0x1000.
import { type Cpu, createCpu, ramOnly, SEG_CS } from '../src/index.js';

export function machine(code: number[], hosted = false): { cpu: Cpu; ram: Uint8Array } {
  const mem = ramOnly(1 << 20);
  const cpu = createCpu({ memory: mem, hosted });
  mem.ram.set(code, 0x100);
  cpu.loadSegmentReal(SEG_CS, 0);
  cpu.eip = 0x100;
  cpu.reg16[8] = 0x1000; // SP
  return { cpu, ram: mem.ram };
}
