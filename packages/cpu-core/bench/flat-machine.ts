// The benchmarks' machine: 8 MiB of RAM, 32-bit flat protected mode (segment caches loaded
// directly: the benchmarks measure execution, not set-up) and paging on, the first 8 MiB
// identity-mapped through 4 KiB pages. Returns the CPU and a DataView of RAM.
import { ACC_DB, CR0_PE, CR0_PG, type Cpu, createCpu, ramOnly, SEG_CS, SEG_DS, SEG_ES, SEG_SS, segFlagsOf } from '../src/index.js';

export function flatMachine(): { cpu: Cpu; ram: Uint8Array; dv: DataView } {
  const mem = ramOnly(8 << 20);
  const cpu = createCpu({ memory: mem });
  const dv = new DataView(mem.ram.buffer);
  const pd = 0x100000;
  for (let t = 0; t < 2; t++) {
    const pt = 0x101000 + t * 0x1000;
    dv.setUint32(pd + t * 4, pt | 3, true);
    for (let i = 0; i < 1024; i++) dv.setUint32(pt + i * 4, ((t * 1024 + i) << 12) | 3, true);
  }
  for (const s of [SEG_CS, SEG_DS, SEG_ES, SEG_SS]) {
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = -1;
    cpu.segAcc[s] = s === SEG_CS ? 0x9b | ACC_DB : 0x93 | ACC_DB;
    // What a real segment load leaves (a code segment is never writable).
    cpu.segFlags[s] = segFlagsOf(cpu.segAcc[s]);
  }
  cpu.setCr0(cpu.cr0 | CR0_PE);
  cpu.setCr3(pd);
  cpu.setCr0(cpu.cr0 | CR0_PG);
  return { cpu, ram: mem.ram, dv };
}
