// The repository's Multiboot test kernels, loaded by loadMultiboot and started from its
// EntryState on the real core: the loader's GDT goes through the CPU's own descriptor
// loads, so a wrong descriptor or selector faults here, and the port-0xE9 transcript must
// match the one the cpu-core tests check with their own loader.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CR0_PE, Exit, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, createCpu, ramOnly } from '@vmm86/cpu-core';
import { type EntryState, loadMultiboot } from '../../src/loaders/index.js';

const ROOT = join(import.meta.dirname, '../../../..');
const KERNELS = ['guests/cpu-tests', 'guests/x87-tests'].flatMap((d) =>
  readdirSync(join(ROOT, d))
    .filter((f) => f.endsWith('.bin'))
    .map((f) => join(d, f.slice(0, -4))),
);

function boot(image: Uint8Array): { output: string; status: number | undefined; exit: Exit; state: EntryState } {
  const mem = ramOnly(32 << 20);
  const state = loadMultiboot(mem.ram, image);
  const io = { output: '', status: undefined as number | undefined };
  const cpu = createCpu({
    memory: mem,
    io: {
      read: (_port, bytes) => (bytes === 4 ? -1 : (1 << (bytes * 8)) - 1),
      write: (port, _bytes, value) => {
        if (port === 0xe9) io.output += String.fromCharCode(value & 0xff);
        else if (port === 0xf4) {
          io.status = value & 0xff;
          cpu.halted = true;
        }
      },
    },
  });
  const gdt = state.gdt;
  if (gdt === undefined) throw new Error('no GDT in the entry state');
  cpu.gdtBase = gdt.base;
  cpu.gdtLimit = gdt.limit;
  cpu.setCr0((cpu.cr0 & ~0x80000000) | CR0_PE);
  cpu.loadSegment(SEG_CS, gdt.cs);
  for (const seg of [SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS]) cpu.loadSegment(seg, gdt.ds);
  cpu.reg32.fill(0);
  cpu.reg32[0] = state.eax ?? 0;
  cpu.reg32[3] = state.ebx ?? 0;
  cpu.eip = state.eip;
  const exit = cpu.run(20_000_000);
  return { ...io, exit, state };
}

describe('Multiboot test kernels started from loadMultiboot', () => {
  it.each(KERNELS)('%s runs to its expected transcript', (name) => {
    const r = boot(new Uint8Array(readFileSync(join(ROOT, `${name}.bin`))));
    expect(r.exit).not.toBe(Exit.SHUTDOWN);
    expect(r.output).toBe(readFileSync(join(ROOT, `${name}.expected`), 'utf8'));
    expect(r.status).toBe(0);
  });
});
