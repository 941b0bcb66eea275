// Seeded generator of random user-mode integer instruction sequences, with its own small
// encoder. Every memory access lands in the 4 KiB window (layout.ts): register-based
// addresses are set up by MOVs emitted just before the instruction, 16-bit addressing
// (67 prefix) goes through FS (base = WIN), ES:[E]DI is window-relative. ESP is tracked
// exactly and kept inside the window. See flag-rule.ts for the flag sanitising.

import { flagEffect, foldUndefined } from './flag-rule.js';
import { STACK_TOP, WIN, WSIZE } from './layout.js';

export const FAMILIES = ['alu', 'shift', 'muldiv', 'bcd', 'bit', 'string', 'stack', 'flag', 'cond', 'xchg', 'mov', 'trap'] as const;
export type Family = (typeof FAMILIES)[number];
const WEIGHTS: Record<Family, number> = {
  alu: 14, shift: 12, muldiv: 10, bcd: 6, bit: 8, string: 10, stack: 10, flag: 5, cond: 8, xchg: 8, mov: 8, trap: 2,
};

export interface GenInsn {
  bytes: number[];
  /** Family of the instruction under test, or 'setup' / 'sanitize'. */
  family: string;
}

export interface OracleCase {
  /** EAX ECX EDX EBX ESP EBP ESI EDI. */
  regs: number[];
  eflags: number;
  insns: GenInsn[];
  /** Initial window dwords on top of the base window: [offset, value]. */
  patches: [number, number][];
}

/** xorshift128 PRNG; deterministic per seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0 || 0x9e3779b9;
    const next = (): number => {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }
  u32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T;
  }
}

const EDGES = [
  0, 1, 2, 3, -1, -2, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x7fff, 0x8000, 0x8001, 0xffff, 0x10000, 0x7fffffff,
  0x80000000, 0x80000001, 0xfffffffe, 0x55555555, 0xaaaaaaaa, 0x0f0f0f0f, 0x99, 0x09, 0x0a, 0x10, 0x1f, 0x20,
  0xfffffff0, 0xffff8000, 0xffffff80, 0x12345678,
];

/** A value biased toward edge cases, as an int32. */
export function edgeValue(r: Rng): number {
  const k = r.int(10);
  if (k < 4) return r.pick(EDGES) | 0;
  if (k < 5) return (r.pick(EDGES) + r.range(-2, 2)) | 0;
  if (k < 7) return r.range(-16, 16) | 0;
  if (k < 8) return (r.u32() & r.pick([0xff, 0xffff, 0xff00, 0xffff0000, 0xff00ff])) | 0;
  return r.u32() | 0;
}

const le = (v: number, bytes: number): number[] => {
  const o: number[] = [];
  for (let i = 0; i < bytes; i++) o.push((v >>> (8 * i)) & 0xff);
  return o;
};

/** An r/m operand: a register or a window address with its set-up code. */
interface RmReg {
  kind: 'reg';
  r: number;
}
interface RmMem {
  kind: 'mem';
  /** Window offset the operand addresses. */
  off: number;
  setup: number[][];
  prefix: number[];
  enc: (reg: number) => number[];
}
type Rm = RmReg | RmMem;

interface MemOpts {
  /** Bytes the instruction accesses at the address (room to leave). */
  size?: number;
  /** Registers the address may not use (set up separately by the caller). */
  avoid?: number[];
  /** No ESP-based address (POP m, instructions that move ESP). */
  noEsp?: boolean;
  /** Force 32-bit or 16-bit addressing. */
  ad?: 16 | 32;
  /** Window offset range. */
  lo?: number;
  hi?: number;
}

const movR32 = (r: number, v: number): number[] => [0xb8 + r, ...le(v, 4)];
const movR16 = (r: number, v: number): number[] => [0x66, 0xb8 + r, ...le(v, 2)];
const movR8 = (r: number, v: number): number[] => [0xb0 + r, v & 0xff];

export class Generator {
  readonly rng: Rng;
  private insns: GenInsn[] = [];
  private patches: [number, number][] = [];
  private undef = 0;
  /** ESP as a window offset. */
  private esp = STACK_TOP;
  private readonly families: readonly Family[];
  private readonly total: number;

  constructor(seed: number, families?: readonly Family[]) {
    this.rng = new Rng(seed);
    this.families = families && families.length > 0 ? families : FAMILIES;
    this.total = this.families.reduce((s, f) => s + WEIGHTS[f], 0);
  }

  /** The next case. */
  next(): OracleCase {
    const r = this.rng;
    this.insns = [];
    this.patches = [];
    this.undef = 0;
    this.esp = STACK_TOP - 4 * r.range(-32, 32);
    const regs: number[] = [];
    for (let i = 0; i < 8; i++) regs.push(edgeValue(r));
    regs[4] = (WIN + this.esp) | 0;
    if (r.chance(0.3)) regs[5] = (WIN + this.esp + 4 * r.range(0, 16)) | 0;
    if (r.chance(0.5)) regs[6] = (WIN + r.range(0x100, 0xf00)) | 0;
    if (r.chance(0.5)) regs[7] = r.range(0x100, 0xf00);
    // Arithmetic flags and DF; IF as user mode has it.
    const eflags = (r.u32() & 0x8d5) | (r.chance(0.2) ? 0x400 : 0) | 0x202;
    for (let i = 0; i < 6; i++) this.patches.push([r.int(WSIZE / 4) * 4, edgeValue(r)]);
    const n = r.range(1, 6);
    for (let i = 0; i < n; i++) {
      let k = r.int(this.total);
      let fam: Family = this.families[0] as Family;
      for (const f of this.families) {
        if (k < WEIGHTS[f]) {
          fam = f;
          break;
        }
        k -= WEIGHTS[f];
      }
      this.family(fam);
    }
    return { regs, eflags, insns: this.insns, patches: this.patches };
  }

  // ---- emission -----------------------------------------------------------------------

  private push(bytes: number[], family: string): void {
    const e = flagEffect(Uint8Array.from(bytes));
    if ((!e.ok && family !== 'trap') || e.length !== bytes.length) {
      throw new Error(`oracle generator: bad encoding ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')} (${family})`);
    }
    if ((e.read & this.undef) !== 0) this.sanitize();
    this.insns.push({ bytes, family });
    this.undef = foldUndefined(this.undef, e);
  }

  private sanitize(): void {
    const r = this.rng;
    const bytes = [0x39, 0xc0 | (r.int(8) << 3) | r.int(8)];
    this.insns.push({ bytes, family: 'sanitize' });
    this.undef = foldUndefined(this.undef, flagEffect(Uint8Array.from(bytes)));
  }

  private setup(bytes: number[]): void {
    this.push(bytes, 'setup');
  }

  /** Emits an instruction: set-up code of a memory operand, prefixes, opcode, ModRM, tail. */
  private emit(family: string, pfx: number[], op: number[], rm?: Rm, reg = 0, tail: number[] = []): void {
    if (rm?.kind === 'mem') {
      for (const s of rm.setup) this.setup(s);
      this.push([...pfx, ...rm.prefix, ...op, ...rm.enc(reg), ...tail], family);
    } else if (rm) {
      this.push([...pfx, ...op, 0xc0 | (reg << 3) | rm.r, ...tail], family);
    } else {
      this.push([...pfx, ...op, ...tail], family);
    }
  }

  private patch(off: number, value: number): void {
    if (off >= 0 && off <= WSIZE - 4 && this.patches.length < 200) this.patches.push([off, value | 0]);
  }

  // ---- operands -----------------------------------------------------------------------

  /** A register number; `write` with a 16/32-bit size excludes ESP. */
  private reg(bits: number, write: boolean, avoid: number[] = []): number {
    for (;;) {
      const x = this.rng.int(8);
      if (write && bits !== 8 && x === 4) continue;
      if (avoid.includes(x) || (bits === 8 && avoid.includes(x & 3))) continue;
      return x;
    }
  }

  private mem(o: MemOpts = {}): RmMem {
    const r = this.rng;
    const size = o.size ?? 4;
    const lo = o.lo ?? 0x10;
    const hi = o.hi ?? WSIZE - 0x10 - size;
    const off = r.range(lo, hi);
    if (r.chance(0.5)) this.patch(off & ~3, edgeValue(r));
    const avoid = new Set([4, ...(o.avoid ?? [])]);
    const free = [0, 1, 2, 3, 5, 6, 7].filter((x) => !avoid.has(x));
    const ad = o.ad ?? (r.chance(0.25) ? 16 : 32);
    const setup: number[][] = [];
    if (ad === 16) {
      // FS:[bx+si] ... with the 16-bit offset wrapping to `off`.
      const combos: number[][] = [[3, 6], [3, 7], [5, 6], [5, 7], [6], [7], [5], [3]];
      let rmf: number;
      let regs: number[];
      let tries = 0;
      do {
        rmf = r.int(8);
        regs = combos[rmf] as number[];
        tries++;
      } while (regs.some((x) => !free.includes(x)) && tries < 50);
      let mod = r.int(3);
      if (regs.some((x) => !free.includes(x))) {
        rmf = 6; // [disp16]
        mod = 0;
      }
      const absolute = rmf === 6 && mod === 0;
      const used = absolute ? [] : (combos[rmf] as number[]);
      const disp = mod === 1 ? r.range(-128, 127) : mod === 2 || absolute ? (r.chance(0.5) ? r.u32() & 0xffff : r.range(-300, 300)) : 0;
      let rest = (off - disp) & 0xffff;
      if (absolute) rest = 0;
      const vals: number[] = [];
      for (let i = 0; i < used.length; i++) {
        const v = i === used.length - 1 ? rest : r.u32() & 0xffff;
        vals.push(v);
        rest = (rest - v) & 0xffff;
      }
      used.forEach((x, i) => setup.push(movR16(x, vals[i] as number)));
      const d = absolute ? le(off, 2) : mod === 1 ? le(disp, 1) : mod === 2 ? le(disp, 2) : [];
      return {
        kind: 'mem', off, setup, prefix: [0x67, 0x64],
        enc: (reg) => [(mod << 6) | (reg << 3) | rmf, ...d],
      };
    }
    const target = (WIN + off) | 0;
    const k = r.int(4);
    if (k === 0 || free.length < 2) {
      return { kind: 'mem', off, setup, prefix: [], enc: (reg) => [(reg << 3) | 5, ...le(target, 4)] };
    }
    if (k === 1) {
      const base = r.pick(free);
      const mod = base === 5 ? r.range(1, 2) : r.int(3);
      const disp = mod === 1 ? r.range(-128, 127) : mod === 2 ? edgeValue(r) : 0;
      setup.push(movR32(base, (target - disp) | 0));
      const d = mod === 1 ? le(disp, 1) : mod === 2 ? le(disp, 4) : [];
      return { kind: 'mem', off, setup, prefix: [], enc: (reg) => [(mod << 6) | (reg << 3) | base, ...d] };
    }
    // SIB: base (or none, or ESP) + index * scale + disp.
    const index = r.pick(free);
    const scale = r.int(4);
    const iv = r.chance(0.5) ? r.range(-64, 64) : edgeValue(r);
    setup.push(movR32(index, iv));
    const espBase = !o.noEsp && r.chance(0.25);
    const noBase = !espBase && r.chance(0.25);
    const base = espBase ? 4 : noBase ? 5 : r.pick(free.filter((x) => x !== index));
    const mod = noBase ? 0 : base === 5 ? r.range(1, 2) : r.int(3);
    const disp = noBase || mod === 2 ? edgeValue(r) : mod === 1 ? r.range(-128, 127) : 0;
    const scaled = Math.imul(iv, 1 << scale);
    if (noBase) {
      const d32 = (target - scaled) | 0;
      return { kind: 'mem', off, setup, prefix: [], enc: (reg) => [(reg << 3) | 4, (scale << 6) | (index << 3) | 5, ...le(d32, 4)] };
    }
    if (espBase) {
      // ESP is known: fold everything into a disp32.
      const d32 = (target - (WIN + this.esp) - scaled) | 0;
      return { kind: 'mem', off, setup, prefix: [], enc: (reg) => [0x80 | (reg << 3) | 4, (scale << 6) | (index << 3) | 4, ...le(d32, 4)] };
    }
    setup.push(movR32(base, (target - scaled - disp) | 0));
    const d = mod === 1 ? le(disp, 1) : mod === 2 ? le(disp, 4) : [];
    return { kind: 'mem', off, setup, prefix: [], enc: (reg) => [(mod << 6) | (reg << 3) | 4, (scale << 6) | (index << 3) | base, ...d] };
  }

  /** An r/m operand: register (write: not ESP) or memory. */
  private rm(bits: number, write: boolean, o: MemOpts = {}): Rm {
    if (this.rng.chance(0.5)) return { kind: 'reg', r: this.reg(bits, write, o.avoid) };
    return this.mem({ size: bits >> 3, ...o });
  }

  private bits(with8 = true): number {
    return this.rng.pick(with8 ? [8, 16, 32, 32] : [16, 32, 32]);
  }

  private osz(bits: number): number[] {
    return bits === 16 ? [0x66] : [];
  }

  private imm(bits: number, v: number): number[] {
    return le(v, bits >> 3);
  }

  private countValue(bits: number): number {
    const r = this.rng;
    return r.chance(0.7) ? r.pick([0, 1, 2, bits - 1, bits, bits + 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 255]) & 0xff : r.int(256);
  }

  // ---- families -----------------------------------------------------------------------

  private family(f: Family): void {
    switch (f) {
      case 'alu': return this.alu();
      case 'shift': return this.shift();
      case 'muldiv': return this.muldiv();
      case 'bcd': return this.bcd();
      case 'bit': return this.bit();
      case 'string': return this.string();
      case 'stack': return this.stack();
      case 'flag': return this.flag();
      case 'cond': return this.cond();
      case 'xchg': return this.xchg();
      case 'mov': return this.mov();
      case 'trap': return this.trap();
    }
  }

  private alu(): void {
    const r = this.rng;
    const op = r.int(8);
    const bits = this.bits();
    const w = bits === 8 ? 0 : 1;
    const p = this.osz(bits);
    const writes = op !== 7;
    const iv = edgeValue(r);
    switch (r.int(7)) {
      case 0: {
        const rm = this.rm(bits, writes);
        const lock = writes && rm.kind === 'mem' && r.chance(0.15) ? [0xf0] : [];
        return this.emit('alu', [...lock, ...p], [op * 8 + w], rm, this.reg(bits, false));
      }
      case 1:
        return this.emit('alu', p, [op * 8 + 2 + w], this.rm(bits, false), this.reg(bits, writes));
      case 2:
        return this.emit('alu', p, [op * 8 + 4 + w], undefined, 0, this.imm(bits, iv));
      case 3: {
        const rm = this.rm(bits, writes);
        const lock = writes && rm.kind === 'mem' && r.chance(0.15) ? [0xf0] : [];
        if (bits !== 8 && r.chance(0.5)) return this.emit('alu', [...lock, ...p], [0x83], rm, op, [iv & 0xff]);
        if (bits === 8 && r.chance(0.2)) return this.emit('alu', [...lock, ...p], [0x82], rm, op, [iv & 0xff]);
        return this.emit('alu', [...lock, ...p], [0x80 + w], rm, op, this.imm(bits, iv));
      }
      case 4: // INC / DEC
        if (bits !== 8 && r.chance(0.4)) return this.emit('alu', p, [(r.chance(0.5) ? 0x40 : 0x48) + this.reg(bits, true)]);
        return this.emit('alu', p, [0xfe + w], this.rm(bits, true), r.int(2));
      case 5: // NOT / NEG
        return this.emit('alu', p, [0xf6 + w], this.rm(bits, true), 2 + r.int(2));
      default: // TEST
        if (r.chance(0.3)) return this.emit('alu', p, [0xa8 + w], undefined, 0, this.imm(bits, iv));
        if (r.chance(0.5)) return this.emit('alu', p, [0xf6 + w], this.rm(bits, false), 0, this.imm(bits, iv));
        return this.emit('alu', p, [0x84 + w], this.rm(bits, false), this.reg(bits, false));
    }
  }

  private shift(): void {
    const r = this.rng;
    if (r.chance(0.2)) {
      // SHLD / SHRD
      const bits = r.chance(0.5) ? 16 : 32;
      let count = this.countValue(bits);
      if (bits === 16 && (count & 31) > 16) count = r.pick([0, 1, 15, 16, 32, 33, 48]); // > 16: undefined result
      const byCl = r.chance(0.5);
      const rm = this.rm(bits, true, { avoid: byCl ? [1] : [] });
      if (byCl) this.setup(movR8(1, count));
      const src = this.reg(bits, false, []);
      const base = r.chance(0.5) ? 0xa4 : 0xac;
      return this.emit('shift', this.osz(bits), [0x0f, base + (byCl ? 1 : 0)], rm, src, byCl ? [] : [count]);
    }
    const bits = this.bits();
    const w = bits === 8 ? 0 : 1;
    const sub = r.pick([0, 1, 2, 3, 4, 5, 7]);
    const k = r.int(3);
    if (k === 0) return this.emit('shift', this.osz(bits), [0xd0 + w], this.rm(bits, true), sub);
    const count = this.countValue(bits);
    if (k === 1) return this.emit('shift', this.osz(bits), [0xc0 + w], this.rm(bits, true), sub, [count]);
    const rm = this.rm(bits, true, { avoid: [1] });
    this.setup(movR8(1, count));
    return this.emit('shift', this.osz(bits), [0xd2 + w], rm, sub);
  }

  private muldiv(): void {
    const r = this.rng;
    const bits = this.bits();
    const w = bits === 8 ? 0 : 1;
    const p = this.osz(bits);
    const k = r.int(6);
    if (k >= 4 && bits !== 8) {
      // IMUL Gv,Ev / Gv,Ev,Iz / Gv,Ev,Ib
      const dst = this.reg(bits, true);
      const rm = this.rm(bits, false);
      if (k === 4) return this.emit('muldiv', p, [0x0f, 0xaf], rm, dst);
      if (r.chance(0.5)) return this.emit('muldiv', p, [0x6b], rm, dst, [edgeValue(r) & 0xff]);
      return this.emit('muldiv', p, [0x69], rm, dst, this.imm(bits, edgeValue(r)));
    }
    const sub = 4 + r.int(4); // MUL IMUL DIV IDIV
    const rm = this.rm(bits, false, { avoid: [0, 2] });
    if (sub >= 6) {
      // Dividends that often do not overflow, and divisors with edge values.
      if (bits === 8) this.setup(movR16(0, r.chance(0.5) ? r.int(0x800) : edgeValue(r)));
      else {
        if (r.chance(0.5)) this.setup(movR32(0, edgeValue(r)));
        this.setup(movR32(2, r.pick([0, 0, -1, 1, r.int(16), edgeValue(r)])));
      }
      if (rm.kind === 'reg' && (bits === 8 || rm.r !== 4) && r.chance(0.6)) {
        const v = r.pick([0, 1, -1, 2, 3, 7, 10, 0x7f, 0x80, 0x7fff, 0x8000, 0x7fffffff, edgeValue(r), r.u32() | 0]);
        if (bits === 8) this.setup(movR8(rm.r, v));
        else this.setup(movR32(rm.r, v));
      }
    }
    return this.emit('muldiv', p, [0xf6 + w], rm, sub);
  }

  private bcd(): void {
    const r = this.rng;
    if (r.chance(0.5)) this.setup(movR16(0, r.chance(0.5) ? r.int(0x1000) : r.u32() & 0xffff));
    if (r.chance(0.5)) {
      // A BCD-style add/sub to set AF and CF from real digits.
      const op = r.pick([0x04, 0x2c, 0x14, 0x1c]);
      this.emit('bcd', [], [op], undefined, 0, [r.pick([r.int(0x100), 0x09, 0x99, 0x01, 0x10, 0x66])]);
    }
    const k = r.int(6);
    if (k < 4) return this.emit('bcd', [], [[0x27, 0x2f, 0x37, 0x3f][k] as number]);
    const base = r.chance(0.6) ? 10 : r.pick([0, 1, 2, 7, 16, 0xff, r.int(256)]);
    return this.emit('bcd', [], [k === 4 ? 0xd4 : 0xd5], undefined, 0, [base]);
  }

  private bit(): void {
    const r = this.rng;
    const bits = r.chance(0.5) ? 16 : 32;
    const p = this.osz(bits);
    const k = r.int(4);
    if (k === 0) {
      // BT/BTS/BTR/BTC Ev,Gv: a memory operand's bit offset reaches beyond it.
      const src = this.reg(bits, true);
      const op = r.pick([0xa3, 0xab, 0xb3, 0xbb]);
      const rm = this.rm(bits, op !== 0xa3, { avoid: [src], lo: 0x100, hi: 0xef0 });
      if (rm.kind === 'mem') this.setup(movR32(src, r.range(-512, 511)));
      return this.emit('bit', op !== 0xa3 && rm.kind === 'mem' && r.chance(0.1) ? [0xf0, ...p] : p, [0x0f, op], rm, src);
    }
    if (k === 1) {
      const sub = 4 + r.int(4);
      return this.emit('bit', p, [0x0f, 0xba], this.rm(bits, sub !== 4), sub, [this.countValue(bits)]);
    }
    // BSF / BSR
    const rm = this.rm(bits, false);
    if (rm.kind === 'reg' && rm.r !== 4 && r.chance(0.3)) this.setup(movR32(rm.r, r.pick([0, 0x80000000, 1, 0x8000, 0x10000])));
    return this.emit('bit', p, [0x0f, r.chance(0.5) ? 0xbc : 0xbd], rm, this.reg(bits, true));
  }

  private string(): void {
    const r = this.rng;
    const bits = this.bits();
    const w = bits === 8 ? 0 : 1;
    const kind = r.pick(['movs', 'cmps', 'stos', 'lods', 'scas'] as const);
    const op = { movs: 0xa4, cmps: 0xa6, stos: 0xaa, lods: 0xac, scas: 0xae }[kind] + w;
    const flagsToo = kind === 'cmps' || kind === 'scas';
    const rep = r.chance(0.25) ? [] : flagsToo ? [r.pick([0xf3, 0xf2])] : [0xf3];
    const a16 = r.chance(0.3);
    const usesSrc = kind === 'movs' || kind === 'cmps' || kind === 'lods';
    const fsSrc = usesSrc && (a16 || r.chance(0.3));
    const n = r.chance(0.8) ? r.int(8) : r.pick([0, 1, 16]);
    const srcOff = r.range(0x100, 0xf00);
    const dstOff = r.chance(0.15) ? srcOff + r.range(-8, 8) : r.range(0x100, 0xf00);
    this.setup([r.chance(0.5) ? 0xfc : 0xfd]);
    if (a16) {
      this.setup(movR16(1, n));
      if (usesSrc) this.setup(movR16(6, srcOff));
      this.setup(movR16(7, dstOff));
    } else {
      this.setup(movR32(1, n));
      if (usesSrc) this.setup(movR32(6, fsSrc ? srcOff : WIN + srcOff));
      this.setup(movR32(7, dstOff));
    }
    if (flagsToo) {
      // Mostly-equal data so REPE/REPNE runs a while.
      const v = edgeValue(r);
      if (kind === 'scas') this.setup(movR32(0, v));
      const span = (n + 4) * (bits >> 3);
      for (let i = -span; i < span; i += 4) {
        const x = r.chance(0.85) ? v : edgeValue(r);
        const d = bits === 8 ? Math.imul(x & 0xff, 0x01010101) : bits === 16 ? Math.imul(x & 0xffff, 0x10001) : x;
        this.patch(dstOff + i, d);
        if (kind === 'cmps') this.patch(srcOff + i, r.chance(0.9) ? d : edgeValue(r));
      }
    }
    return this.emit('string', [...rep, ...this.osz(bits), ...(a16 ? [0x67] : []), ...(fsSrc ? [0x64] : [])], [op]);
  }

  private stackGuard(): void {
    if (this.esp < 0x300 || this.esp > 0xd00) {
      this.esp = STACK_TOP;
      this.setup(movR32(4, WIN + STACK_TOP));
    }
  }

  private stack(): void {
    const r = this.rng;
    this.stackGuard();
    const bits = r.chance(0.25) ? 16 : 32;
    const p = this.osz(bits);
    const sz = bits >> 3;
    switch (r.int(10)) {
      case 0:
        this.emit('stack', p, [0x50 + r.int(8)]);
        this.esp -= sz;
        return;
      case 1:
        this.emit('stack', p, [0x58 + this.reg(bits, true)]);
        this.esp += sz;
        return;
      case 2:
        if (r.chance(0.5)) this.emit('stack', p, [0x6a], undefined, 0, [edgeValue(r) & 0xff]);
        else this.emit('stack', p, [0x68], undefined, 0, this.imm(bits, edgeValue(r)));
        this.esp -= sz;
        return;
      case 3:
        this.emit('stack', p, [0xff], this.mem({ size: sz }), 6);
        this.esp -= sz;
        return;
      case 4:
        this.emit('stack', p, [0x8f], this.mem({ size: sz, noEsp: true }), 0);
        this.esp += sz;
        return;
      case 5:
        if (r.chance(0.5)) {
          this.emit('stack', p, [0x60]);
          this.esp -= 8 * sz;
        } else {
          this.emit('stack', p, [0x61]);
          this.esp += 8 * sz;
        }
        return;
      case 6:
        this.emit('stack', p, [0x9c]);
        this.esp -= sz;
        return;
      case 7: {
        // POPF of a chosen value: arithmetic flags and DF, plus bits user mode cannot or
        // may change (IF, IOPL, VIF, VIP, RF, VM, ID); never TF, AC or NT.
        const v = (r.u32() & 0x8d5) | (r.chance(0.3) ? 0x400 : 0) | (r.u32() & (0x200 | 0x3000 | 0x1b0000 | 0x200000));
        this.emit('stack', p, [0x68], undefined, 0, this.imm(bits, v));
        this.emit('stack', p, [0x9d]);
        return;
      }
      default: {
        // ENTER (nesting 0..5) and/or LEAVE, with EBP in the window.
        const ebp = this.esp + 4 * r.range(-8, 8);
        this.setup(movR32(5, WIN + ebp));
        if (r.chance(0.7)) {
          const size = r.chance(0.5) ? r.pick([0, 1, 2, 4, 8]) : r.int(64);
          const levelByte = r.chance(0.5) ? r.int(6) : r.pick([0, 1, 32, 33, 255]);
          const level = levelByte & 31;
          this.emit('stack', p, [0xc8], undefined, 0, [size & 0xff, size >> 8, levelByte]);
          const frame = this.esp - sz;
          this.esp -= sz * (1 + level) + size;
          if (r.chance(0.6)) {
            this.emit('stack', p, [0xc9]);
            this.esp = frame + sz;
          }
        } else {
          this.emit('stack', p, [0xc9]);
          this.esp = ebp + sz;
        }
        return;
      }
    }
  }

  private flag(): void {
    const r = this.rng;
    const k = r.int(9);
    if (k < 5) return this.emit('flag', [], [[0xf8, 0xf9, 0xf5, 0xfc, 0xfd][k] as number]);
    if (k === 5) return this.emit('flag', [], [0x9f]);
    if (k === 6) {
      if (r.chance(0.5)) this.setup(movR8(4, r.u32()));
      return this.emit('flag', [], [0x9e]);
    }
    if (k === 7) {
      this.emit('flag', [], [r.pick([0x04, 0x2c, 0x3c])], undefined, 0, [edgeValue(r) & 0xff]);
      return this.emit('flag', [], [0x9f]);
    }
    return this.emit('flag', [], [r.pick([0xf8, 0xf9, 0xf5])]);
  }

  private cond(): void {
    const r = this.rng;
    if (r.chance(0.6)) {
      const bits = this.bits();
      const w = bits === 8 ? 0 : 1;
      const op = r.pick([0x38, 0x00, 0x28, 0x84, 0x20]);
      this.emit('cond', this.osz(bits), [op + w], { kind: 'reg', r: this.reg(bits, true) }, this.reg(bits, false));
    }
    const cc = r.int(16);
    if (r.chance(0.5)) return this.emit('cond', [], [0x0f, 0x90 + cc], this.rm(8, true), 0);
    const bits = r.chance(0.3) ? 16 : 32;
    return this.emit('cond', this.osz(bits), [0x0f, 0x40 + cc], this.rm(bits, false), this.reg(bits, true));
  }

  private xchg(): void {
    const r = this.rng;
    const k = r.int(7);
    if (k === 6) {
      // BSWAP
      return this.emit('xchg', [], [0x0f, 0xc8 + this.reg(32, true)]);
    }
    if (k === 5) {
      // CMPXCHG8B m64, equal half the time.
      const m = this.mem({ size: 8 });
      if (r.chance(0.5)) {
        this.setup([0x89, 0x05, ...le(WIN + m.off, 4)]);
        this.setup([0x89, 0x15, ...le(WIN + m.off + 4, 4)]);
      }
      return this.emit('xchg', r.chance(0.2) ? [0xf0] : [], [0x0f, 0xc7], { ...m, setup: m.setup }, 1);
    }
    const bits = this.bits();
    const w = bits === 8 ? 0 : 1;
    const p = this.osz(bits);
    if (k === 0 && bits !== 8) return this.emit('xchg', p, [0x90 + this.reg(bits, true)]);
    if (k <= 1) return this.emit('xchg', p, [0x86 + w], this.rm(bits, true), this.reg(bits, true));
    if (k === 2) {
      const rm = this.rm(bits, true);
      return this.emit('xchg', rm.kind === 'mem' && r.chance(0.2) ? [0xf0, ...p] : p, [0x0f, 0xc0 + w], rm, this.reg(bits, true));
    }
    // CMPXCHG, equal half the time.
    const rm = this.rm(bits, true);
    const src = this.reg(bits, false);
    if (r.chance(0.5)) {
      if (rm.kind === 'reg') this.setup([...p, 0x88 + w, 0xc0 | (0 << 3) | rm.r]);
      else {
        for (const s of rm.setup) this.setup(s);
        this.setup([...p, ...rm.prefix, 0x88 + w, ...rm.enc(0)]);
        return this.emit('xchg', r.chance(0.2) ? [0xf0, ...p] : p, [0x0f, 0xb0 + w], { ...rm, setup: [] }, src);
      }
    }
    return this.emit('xchg', rm.kind === 'mem' && r.chance(0.2) ? [0xf0, ...p] : p, [0x0f, 0xb0 + w], rm, src);
  }

  private mov(): void {
    const r = this.rng;
    const k = r.int(9);
    if (k === 0 || k === 1) {
      // MOVZX / MOVSX
      const bits = r.chance(0.3) ? 16 : 32;
      const srcBits = r.chance(0.5) ? 8 : 16;
      const op = (k === 0 ? 0xb6 : 0xbe) + (srcBits === 16 ? 1 : 0);
      return this.emit('mov', this.osz(bits), [0x0f, op], this.rm(srcBits, false), this.reg(bits, true));
    }
    if (k === 2) {
      // LEA: any registers, 16- or 32-bit address and operand size; no memory access.
      const bits = r.chance(0.3) ? 16 : 32;
      const m = r.chance(0.3) ? this.mem({ ad: 16 }) : this.mem({ ad: 32 });
      const dst = this.reg(bits, true);
      return this.emit('mov', this.osz(bits), [0x8d], { ...m, prefix: m.prefix.filter((b) => b !== 0x64) }, dst);
    }
    const bits = this.bits();
    const w = bits === 8 ? 0 : 1;
    const p = this.osz(bits);
    if (k === 3) return this.emit('mov', p, [0x88 + w], this.rm(bits, true), this.reg(bits, false));
    if (k === 4) return this.emit('mov', p, [0x8a + w], this.rm(bits, false), this.reg(bits, true));
    if (k === 5) {
      if (r.chance(0.5)) return this.emit('mov', p, [0xc6 + w], this.rm(bits, true), 0, this.imm(bits, edgeValue(r)));
      return this.emit('mov', p, [(bits === 8 ? 0xb0 : 0xb8) + this.reg(bits, true)], undefined, 0, this.imm(bits, edgeValue(r)));
    }
    if (k === 6) {
      // MOV AL/eAX <-> moffs (32-bit, or 16-bit through FS)
      const off = r.range(0x10, 0xff0);
      const store = r.chance(0.5) ? 2 : 0;
      if (r.chance(0.3)) return this.emit('mov', [...p, 0x67, 0x64], [0xa0 + store + w], undefined, 0, le(off, 2));
      return this.emit('mov', p, [0xa0 + store + w], undefined, 0, le(WIN + off, 4));
    }
    if (k === 7) return this.emit('mov', this.osz(r.chance(0.5) ? 16 : 32), [r.chance(0.5) ? 0x98 : 0x99]);
    // XLAT
    const off = r.range(0, 0xef0);
    if (r.chance(0.3)) {
      this.setup(movR16(3, off));
      return this.emit('mov', [0x67, 0x64], [0xd7]);
    }
    this.setup(movR32(3, WIN + off));
    return this.emit('mov', [], [0xd7]);
  }

  private trap(): void {
    const r = this.rng;
    switch (r.int(7)) {
      case 0:
        if (r.chance(0.5)) this.emit('trap', [], [0x04], undefined, 0, [r.pick([0x7f, 0x80, 1, 0])]);
        return this.emit('trap', [], [0xce]);
      case 1:
        return this.emit('trap', [], [0xcc]);
      case 2: {
        // BOUND r, m: in range or not.
        const bits = r.chance(0.3) ? 16 : 32;
        const dst = this.reg(bits, true);
        const m = this.mem({ size: 8, avoid: [dst] });
        const lo = edgeValue(r);
        const hi = r.chance(0.7) ? (lo + r.int(100)) | 0 : edgeValue(r);
        if (bits === 32) {
          this.patch(m.off, lo);
          this.patch(m.off + 4, hi);
        } else {
          this.patch(m.off, (lo & 0xffff) | (hi << 16));
        }
        this.setup(movR32(dst, r.chance(0.6) ? (lo + r.range(-1, 101)) | 0 : edgeValue(r)));
        return this.emit('trap', this.osz(bits), [0x62], m, dst);
      }
      case 3:
        return this.emit('trap', [], [r.pick([0xfa, 0xfb, 0xf4])]);
      case 4:
        return this.emit('trap', [], [0x0f, 0x0b]);
      case 5:
        return this.emit('trap', [], [0xf0, 0x01, 0xc0 | r.int(64)]);
      default:
        return this.emit('trap', [], [0x0f, 0xc7, 0xc8 | r.int(8)]);
    }
  }
}

/** The code bytes of a case. */
export function caseCode(c: OracleCase, count: number = c.insns.length): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(...(c.insns[i] as GenInsn).bytes);
  return Uint8Array.from(out);
}

/** The base window contents for a run (from its seed). */
export function baseWindow(seed: number): Uint8Array {
  const r = new Rng(seed ^ 0x5a5a1234);
  const w = new Uint8Array(WSIZE);
  for (let i = 0; i < WSIZE; i += 4) {
    const v = edgeValue(r);
    w[i] = v;
    w[i + 1] = v >> 8;
    w[i + 2] = v >> 16;
    w[i + 3] = v >> 24;
  }
  return w;
}
