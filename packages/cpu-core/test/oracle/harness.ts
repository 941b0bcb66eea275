// Runs oracle cases natively (the static i386 runner) and on our core, and compares.

import { spawnSync } from 'node:child_process';
import { decode, formatIntel, FORMS } from '@vmm86/x86-decoder';
import {
  ACC_A, ACC_CODE, ACC_DB, ACC_G, ACC_P, ACC_RW, ACC_S, CR0_ET, CR0_NE, CR0_PE, createCpu, Exit, ramOnly,
  SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, type Cpu,
} from '../../src/index.js';
import { COMPARED_FLAGS, flagEffect, foldUndefined } from './flag-rule.js';
import { caseCode, type OracleCase } from './generate.js';
import { CODE, RUNNER_MAGIC, WIN, WSIZE } from './layout.js';

/** Final state of one run. vector: -1 ran to the end; -2 budget spent; -3 the core threw. */
export interface Outcome {
  regs: number[];
  eflags: number;
  vector: number;
  errorCode: number;
  eipOffset: number;
  /** Changed window bytes: offset -> value. */
  diff: Map<number, number>;
  error?: string;
}

function initialWindow(base: Uint8Array, c: OracleCase): Uint8Array {
  const w = base.slice();
  for (const [off, v] of c.patches) {
    if (off < 0 || off > WSIZE - 4) continue;
    w[off] = v;
    w[off + 1] = v >> 8;
    w[off + 2] = v >> 16;
    w[off + 3] = v >> 24;
  }
  return w;
}

/** Runs cases on the native runner (one process per call). */
export function runNative(binary: string, base: Uint8Array, cases: readonly OracleCase[], counts?: readonly number[]): Outcome[] {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(4);
  head.writeUInt32LE(RUNNER_MAGIC);
  parts.push(head, Buffer.from(base));
  cases.forEach((c, i) => {
    const code = caseCode(c, counts?.[i]);
    const b = Buffer.alloc(40 + code.length + 8 * c.patches.length);
    c.regs.forEach((v, k) => b.writeInt32LE(v | 0, 4 * k));
    b.writeInt32LE(c.eflags | 0, 32);
    b.writeUInt16LE(code.length, 36);
    b.writeUInt8(c.patches.length, 38);
    b.set(code, 40);
    c.patches.forEach(([off, v], k) => {
      b.writeUInt16LE(off, 40 + code.length + 8 * k);
      b.writeInt32LE(v | 0, 40 + code.length + 8 * k + 4);
    });
    parts.push(b);
  });
  const end = Buffer.alloc(40);
  end.writeUInt16LE(0xffff, 36);
  parts.push(end);
  const r = spawnSync(binary, [], { input: Buffer.concat(parts), maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`oracle runner exited with ${r.status ?? r.signal}: ${r.stderr.toString()}`);
  const out = r.stdout;
  const res: Outcome[] = [];
  let p = 0;
  for (let i = 0; i < cases.length; i++) {
    if (p + 56 > out.length) throw new Error(`oracle runner: output truncated at case ${i}`);
    const regs: number[] = [];
    for (let k = 0; k < 8; k++) regs.push(out.readInt32LE(p + 4 * k));
    const o: Outcome = {
      regs, eflags: out.readInt32LE(p + 32), vector: out.readInt32LE(p + 36), errorCode: out.readInt32LE(p + 40),
      eipOffset: out.readInt32LE(p + 44), diff: new Map(),
    };
    const nd = out.readUInt16LE(p + 52);
    p += 56;
    for (let k = 0; k < nd; k++, p += 4) o.diff.set(out.readUInt16LE(p), out.readUInt8(p + 2));
    res.push(o);
  }
  return res;
}

const DPL3 = 3 << 5;
const DATA = ACC_P | ACC_S | ACC_RW | ACC_A | ACC_DB | ACC_G | DPL3;
const CODE_ACC = DATA | ACC_CODE;
/** Natively: 0x23 user CS, 0x2b user DS/SS, 0x63 the TLS selector (ES/FS, base WIN). */
const SELECTORS = [0x63, 0x23, 0x2b, 0x2b, 0x63, 0x63];

/** Runs cases on our core: flat 32-bit protected mode at CPL 3, hosted. */
export class CoreRunner {
  readonly cpu: Cpu;
  private readonly ram: Uint8Array;
  constructor(private readonly base: Uint8Array) {
    const mem = ramOnly(0x200000);
    this.ram = mem.ram;
    this.cpu = createCpu({ memory: mem, hosted: true });
  }

  run(c: OracleCase, count: number = c.insns.length): Outcome {
    const cpu = this.cpu;
    const ram = this.ram;
    const init = initialWindow(this.base, c);
    const code = caseCode(c, count);
    cpu.reset();
    for (const s of [SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS]) {
      cpu.segSel[s] = SELECTORS[s] as number;
      cpu.segBase[s] = s === SEG_ES || s === SEG_FS ? WIN : 0;
      cpu.segLimit[s] = -1;
      cpu.segAcc[s] = s === SEG_CS ? CODE_ACC : DATA;
    }
    cpu.cr0 = CR0_PE | CR0_ET | CR0_NE;
    cpu.cpl = 3;
    for (let k = 0; k < 8; k++) cpu.reg32[k] = c.regs[k] as number;
    cpu.setFlags(c.eflags, -1);
    cpu.eip = CODE;
    ram.set(init, WIN);
    ram.set(code, CODE);
    ram[CODE + code.length] = 0x0f; // UD2: the end marker
    ram[CODE + code.length + 1] = 0x0b;
    const o: Outcome = { regs: [], eflags: 0, vector: -1, errorCode: 0, eipOffset: 0, diff: new Map() };
    try {
      const exit = cpu.run(100_000);
      if (exit === Exit.TRAP) {
        const t = cpu.trap;
        if (!(t.vector === 6 && t.eip === CODE + code.length)) {
          o.vector = t.vector;
          o.errorCode = t.errorCode;
          o.eipOffset = t.eip - CODE;
        }
      } else {
        o.vector = -2;
        o.eipOffset = cpu.eip - CODE;
        o.error = `run() returned exit ${exit}`;
      }
    } catch (e) {
      o.vector = -3;
      o.eipOffset = cpu.eip - CODE;
      o.error = e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 4).join('\n') : String(e);
    }
    for (let k = 0; k < 8; k++) o.regs.push(cpu.reg32[k] as number);
    o.eflags = cpu.getFlags();
    for (let i = 0; i < WSIZE; i++) if (ram[WIN + i] !== init[i]) o.diff.set(i, ram[WIN + i] as number);
    return o;
  }
}

/** Vectors that push an error code. */
const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);
const REG_NAMES = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
const FLAG_NAMES: [number, string][] = [
  [0x1, 'CF'], [0x4, 'PF'], [0x10, 'AF'], [0x40, 'ZF'], [0x80, 'SF'], [0x100, 'TF'], [0x200, 'IF'], [0x400, 'DF'],
  [0x800, 'OF'], [0x3000, 'IOPL'], [0x4000, 'NT'], [0x40000, 'AC'], [0x80000, 'VIF'], [0x100000, 'VIP'], [0x200000, 'ID'],
];

export function flagNames(bits: number): string {
  return FLAG_NAMES.filter(([b]) => (bits & b) !== 0).map(([, n]) => n).join(' ') || '-';
}

/** Instruction start offsets of a case (plus the end). */
export function offsets(c: OracleCase, count: number = c.insns.length): number[] {
  const o = [0];
  for (let i = 0; i < count; i++) o.push((o[i] as number) + (c.insns[i] as { bytes: number[] }).bytes.length);
  return o;
}

/** The undefined-flag mask for the instructions executed (flag-rule.ts). */
export function undefinedMask(c: OracleCase, native: Outcome, count: number = c.insns.length): number {
  const offs = offsets(c, count);
  let u = 0;
  for (let i = 0; i < count; i++) {
    if (native.vector >= 0 && (offs[i] as number) >= native.eipOffset) break;
    u = foldUndefined(u, flagEffect(Uint8Array.from((c.insns[i] as { bytes: number[] }).bytes)));
  }
  return u;
}

const hex = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');
const exitText = (o: Outcome): string =>
  o.vector === -1 ? 'ran to the end' : o.vector === -2 ? `did not finish (${o.error ?? ''}) at +${o.eipOffset}` :
    o.vector === -3 ? `threw at +${o.eipOffset}: ${o.error ?? ''}` : `#${o.vector}${o.errorCode >= 0 ? `(${o.errorCode})` : ''} at +${o.eipOffset}`;

/** Differences between the native and core outcomes (empty: they agree). */
export function compare(c: OracleCase, native: Outcome, core: Outcome, count: number = c.insns.length): string[] {
  const d: string[] = [];
  if (native.vector !== core.vector || native.eipOffset !== core.eipOffset ||
    (native.vector >= 0 && HAS_ERROR_CODE.has(native.vector) && native.errorCode !== core.errorCode)) {
    d.push(`exit: native ${exitText(native)}, core ${exitText(core)}`);
  }
  for (let k = 0; k < 8; k++) {
    if ((native.regs[k] as number) !== (core.regs[k] as number)) {
      d.push(`${REG_NAMES[k]}: native ${hex(native.regs[k] as number)}, core ${hex(core.regs[k] as number)}`);
    }
  }
  const u = undefinedMask(c, native, count);
  const mask = COMPARED_FLAGS & ~u;
  const fx = (native.eflags ^ core.eflags) & mask;
  if (fx !== 0) {
    d.push(`EFLAGS: native ${hex(native.eflags & mask)}, core ${hex(core.eflags & mask)} differ in ${flagNames(fx)} (masked as undefined: ${flagNames(u)})`);
  }
  const offs = new Set([...native.diff.keys(), ...core.diff.keys()]);
  const bad = [...offs].filter((o) => native.diff.get(o) !== core.diff.get(o)).sort((a, b) => a - b);
  if (bad.length > 0) {
    const show = bad.slice(0, 8).map((o) => {
      const f = (v: number | undefined): string => (v === undefined ? 'unchanged' : v.toString(16).padStart(2, '0'));
      return `+${o.toString(16)}: native ${f(native.diff.get(o))} core ${f(core.diff.get(o))}`;
    });
    d.push(`window: ${bad.length} byte(s) differ: ${show.join(', ')}${bad.length > 8 ? ' ...' : ''}`);
  }
  return d;
}

/** Form name of a generated instruction. */
export function formName(bytes: readonly number[]): string {
  return FORMS[flagEffect(Uint8Array.from(bytes)).form]?.name ?? '(bad)';
}

/** The case as readable text: initial state and the disassembly. */
export function describeCase(c: OracleCase, count: number = c.insns.length, mark: number = -1): string {
  const lines: string[] = [];
  lines.push(`  regs: ${c.regs.map((v, k) => `${REG_NAMES[k]}=${hex(v)}`).join(' ')}`);
  lines.push(`  eflags: ${hex(c.eflags)} (${flagNames(c.eflags & 0xfd5)})  window patches: ${c.patches.map(([o, v]) => `+${o.toString(16)}=${hex(v)}`).join(' ')}`);
  const offs = offsets(c, count);
  for (let i = 0; i < count; i++) {
    const ins = c.insns[i] as { bytes: number[]; family: string };
    const insn = decode(Uint8Array.from(ins.bytes), { ip: CODE + (offs[i] as number) });
    const bytes = ins.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`  ${i === mark ? '>>' : '  '} +${(offs[i] as number).toString().padStart(3)}  ${bytes.padEnd(36)} ${formatIntel(insn).padEnd(40)} [${ins.family}]`);
  }
  return lines.join('\n');
}
