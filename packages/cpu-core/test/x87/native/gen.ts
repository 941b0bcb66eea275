// Edge-biased case generator for the x87 native cross-check (see x87native.c for the line
// format). Deterministic for a given seed.

export interface Case {
  op: string;
  cw: number;
  a: string;
  b: string;
}

let seed = 1;
function rnd(): number {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed;
}
function pick(n: number): number {
  return rnd() % n;
}
function h(v: number, n: number): string {
  return (v >>> 0).toString(16).padStart(n, '0').slice(-n);
}

const HALF_PATTERNS = [0x00000000, 0x00000400, 0x000003ff, 0x00000401, 0x00000800, 0x000007ff, 0x80000000, 0x7fffffff, 0x80000001, 0xffffffff, 0x00000001];

function sigRandom(): [number, number] {
  switch (pick(8)) {
    case 0: return [0x80000000, 0];
    case 1: return [0xffffffff, 0xffffffff];
    case 2: return [(0x80000000 | (rnd() & 0xffffff00) | [0x80, 0x7f, 0x81, 0x00, 0xff][pick(5)]!) >>> 0, 0];
    case 3: return [(0x80000000 | rnd()) >>> 0, HALF_PATTERNS[pick(HALF_PATTERNS.length)]!];
    case 4: return [(0x80000000 | rnd()) >>> 0, (rnd() & 0xfffff800) | [0x400, 0x3ff, 0x401, 0, 0x7ff][pick(5)]!];
    case 5: return [0xffffffff, (0xffffffff - pick(0x1000)) >>> 0];
    default: return [(0x80000000 | rnd()) >>> 0, rnd()];
  }
}

function expNear(): number {
  switch (pick(10)) {
    case 0: return 1 + pick(70);
    case 1: return 0x7ffe - pick(70);
    case 2: return 16383 - 126 + pick(5) - 30 + pick(60);
    case 3: return 16383 - 1022 - 60 + pick(70);
    case 4: return 16383 + 127 - 3 + pick(6);
    case 5: return 16383 + 1023 - 3 + pick(6);
    case 6: return 16383 + pick(70) - 5;
    default: return 16383 - 200 + pick(400);
  }
}

export function f80(): string {
  const s = pick(2) << 15;
  const [hi, lo] = sigRandom();
  switch (pick(24)) {
    case 0: return h(s, 4) + '0000000000000000';
    case 1: return h(s, 4) + h(rnd() >>> pick(32) & 0x7fffffff, 8) + h(rnd(), 8); // denormal
    case 2: return h(s, 4) + h(hi | 0x80000000, 8) + h(lo, 8); // pseudo-denormal
    case 3: return h(s | (1 + pick(0x7ffe)), 4) + h(hi & 0x7fffffff, 8) + h(lo, 8); // unnormal
    case 4: return h(s | 0x7fff, 4) + '8000000000000000';
    case 5: return h(s | 0x7fff, 4) + h(0xc0000000 | rnd(), 8) + h(rnd(), 8); // QNaN
    case 6: return h(s | 0x7fff, 4) + h((0x80000000 | (rnd() & 0x3fffffff) | 1) >>> 0, 8) + h(rnd(), 8); // SNaN
    case 7: return h(s | 0x7fff, 4) + h(rnd() & 0x7fffffff, 8) + h(rnd(), 8); // pseudo-NaN/inf
    case 8: return h(s | 0x7ffe, 4) + 'ffffffffffffffff';
    case 9: return h(s | 1, 4) + '8000000000000000';
    case 10: return h(s, 4) + h(0x7fffffff, 8) + 'ffffffff';
    case 11: return h(s, 4) + h(pick(4) === 0 ? 0 : rnd() >>> (1 + pick(31)), 8) + h(rnd() >>> pick(32), 8);
    case 12: return 'ffffc000000000000000';
    default: return h(s | expNear(), 4) + h(hi, 8) + h(lo, 8);
  }
}

/** A second operand related to the first (same exponent, neighbour significand) or fresh. */
function f80b(a: string): string {
  const e = parseInt(a.slice(0, 4), 16);
  switch (pick(5)) {
    case 0: {
      const lo = (parseInt(a.slice(12), 16) + pick(5) - 2) >>> 0;
      return h(e ^ (pick(2) << 15), 4) + a.slice(4, 12) + h(lo, 8);
    }
    case 1: return h(((e & 0x8000) | ((e & 0x7fff) + pick(130) - 65)) & 0xffff, 4) + h(0x80000000 | rnd(), 8) + h(rnd(), 8);
    default: return f80();
  }
}

function cw(op: string): number {
  const rc = pick(4), pc = [0, 2, 3, 3, 1][pick(5)]!;
  let mask = 0x3f;
  if (pick(4) === 0) mask = rnd() & 0x3f;
  if (op === 'xam' || op === 'chs' || op === 'abs') mask = 0x3f;
  return (rc << 10) | (pc << 8) | 0x40 | mask;
}

export const OPS = ['add', 'sub', 'mul', 'div', 'sqrt', 'rndint', 'scale', 'prem', 'prem1', 'xtract', 'com', 'ucom', 'tst', 'xam',
  'fist16', 'fist32', 'fist64', 'fild', 'flds', 'fldl', 'fsts', 'fstl', 'fbld', 'fbstp'] as const;

function bcd(): string {
  let s = h(pick(2) === 0 ? 0 : 0x80, 2);
  const nd = pick(19);
  for (let i = 0; i < 18; i++) s += i < 18 - nd ? '0' : String(pick(10));
  return s;
}

export function generate(n: number, s = 12345): Case[] {
  seed = s;
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const op = OPS[i % OPS.length]!;
    const a = f80();
    let b = '-';
    let aa = a;
    if (['add', 'sub', 'mul', 'div', 'prem', 'prem1', 'com', 'ucom'].includes(op)) b = f80b(a);
    else if (op === 'scale') b = pick(2) === 0 ? h(pick(2) << 15 | (16383 + pick(16)), 4) + h(0x80000000 | rnd(), 8) + h(rnd(), 8) : f80();
    else if (op === 'fild') aa = h(rnd() >>> pick(32), 8) + h(rnd() >>> pick(32), 8);
    else if (op === 'flds') aa = h(pick(3) === 0 ? rnd() & 0x807fffff : pick(3) === 0 ? rnd() | 0x7f800000 : rnd(), 8);
    else if (op === 'fldl') aa = h(pick(3) === 0 ? rnd() & 0x800fffff : pick(3) === 0 ? rnd() | 0x7ff00000 : rnd(), 8) + h(rnd(), 8);
    else if (op === 'fbld') aa = bcd();
    else if (op === 'fist16' || op === 'fist32' || op === 'fist64' || op === 'fbstp') {
      if (pick(2) === 0) {
        const lim = op === 'fist16' ? 15 : op === 'fist32' ? 31 : op === 'fist64' ? 63 : 60;
        aa = h(pick(2) << 15 | (16383 + lim - 3 + pick(5) - (pick(2) ? pick(lim) : 0)), 4) + h(pick(3) === 0 ? 0x80000000 : 0x80000000 | rnd(), 8) + h(pick(2) ? 0 : rnd(), 8);
      }
    }
    out.push({ op, cw: cw(op), a: aa, b });
  }
  return out;
}
