// Runs one MOO test on our CPU and compares the result with the captured final state.
//
// How a test runs (../shared/testdata/README.md): real mode, every segment's base =
// selector × 16 with the 64 KiB limit; load the INIT registers and RAM, start at CS:IP,
// run until the HLT (F4) that follows the instruction — or, after an exception, the HLT
// placed at the handler taken from the IVT — then compare the registers (absent from
// FINA = unchanged) and the RAM bytes (INIT bytes absent from FINA = unchanged).
//
// Details:
// - The CPU runs in hosted mode, so every exception or software interrupt ends `run`
//   with a Trap record; the runner then delivers it through the real-mode IVT itself
//   (`deliverReal`, the same path the native CPU takes) and records the vector, which
//   makes "expected #GP, got #SS" diagnosable.
// - The HLT is not executed: reaching an F4 byte at CS:IP after the instruction ends the
//   test, and the captured IP (which points past the HLT) is compared with IP + 1. A HLT
//   changes nothing else in real mode, and the suite does not depend on the HLT handler.
// - Memory: 1 MiB + 64 KiB of RAM, A20 enabled (FFFF:FFFF is 0x10FFEF, as on the 286
//   with its 24 address lines and on the 386EX). One CPU and one RAM are reused; the bytes
//   a test wrote are cleared before the next.
// - Flags: only the bits in the suite's compare mask, minus the opcode's undefined flags.
//   The 286 cannot hold IOPL/NT in real mode (they read as 0): INIT flags are loaded
//   without them, which is what the 286 executed with (its PUSHF pushes them as 0).
//   A flags image pushed by an exception (EXCP gives its address) is compared with the
//   same mask.

import { decodeInto, FORMS, Instruction } from '@vmm86/x86-decoder';
import {
  type Cpu, CpuFault, CR0_EM, CR0_MP, CR0_TS, createCpu, Exit, ramOnly, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS,
  SEG_SS, unimplemented,
} from '../../src/index.js';
import type { MooState, MooTest } from './moo.js';
import type { Suite, SuiteFile } from './suites.js';

export const RAM_SIZE = 0x110000;
/** Steps (run(1) calls) allowed for one test: REP strings and LOOP-to-self repeat in place. */
const MAX_STEPS = 140_000;

/** One difference between the captured final state and ours. */
export interface Diff {
  kind: 'reg' | 'flags' | 'ram' | 'exception' | 'stop';
  /** Register name, "flags", a RAM address (hex), "vector" or "stop". */
  name: string;
  expected: number;
  actual: number;
  /** Bits compared (flags and pushed-flags bytes), else -1. */
  mask: number;
}

export interface TestResult {
  pass: boolean;
  diffs: Diff[];
  /** Vector of the exception the captured CPU took (EXCP), or -1. */
  expectedVector: number;
  /** Vector our CPU delivered first, or -1. */
  actualVector: number;
  /** Decoder form of the instruction ('' if it did not decode). */
  form: string;
  /** Decoded length of the instruction (prefixes included; 0 if it did not decode). */
  length: number;
  /** The form has no handler in the core yet (raises #UD). */
  unimplemented: boolean;
  steps: number;
  /** Our CS:IP when the run stopped (IP + 1 when it stopped at the HLT). */
  stopCs: number;
  stopIp: number;
  /** An exception other than a CpuFault escaped the core (message). */
  crash: string;
  /** Linear addresses of the low and high byte of the flags image our first delivery pushed (-1: none). */
  flagsImage: [number, number];
  /** Our flags before the instruction (as loaded). */
  initFlags: number;
}

/** Register access for the two register layouts. */
interface RegDef {
  name: string;
  get(cpu: Cpu): number;
  set(cpu: Cpu, v: number): void;
}

const GPR16: [string, number][] = [['ax', 0], ['cx', 1], ['dx', 2], ['bx', 3], ['sp', 4], ['bp', 5], ['si', 6], ['di', 7]];
const GPR32: [string, number][] = [['eax', 0], ['ecx', 1], ['edx', 2], ['ebx', 3], ['esp', 4], ['ebp', 5], ['esi', 6], ['edi', 7]];
const SEGS16: [string, number][] = [['es', SEG_ES], ['cs', SEG_CS], ['ss', SEG_SS], ['ds', SEG_DS]];
const SEGS32: [string, number][] = [...SEGS16, ['fs', SEG_FS], ['gs', SEG_GS]];

function regDefs(wide: boolean): RegDef[] {
  const defs: RegDef[] = [];
  for (const [name, r] of wide ? GPR32 : GPR16) {
    defs.push(
      wide
        ? { name, get: (c) => (c.reg32[r] as number) >>> 0, set: (c, v) => { c.reg32[r] = v; } }
        : { name, get: (c) => c.reg16[r * 2] as number, set: (c, v) => { c.reg16[r * 2] = v; } },
    );
  }
  for (const [name, s] of wide ? SEGS32 : SEGS16) {
    defs.push({ name, get: (c) => c.segSel[s] as number, set: (c, v) => c.loadSegmentReal(s, v & 0xffff) });
  }
  defs.push(
    wide
      ? { name: 'eip', get: (c) => c.eip >>> 0, set: (c, v) => { c.eip = v | 0; } }
      : { name: 'ip', get: (c) => c.eip & 0xffff, set: (c, v) => { c.eip = v & 0xffff; } },
  );
  return defs;
}

const DEFS16 = regDefs(false);
const DEFS32 = regDefs(true);

export function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).toUpperCase().padStart(digits, '0');
}

/** Prefix bytes, opcode and ModRM of a test's instruction (16-bit real-mode encoding). */
export interface Encoding {
  prefixes: number[];
  opcode: number;
  /** ModRM byte or -1 when the opcode has none we care about. */
  modrm: number;
}

const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);
/** One-byte opcodes with a ModRM byte (0x00-0xFF), enough for classification. */
function hasModrm(op: number): boolean {
  if (op < 0x40) return (op & 0x04) === 0;
  if (op >= 0x80 && op <= 0x8f) return true;
  if (op === 0x62 || op === 0x63 || op === 0x69 || op === 0x6b) return true;
  if (op === 0xc0 || op === 0xc1 || op === 0xc4 || op === 0xc5 || op === 0xc6 || op === 0xc7) return true;
  if (op >= 0xd0 && op <= 0xd3) return true;
  if (op >= 0xd8 && op <= 0xdf) return true;
  return op === 0xf6 || op === 0xf7 || op === 0xfe || op === 0xff;
}

export function encodingOf(bytes: Uint8Array): Encoding {
  let i = 0;
  const prefixes: number[] = [];
  while (i < bytes.length && PREFIXES.has(bytes[i] as number)) prefixes.push(bytes[i++] as number);
  const opcode = bytes[i] ?? -1;
  const modrm = hasModrm(opcode) ? (bytes[i + 1] ?? -1) : -1;
  return { prefixes, opcode, modrm };
}

/** Runs MOO tests of one suite on one reused CPU. */
export class SstRunner {
  readonly cpu: Cpu;
  private readonly ram: Uint8Array;
  private readonly insn = new Instruction();
  private dirty: Uint32Array[] = [];

  constructor(readonly suite: Suite) {
    const mem = ramOnly(RAM_SIZE);
    this.ram = mem.ram;
    this.cpu = createCpu({ memory: mem, hosted: true });
  }

  private loadState(st: MooState, wide: boolean): void {
    const cpu = this.cpu;
    const defs = wide ? DEFS32 : DEFS16;
    for (const d of defs) {
      const v = st.regs.get(d.name);
      if (v !== undefined) d.set(cpu, v);
    }
    const fl = st.regs.get(wide ? 'eflags' : 'flags');
    if (fl !== undefined) cpu.setFlags(fl & this.suite.flagsLoadMask, -1);
    const cr0 = st.regs.get('cr0');
    // Only the architectural CR0 bits that a real-mode test may carry (the 386EX dump reads 0x7FFEFFF0).
    if (cr0 !== undefined) cpu.cr0 = (cpu.cr0 & ~(CR0_MP | CR0_EM | CR0_TS)) | (cr0 & (CR0_MP | CR0_EM | CR0_TS));
  }

  private decode(bytes: Uint8Array): [string, number] {
    const buf = new Uint8Array(16);
    buf.set(bytes.subarray(0, 15));
    decodeInto(this.insn, buf, 0, 15, 16, 0); // real mode: 16-bit code
    return this.insn.form === 0 ? ['', 0] : [FORMS[this.insn.form]?.name ?? '', this.insn.length];
  }

  /** Delivers a hosted trap through the real-mode IVT as the native CPU would (#DF on a fault). */
  private deliver(): boolean {
    const cpu = this.cpu;
    const t = cpu.trap;
    for (const vector of [t.vector, 8]) {
      try {
        cpu.deliverReal(vector, t.eip);
        return true;
      } catch (e) {
        if (!(e instanceof CpuFault)) throw e;
      }
    }
    return false; // shutdown
  }

  run(file: SuiteFile, test: MooTest): TestResult {
    const cpu = this.cpu;
    const ram = this.ram;
    const wide = test.init.wide;
    for (const list of this.dirty) for (const a of list) if (a < RAM_SIZE) ram[a] = 0;
    this.dirty = [test.init.ramAddr, test.final.ramAddr];

    cpu.reset();
    cpu.setFlags(0, -1);
    this.loadState(test.init, wide);
    const initFlags = cpu.getFlags();
    for (let i = 0; i < test.init.ramAddr.length; i++) {
      const a = test.init.ramAddr[i] as number;
      if (a < RAM_SIZE) ram[a] = test.init.ramVal[i] as number;
    }

    const [form, length] = this.decode(test.bytes);
    const res: TestResult = {
      pass: false,
      diffs: [],
      expectedVector: test.exception?.vector ?? -1,
      actualVector: -1,
      form,
      length,
      unimplemented: form !== '' && unimplemented.has(form.replace(/_\d+$/, '')),
      steps: 0,
      stopCs: 0,
      stopIp: 0,
      crash: '',
      flagsImage: [-1, -1],
      initFlags,
    };

    const startCs = cpu.segSel[SEG_CS] as number;
    const startIp = cpu.eip;
    let atHlt = false;
    try {
      for (let step = 0; step < MAX_STEPS; step++) {
        const exit = cpu.run(1);
        res.steps++;
        if (exit === Exit.TRAP) {
          const first = res.actualVector < 0;
          if (first) res.actualVector = cpu.trap.vector;
          const ok = this.deliver();
          if (first && ok) {
            // The frame is IP, CS, FLAGS from SS:SP up: the flags image is at SP+4.
            const ssBase = cpu.segBase[SEG_SS] as number;
            const sp = cpu.reg16[8] as number;
            res.flagsImage = [(ssBase + ((sp + 4) & 0xffff)) >>> 0, (ssBase + ((sp + 5) & 0xffff)) >>> 0];
          }
          if (!ok) {
            res.crash = 'shutdown (fault while delivering #DF)';
            break;
          }
        } else if (exit === Exit.HALT || exit === Exit.SHUTDOWN) {
          break;
        }
        const lin = (((cpu.segBase[SEG_CS] as number) + cpu.eip) >>> 0) % RAM_SIZE;
        if (ram[lin] === 0xf4) {
          atHlt = true;
          break;
        }
        // Only a repeating instruction (REP string, LOOP to itself) may stay in place.
        if ((cpu.segSel[SEG_CS] as number) !== startCs || cpu.eip !== startIp) break;
      }
    } catch (e) {
      res.crash = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }

    const ipMask = wide ? -1 : 0xffff;
    res.stopCs = cpu.segSel[SEG_CS] as number;
    res.stopIp = atHlt ? (cpu.eip + 1) & ipMask : cpu.eip & ipMask;
    if (!atHlt && !cpu.halted) {
      res.diffs.push({ kind: 'stop', name: 'stop', expected: 0xf4, actual: ram[(((cpu.segBase[SEG_CS] as number) + cpu.eip) >>> 0) % RAM_SIZE] as number, mask: -1 });
    }
    if (res.expectedVector !== res.actualVector) {
      res.diffs.push({ kind: 'exception', name: 'vector', expected: res.expectedVector, actual: res.actualVector, mask: -1 });
    }

    // Registers.
    const defs = wide ? DEFS32 : DEFS16;
    for (const d of defs) {
      const exp = test.final.regs.get(d.name) ?? test.init.regs.get(d.name);
      if (exp === undefined) continue;
      const width = wide && d.name.length === 2 ? 0xffff : wide ? -1 : 0xffff; // segment selectors are 16-bit
      let act = d.get(cpu);
      if ((d.name === 'ip' || d.name === 'eip') && atHlt) act = (act + 1) & ipMask;
      if (((exp ^ act) & width) !== 0) res.diffs.push({ kind: 'reg', name: d.name, expected: (exp & width) >>> 0, actual: (act & width) >>> 0, mask: -1 });
    }
    const flagsMask = this.suite.flagsCompareMask & ~file.undefinedFlags;
    const fname = wide ? 'eflags' : 'flags';
    const expFlags = test.final.regs.get(fname) ?? initFlags;
    const actFlags = cpu.getFlags();
    if (((expFlags ^ actFlags) & flagsMask) !== 0) {
      res.diffs.push({ kind: 'flags', name: fname, expected: expFlags & this.suite.flagsCompareMask, actual: actFlags & this.suite.flagsCompareMask, mask: flagsMask });
    }

    // RAM: INIT bytes, overridden by FINA bytes.
    const expected = new Map<number, number>();
    for (let i = 0; i < test.init.ramAddr.length; i++) expected.set(test.init.ramAddr[i] as number, test.init.ramVal[i] as number);
    for (let i = 0; i < test.final.ramAddr.length; i++) expected.set(test.final.ramAddr[i] as number, test.final.ramVal[i] as number);
    // The pushed flags image: where our delivery put it when we took the same exception,
    // else EXCP's address (which is off by one when SP is odd in the 286 data).
    const fa = test.exception?.flagsAddr ?? -1;
    const [flo, fhi] = res.flagsImage[0] >= 0 && res.actualVector === res.expectedVector ? res.flagsImage : [fa, fa + 1];
    for (const [a, exp] of expected) {
      const act = a < RAM_SIZE ? (ram[a] as number) : 0xff;
      let mask = 0xff;
      if (a === flo) mask = flagsMask & 0xff;
      else if (a === fhi) mask = (flagsMask >> 8) & 0xff;
      if (((exp ^ act) & mask) !== 0) res.diffs.push({ kind: 'ram', name: hex(a, 6), expected: exp, actual: act, mask: mask === 0xff ? -1 : mask });
    }
    res.pass = res.diffs.length === 0 && res.crash === '';
    return res;
  }
}

const FLAG_NAMES: [number, string][] = [
  [0x800, 'O'], [0x400, 'D'], [0x200, 'I'], [0x100, 'T'], [0x80, 'S'], [0x40, 'Z'], [0x10, 'A'], [0x4, 'P'], [0x1, 'C'],
];

/** "odiTSZaPc"-style rendering: upper case = set; '.' = not compared. */
export function flagString(v: number, mask: number): string {
  let s = '';
  for (const [bit, n] of FLAG_NAMES) s += (mask & bit) === 0 ? '.' : (v & bit) !== 0 ? n : n.toLowerCase();
  return s;
}

/** A readable multi-line description of one failing test. */
export function describeFailure(test: MooTest, r: TestResult): string {
  const lines: string[] = [];
  const bytes = [...test.bytes].map((b) => hex(b, 2)).join(' ');
  lines.push(`#${test.index} ${test.name}   [${bytes}]   form ${r.form || '(none)'}${r.unimplemented ? ' (NOT IMPLEMENTED)' : ''}   hash ${test.hash}`);
  const regs = [...test.init.regs].map(([k, v]) => `${k}=${hex(v, test.init.wide && k.length !== 2 ? 8 : 4)}`).join(' ');
  lines.push(`    init: ${regs}`);
  if (r.expectedVector >= 0 || r.actualVector >= 0) {
    const v = (n: number): string => (n < 0 ? 'none' : `int ${n}`);
    lines.push(`    exception: expected ${v(r.expectedVector)}, ours ${v(r.actualVector)}`);
  }
  if (r.crash) lines.push(`    CRASH: ${r.crash}`);
  for (const d of r.diffs) {
    if (d.kind === 'exception') continue;
    if (d.kind === 'stop') {
      lines.push(`    stopped at ${hex(r.stopCs, 4)}:${hex(r.stopIp, 4)} (byte ${hex(d.actual, 2)}) after ${r.steps} step(s), not at a HLT`);
    } else if (d.kind === 'flags') {
      lines.push(`    ${d.name.padEnd(6)} expected ${hex(d.expected, 4)} ${flagString(d.expected, d.mask)}  ours ${hex(d.actual, 4)} ${flagString(d.actual, d.mask)}  (differs: ${flagString(d.expected ^ d.actual, d.mask & (d.expected ^ d.actual)).replace(/[a-z]/g, '.')})`);
    } else if (d.kind === 'ram') {
      lines.push(`    [${d.name}] expected ${hex(d.expected, 2)}  ours ${hex(d.actual, 2)}${d.mask >= 0 ? ` (mask ${hex(d.mask, 2)})` : ''}`);
    } else {
      const w = d.expected > 0xffff || d.actual > 0xffff ? 8 : 4;
      lines.push(`    ${d.name.padEnd(6)} expected ${hex(d.expected, w)}  ours ${hex(d.actual, w)}`);
    }
  }
  return lines.join('\n');
}
