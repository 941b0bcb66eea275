// `pnpm bench`: decoder throughput in instructions per second on mixed real code, for the
// zero-allocation path (`decodeInto` into one reused Instruction), beside the same run's
// figure for iced-x86 (Rust compiled to WebAssembly, npm `iced-x86`, `Decoder.decodeOut`
// into one reused Instruction) over the same bytes, and their ratio.
//
// One benchmark iteration is a linear sweep over the whole corpus (see corpus.ts): decode
// at each offset, advance by the instruction's length (1 byte past an undecodable one).
// Each decoder's rate is its own instruction count per sweep / mean sweep time.
//
// Environment: BENCH_TIME_MS (default 3000) per task; BENCH_CORPUS=synthetic forces the
// bundled corpus even when busybox is in the guest cache.
//
// iced-x86 is imported only after our decoder has been measured: instantiating its
// WebAssembly memory invalidates V8's "array buffers are never detached" assumption for
// the whole process, after which every typed-array access in JavaScript carries an extra
// check (measured: about 8% off our throughput). Each decoder is measured in the
// conditions it would have on its own.

import type { Decoder, Instruction as IcedInstruction } from 'iced-x86';
// The package by name: the built dist/ when run by `pnpm bench` (which builds first), the
// sources for the type checker (the "source" export condition).
import { Bench } from 'tinybench';
import { DecodeStatus, Instruction, decode, decodeInto } from '@vmm86/x86-decoder';
import { type Corpus, loadCorpus, syntheticCode } from './corpus.js';

const TARGET = 30e6;

// Module constants: the sweep loop is part of what is measured, and V8 folds these where it
// would load `DecodeStatus.Truncated` from the imported object on every instruction.
const TRUNCATED = DecodeStatus.Truncated;

/**
 * One sweep with decodeInto; returns the number of instructions decoded. Every status has
 * a length of at least one byte, so a linear sweep always advances by it.
 */
function sweepDecodeInto(insn: Instruction, c: Corpus): number {
  const code = c.bytes;
  const end = code.length;
  const bits = c.bits;
  const vma = c.vma;
  let offset = 0;
  let count = 0;
  while (offset < end) {
    if (decodeInto(insn, code, offset, end, bits, (vma + offset) >>> 0) === TRUNCATED) break;
    offset += insn.length;
    count++;
  }
  return count;
}

/** One sweep with the allocating convenience API. */
function sweepDecode(c: Corpus): number {
  const code = c.bytes;
  let offset = 0;
  let count = 0;
  while (offset < code.length) {
    const insn = decode(code, { bits: c.bits, offset, ip: (c.vma + offset) >>> 0 });
    if (insn.status === DecodeStatus.Truncated) break;
    offset += insn.length > 0 && insn.status !== DecodeStatus.Invalid ? insn.length : 1;
    count++;
  }
  return count;
}

/** One sweep with iced-x86 (it skips an invalid byte by itself). */
function sweepIced(decoder: Decoder, insn: IcedInstruction): number {
  decoder.position = 0;
  let count = 0;
  while (decoder.canDecode) {
    decoder.decodeOut(insn);
    count++;
  }
  return count;
}

function fmtRate(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(1)} M`;
}

async function main(): Promise<void> {
  const corpus = process.env['BENCH_CORPUS'] === 'synthetic' ? syntheticCode() : loadCorpus();
  const time = Number(process.env['BENCH_TIME_MS'] ?? 3000);

  const insn = new Instruction();
  const counts = { decodeInto: sweepDecodeInto(insn, corpus), decode: sweepDecode(corpus), iced: 0 };

  console.log(`corpus: ${corpus.name}`);
  console.log(`        ${corpus.bytes.length.toLocaleString('en')} bytes, ${corpus.bits}-bit; ${counts.decodeInto.toLocaleString('en')} instructions`);
  console.log(`node ${process.version}, ${time} ms per task\n`);

  const options = { name: 'x86 decoder throughput', time, warmupTime: Math.min(1000, time / 3) };
  const ours = new Bench(options);
  ours
    .add('@vmm86/x86-decoder decodeInto', () => void sweepDecodeInto(insn, corpus))
    .add('@vmm86/x86-decoder decode (allocating)', () => void sweepDecode(corpus));
  await ours.run();

  const { Decoder, DecoderOptions, Instruction: IcedInstruction } = await import('iced-x86');
  const iced = new Decoder(corpus.bits, corpus.bytes, DecoderOptions.None);
  const icedInsn = new IcedInstruction();
  counts.iced = sweepIced(iced, icedInsn);
  const theirs = new Bench(options);
  theirs.add('iced-x86 1.21 (wasm) decodeOut', () => void sweepIced(iced, icedInsn));
  await theirs.run();
  console.log(`iced-x86 decoded ${counts.iced.toLocaleString('en')} instructions per sweep\n`);
  const tasks = [...ours.tasks, ...theirs.tasks];

  const perSweep = [counts.decodeInto, counts.decode, counts.iced];
  const rows = tasks.map((task, i) => {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
    const sweepMs = r.latency.mean;
    const rate = (perSweep[i] ?? 0) / (sweepMs / 1000);
    return { name: task.name, sweepMs, rme: r.latency.rme, runs: task.runs, rate, mbps: corpus.bytes.length / sweepMs / 1000 };
  });
  const ourRate = rows[0]?.rate ?? 0;
  const theirRate = rows[2]?.rate ?? 0;

  const header = ['decoder', 'instructions/s', 'MB/s', 'ms/sweep', '±%', 'sweeps', 'vs iced-x86'];
  const body = rows.map((r) => [
    r.name,
    fmtRate(r.rate),
    r.mbps.toFixed(1),
    r.sweepMs.toFixed(2),
    r.rme.toFixed(1),
    String(r.runs),
    theirRate > 0 ? `${(r.rate / theirRate).toFixed(2)}x` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log(
    `\ndecodeInto: ${fmtRate(ourRate)}instr/s = ${(ourRate / theirRate).toFixed(2)}x iced-x86; ` +
      `target >= ${fmtRate(TARGET)}instr/s: ${ourRate >= TARGET ? 'met' : 'NOT met'}`,
  );
  iced.free();
  icedInsn.free();
}

await main();
