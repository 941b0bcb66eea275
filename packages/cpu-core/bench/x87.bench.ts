// `pnpm bench` (cpu-core), second part: guest x87 throughput in operations per second for
// FADD/FMUL/FDIV/FLD/FST mixes, beside the integer interpreter's speed measured in the same
// run (same machine set-up as interpreter.bench.ts: 32-bit flat protected mode, paging on).
//
// Each x87 workload is a guest loop whose body is a block of x87 instructions followed by
// `dec ecx; jnz loop` (and `mov ecx,N; jmp loop` every N iterations, as the integer loop
// does). "x87 ops/s" counts only the x87 instructions; "instructions/s" counts everything
// the guest executed, loop overhead included. The values stay finite and normal (no
// exceptions taken), so the figures are for the ordinary rounding path of float80.ts.
//
// Run with `node --conditions=source --import tsx bench/x87.bench.ts`; BENCH_INSNS sets the
// guest instructions per workload (default 20 million).

import { Exit, unimplemented, type Cpu } from '../src/index.js';
import { flatMachine } from './flat-machine.js';

const INSNS = Number(process.env['BENCH_INSNS'] ?? 20_000_000);
const CODE = 0x1000;
const DATA = 0x200000;

function machine(): Cpu {
  const { cpu, dv } = flatMachine();
  cpu.reg32[4] = 0x300000; // ESP
  // Operands: [DATA] = 1.0000001 (double), [DATA+8] = 0.9999999 (double), [DATA+16] = 1.5f,
  // [DATA+20] = 3 (int32); [DATA+32..] scratch for stores.
  dv.setFloat64(DATA, 1.0000001, true);
  dv.setFloat64(DATA + 8, 0.9999999, true);
  dv.setFloat32(DATA + 16, 1.5, true);
  dv.setInt32(DATA + 20, 3, true);
  return cpu;
}

/** [op, ModRM (reg, disp32), disp32]. */
function m(op: number, reg: number, addr: number): number[] {
  return [op, (reg << 3) | 5, addr & 0xff, (addr >>> 8) & 0xff, (addr >>> 16) & 0xff, addr >>> 24];
}

const FLD_M64 = (a: number): number[] => m(0xdd, 0, a);
const FSTP_M64 = (a: number): number[] => m(0xdd, 3, a);
const FST_M64 = (a: number): number[] => m(0xdd, 2, a);
const FST_M32 = (a: number): number[] => m(0xd9, 2, a);
const FADD_M64 = (a: number): number[] => m(0xdc, 0, a);
const FMUL_M64 = (a: number): number[] => m(0xdc, 1, a);
const FDIV_M64 = (a: number): number[] => m(0xdc, 6, a);
const FADD_M32 = (a: number): number[] => m(0xd8, 0, a);
const FIMUL_M32 = (a: number): number[] => m(0xda, 1, a);
const FADD_ST1 = [0xd8, 0xc1];
const FMUL_ST1 = [0xd8, 0xc9];
const FDIV_ST1 = [0xd8, 0xf1];
const FLD_ST0 = [0xd9, 0xc0];
const FSTP_ST0 = [0xdd, 0xd8];
const FXCH = [0xd9, 0xc9];
const FINIT = [0xdb, 0xe3];

interface Workload {
  name: string;
  /** Executed once (FNINIT and whatever the loop keeps on the stack). */
  setup: number[][];
  /** The x87 loop body: each entry one x87 instruction. */
  body: number[][];
}

const A = DATA;
const B = DATA + 8;
const S = DATA + 32;

const WORKLOADS: Workload[] = [
  // ST(1) = 1.0000001, ST(0) = 1: the loop keeps two registers; values stay near 1.
  { name: 'FADD (m64, ST(i))', setup: [FINIT, FLD_M64(A), FLD_M64(B)],
    body: [FADD_M64(A), FADD_ST1, FADD_M64(B), FADD_ST1, FSTP_M64(S), FLD_M64(B)] },
  { name: 'FMUL (m64, ST(i))', setup: [FINIT, FLD_M64(A), FLD_M64(B)],
    body: [FMUL_M64(A), FMUL_M64(B), FMUL_ST1, FMUL_M64(B), FSTP_M64(S), FLD_M64(B)] },
  { name: 'FDIV (m64, ST(i))', setup: [FINIT, FLD_M64(A), FLD_M64(B)],
    body: [FDIV_M64(A), FDIV_M64(B), FDIV_ST1, FDIV_M64(B), FSTP_M64(S), FLD_M64(B)] },
  { name: 'FLD/FST (m64, m32, ST(i))', setup: [FINIT, FLD_M64(A)],
    body: [FLD_M64(B), FST_M64(S), FST_M32(S + 8), FSTP_M64(S + 16), FLD_ST0, FSTP_ST0] },
  { name: 'mix FLD FADD FMUL FDIV FST', setup: [FINIT, FLD_M64(A)],
    body: [FLD_M64(B), FADD_M32(DATA + 16), FMUL_M64(A), FIMUL_M32(DATA + 20), FDIV_ST1, FXCH, FST_M64(S), FSTP_M64(S + 8)] },
];

/** dec ecx; jnz loop; mov ecx,1000; jmp loop — after the body at CODE. */
function program(cpu: Cpu, w: Workload): { insnsPerIter: number; x87PerIter: number } {
  const setup = w.setup.flat();
  const body = w.body.flat();
  const loop = CODE + setup.length;
  const code = [...setup, ...body];
  const jnz = loop - (CODE + code.length + 3); // after dec ecx (1 byte) and jnz rel8 (2)
  code.push(0x49, 0x75, jnz & 0xff);
  const jmp = loop - (CODE + code.length + 5 + 2);
  code.push(0xb9, 0xe8, 0x03, 0x00, 0x00, 0xeb, jmp & 0xff);
  if (jnz < -128 || jmp < -128) throw new Error('loop body too long for a short jump');
  cpu.ram.set(code, CODE);
  cpu.eip = CODE;
  cpu.reg32[1] = 1000;
  const exit = cpu.run(w.setup.length);
  if (exit !== Exit.BUDGET || cpu.eip !== loop) throw new Error(`${w.name}: setup did not run (eip 0x${cpu.eip.toString(16)})`);
  // One iteration must come back to the loop head with the stack as it was.
  const top = cpu.fpu.top;
  cpu.run(w.body.length + 2);
  if (cpu.eip !== loop || cpu.fpu.top !== top) throw new Error(`${w.name}: the loop is not balanced (eip 0x${cpu.eip.toString(16)})`);
  // Per 1000 iterations: 1000 bodies, 1000 dec, 1000 jnz, one mov and one jmp.
  return { insnsPerIter: w.body.length + 2 + 2 / 1000, x87PerIter: w.body.length };
}

function measure(cpu: Cpu, insns: number): number {
  const t0 = performance.now();
  let left = insns;
  while (left > 0) {
    const n = Math.min(left, 5_000_000);
    const exit = cpu.run(n);
    if (exit !== Exit.BUDGET) throw new Error(`guest stopped (exit ${exit}, eip 0x${cpu.eip.toString(16)})`);
    left -= n;
  }
  return (performance.now() - t0) / 1000;
}

/** The integer loop of interpreter.bench.ts, for the figure beside the x87 ones. */
function integerRate(): number {
  const cpu = machine();
  const code = [
    0x8b, 0x06, 0x01, 0xd8, 0x31, 0xc2, 0x89, 0x47, 0x04, 0x8d, 0x76, 0x04, 0x81, 0xe6, 0xfc, 0x3f, 0x00, 0x00,
    0x81, 0xce, 0x00, 0x00, 0x20, 0x00, 0xe8, 0x0a, 0x00, 0x00, 0x00, 0x49, 0x75, 0xe0, 0xb9, 0xe8, 0x03, 0x00, 0x00,
    0xeb, 0xd9, 0x83, 0xc3, 0x03, 0xc3,
  ];
  cpu.ram.set(code, CODE);
  cpu.eip = CODE;
  cpu.reg32[1] = 1000;
  cpu.reg32[6] = 0x200000;
  cpu.reg32[7] = 0x280000;
  measure(cpu, 2_000_000);
  return INSNS / measure(cpu, INSNS);
}

function main(): void {
  const rows: string[][] = [['workload', 'x87 ops/iter', 'guest instructions', 'seconds', 'x87 ops/s', 'instructions/s']];
  const intRate = integerRate();
  rows.push(['integer ALU+memory+call+branch (no x87)', '0', INSNS.toLocaleString('en'), (INSNS / intRate).toFixed(2), '-', `${(intRate / 1e6).toFixed(1)} M`]);
  let mixRate = 0;
  for (const w of WORKLOADS) {
    const cpu = machine();
    const { insnsPerIter, x87PerIter } = program(cpu, w);
    try {
      measure(cpu, 1_000_000); // warm-up
    } catch (e) {
      console.error(`x87 bench ${w.name}: ${(e as Error).message}; unimplemented: ${[...unimplemented].slice(0, 10).join(' ')}`);
      process.exit(1);
    }
    if ((cpu.fpu.status() & 0x7f & ~0x20) !== 0) {
      console.error(`x87 bench ${w.name}: unexpected exception flags (status ${cpu.fpu.status().toString(16)})`);
      process.exit(1);
    }
    const secs = measure(cpu, INSNS);
    const insnRate = INSNS / secs;
    const opRate = (insnRate * x87PerIter) / insnsPerIter;
    if (w.name.startsWith('mix')) mixRate = opRate;
    rows.push([w.name, String(x87PerIter), INSNS.toLocaleString('en'), secs.toFixed(2), `${(opRate / 1e6).toFixed(2)} M`, `${(insnRate / 1e6).toFixed(1)} M`]);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [k, r] of rows.entries()) {
    console.log(`| ${r.map((v, c) => (c === 0 ? v.padEnd(w[c]!) : v.padStart(w[c]!))).join(' | ')} |`);
    if (k === 0) console.log(`|${w.map((n, c) => (c === 0 ? '-'.repeat(n + 2) : `${'-'.repeat(n + 1)}:`)).join('|')}|`);
  }
  console.log(`\nx87: ${(mixRate / 1e6).toFixed(2)} M ops/s (mix) beside the integer interpreter's ${(intRate / 1e6).toFixed(1)} Minstr/s`);
}

main();
