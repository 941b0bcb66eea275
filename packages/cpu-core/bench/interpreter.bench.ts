// `pnpm bench` (cpu-core): interpreter speed in guest instructions per second on a mixed
// integer workload — a guest loop of ALU operations, loads and stores, a call and a
// conditional branch — in 32-bit protected mode with paging on; and the heap growth over
// 100 million instructions (the hot path must not allocate).
//
// Run with `node --expose-gc --import tsx bench/interpreter.bench.ts` (the package script
// does) so that the heap figure is measured after full collections.

import { Exit, unimplemented, type Cpu } from '../src/index.js';
import { flatMachine } from './flat-machine.js';

const TARGET = 40e6;
const INSNS = Number(process.env['BENCH_INSNS'] ?? 100_000_000);

function machine(): Cpu {
  const { cpu, ram } = flatMachine();
  // The guest: an endless loop (the budget ends the run).
  //   loop: mov eax,[esi]; add eax,ebx; xor edx,eax; mov [edi+4],eax; lea esi,[esi+4];
  //         and esi,0x3ffc; or esi,0x200000; call f; dec ecx; jnz loop; mov ecx,1000; jmp loop
  //   f:    add ebx,3; ret
  const code = [
    0x8b, 0x06, // mov eax,[esi]
    0x01, 0xd8, // add eax,ebx
    0x31, 0xc2, // xor edx,eax
    0x89, 0x47, 0x04, // mov [edi+4],eax
    0x8d, 0x76, 0x04, // lea esi,[esi+4]
    0x81, 0xe6, 0xfc, 0x3f, 0x00, 0x00, // and esi,0x3ffc
    0x81, 0xce, 0x00, 0x00, 0x20, 0x00, // or esi,0x200000
    0xe8, 0x0a, 0x00, 0x00, 0x00, // call f
    0x49, // dec ecx
    0x75, 0xe0, // jnz loop
    0xb9, 0xe8, 0x03, 0x00, 0x00, // mov ecx,1000
    0xeb, 0xd9, // jmp loop
    0x83, 0xc3, 0x03, // f: add ebx,3
    0xc3, // ret
  ];
  ram.set(code, 0x1000);
  cpu.eip = 0x1000;
  cpu.reg32[1] = 1000; // ECX
  cpu.reg32[4] = 0x300000; // ESP
  cpu.reg32[6] = 0x200000; // ESI
  cpu.reg32[7] = 0x280000; // EDI
  return cpu;
}

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  const cpu = machine();
  // Warm up, and check that the workload runs as intended (no faults, no unimplemented forms).
  const warm = cpu.run(2_000_000);
  if (warm !== Exit.BUDGET || cpu.eip < 0x1000 || cpu.eip > 0x1040) {
    console.error(`interpreter bench: the guest loop did not run (exit ${warm}, eip 0x${cpu.eip.toString(16)}; unimplemented: ${[...unimplemented].slice(0, 10).join(' ')})`);
    process.exit(1);
  }
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  let left = INSNS;
  while (left > 0) {
    const n = Math.min(left, 10_000_000);
    cpu.run(n);
    left -= n;
  }
  const secs = (performance.now() - t0) / 1000;
  gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  const rate = INSNS / secs;
  const rows = [
    ['workload', 'instructions', 'seconds', 'instructions/s', 'heap growth'],
    ['ALU+memory+call+branch, paging on', INSNS.toLocaleString('en'), secs.toFixed(2), `${(rate / 1e6).toFixed(1)} M`,
      `${((heap1 - heap0) / 1024).toFixed(0)} KiB${gc ? '' : ' (no --expose-gc)'}`],
  ];
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(`| ${r.map((v, c) => (c === 0 ? v.padEnd(w[c]!) : v.padStart(w[c]!))).join(' | ')} |`);
  console.log(`\ninterpreter: ${(rate / 1e6).toFixed(1)} Minstr/s; target >= ${TARGET / 1e6} Minstr/s: ${rate >= TARGET ? 'met' : 'NOT met'}`);
}

main();
