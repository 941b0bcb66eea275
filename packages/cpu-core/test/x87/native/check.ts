// Runs generated cases natively (x87native.c, built into node_modules/.cache) and through
// float80.ts, and reports mismatches. Used by test/x87/float80.test.ts and runnable alone:
//   npx tsx test/x87/native/check.ts [count] [seed]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fp from '../../../src/x87/float80.ts';
import { F80, FpCtx } from '../../../src/x87/types.ts';
import { generate, type Case } from './gen.ts';

const here = dirname(fileURLToPath(import.meta.url));
const CACHE = join(here, '../../../node_modules/.cache');
const BIN = join(CACHE, 'x87native');
const SRC = join(here, 'x87native.c');
export const CC = 'i686-linux-gnu-gcc';

export function hasCompiler(): boolean {
  try {
    execFileSync(CC, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function buildNative(): string {
  if (!existsSync(BIN) || statSync(BIN).mtimeMs < statSync(SRC).mtimeMs) {
    mkdirSync(CACHE, { recursive: true });
    execFileSync(CC, ['-static', '-O2', '-m32', '-o', BIN, SRC]);
  }
  return BIN;
}

function rd(s: string, f: F80): F80 {
  f.se = parseInt(s.slice(0, 4), 16); f.hi = parseInt(s.slice(4, 12), 16) >>> 0; f.lo = parseInt(s.slice(12, 20), 16) >>> 0;
  return f;
}
function hx(f: F80): string {
  return f.se.toString(16).padStart(4, '0') + (f.hi >>> 0).toString(16).padStart(8, '0') + (f.lo >>> 0).toString(16).padStart(8, '0');
}
function h(v: number, n: number): string {
  return (v >>> 0).toString(16).padStart(n, '0');
}

export interface Mismatch { c: Case; want: string; got: string }

/** Our answer in the native output format "R1 R2 SW" (SW: only the bits we model). */
export function ours(c: Case): { line: string; swMask: number } {
  const ctx = new FpCtx();
  ctx.rc = (c.cw >> 10) & 3;
  ctx.pc = (c.cw >> 8) & 3;
  if (ctx.pc === 1) ctx.pc = 3;
  ctx.mask = c.cw & 0x3f;
  const a = new F80(), b = new F80(), r1 = new F80(), r2 = new F80();
  const res = new Uint32Array(2);
  const bytes = new Uint8Array(10);
  let R1 = '-', R2 = '-';
  let cc = 0;
  let swMask = 0x3f | 0x200; // flags and C1
  const unmaskedFault = (): boolean => (ctx.flags & ~ctx.mask & (0x01 | 0x02 | 0x04)) !== 0;
  switch (c.op) {
    case 'add': case 'sub': case 'mul': case 'div': case 'scale': {
      const f = c.op === 'add' ? fp.add : c.op === 'sub' ? fp.sub : c.op === 'mul' ? fp.mul : c.op === 'div' ? fp.div : fp.scale;
      const ok = f(ctx, rd(c.a, a), rd(c.b, b), r1);
      R1 = ok && !unmaskedFault() ? hx(r1) : '*';
      break;
    }
    case 'prem': case 'prem1': {
      const v = (c.op === 'prem' ? fp.prem : fp.prem1)(ctx, rd(c.a, a), rd(c.b, b), r1);
      R1 = v >= 0 ? hx(r1) : '*';
      // No quotient (v < 0 or CC_NOQ): C1 = C2 = 0, C0 C3 unchanged (0 after the native FNINIT).
      cc = v >= 0 ? v & ~fp.CC_NOQ : 0;
      swMask |= 0x4500;
      if (v >= 0 && (v & fp.CC_C2) !== 0) swMask &= ~0x4300; // SDM: C0 C3 C1 undefined when incomplete
      break;
    }
    case 'sqrt': case 'rndint': {
      const ok = (c.op === 'sqrt' ? fp.sqrt : fp.roundInt)(ctx, rd(c.a, a), r1);
      R1 = ok ? hx(r1) : '*';
      break;
    }
    case 'xtract': {
      const ok = fp.extract(ctx, rd(c.a, a), r1, r2);
      R1 = ok ? hx(r1) : '*'; R2 = ok ? hx(r2) : '*';
      break;
    }
    case 'com': case 'ucom': case 'tst': {
      if (c.op === 'tst') b.se = 0; else rd(c.b, b);
      const v = fp.compare(ctx, rd(c.a, a), b, c.op === 'ucom');
      if (v >= 0) { cc = v; swMask |= 0x4500; }
      break;
    }
    case 'xam':
      cc = fp.classify(rd(c.a, a), false);
      swMask = 0x4700;
      break;
    case 'fist16': case 'fist32': case 'fist64': {
      const bits = c.op === 'fist16' ? 16 : c.op === 'fist32' ? 32 : 64;
      const ok = fp.toInt(ctx, rd(c.a, a), bits, res);
      R1 = !ok ? '*' : bits === 64 ? h(res[1]!, 8) + h(res[0]!, 8) : bits === 32 ? h(res[0]!, 16) : h(res[0]!, 16);
      break;
    }
    case 'fild': {
      fp.fromInt(ctx, parseInt(c.a.slice(8), 16) >>> 0, parseInt(c.a.slice(0, 8), 16) >>> 0, r1);
      R1 = hx(r1);
      break;
    }
    case 'flds': case 'fldl': {
      const ok = c.op === 'flds' ? fp.fromF32(ctx, parseInt(c.a, 16) >>> 0, r1) : fp.fromF64(ctx, parseInt(c.a.slice(8), 16) >>> 0, parseInt(c.a.slice(0, 8), 16) >>> 0, r1);
      R1 = ok ? hx(r1) : '*';
      break;
    }
    case 'fsts': case 'fstl': {
      const ok = (c.op === 'fsts' ? fp.toF32 : fp.toF64)(ctx, rd(c.a, a), res);
      R1 = !ok ? '*' : c.op === 'fsts' ? h(res[0]!, 16) : h(res[1]!, 8) + h(res[0]!, 8);
      break;
    }
    case 'fbld': {
      for (let i = 0; i < 10; i++) bytes[9 - i] = parseInt(c.a.slice(2 * i, 2 * i + 2), 16);
      fp.fromBcd(ctx, bytes, r1);
      R1 = hx(r1);
      break;
    }
    case 'fbstp': {
      const ok = fp.toBcd(ctx, rd(c.a, a), bytes);
      R1 = ok ? Array.from(bytes).reverse().map((x) => h(x, 2)).join('') : '*';
      break;
    }
  }
  const sw = (ctx.flags & 0x3f) | (ctx.c1 !== 0 ? 0x200 : 0) | ((cc & 1) !== 0 ? 0x100 : 0) | ((cc & 2) !== 0 ? 0x200 : 0) |
    ((cc & 4) !== 0 ? 0x400 : 0) | ((cc & 8) !== 0 ? 0x4000 : 0);
  return { line: `${R1} ${R2} ${h(sw, 4)}`, swMask };
}

export function runNative(cases: Case[]): string[] {
  const bin = buildNative();
  const input = cases.map((c) => `${c.op} ${c.cw.toString(16)} ${c.a} ${c.b}\n`).join('');
  const r = spawnSync(bin, { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`x87native failed: ${r.stderr}`);
  return r.stdout.trimEnd().split('\n');
}

/** Compares; '*' in our result = destination not written (skipped), swMask = bits compared. */
export function check(cases: Case[]): { mismatches: Mismatch[]; compared: number } {
  const native = runNative(cases);
  const mismatches: Mismatch[] = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    const want = native[i] ?? '';
    let got: string;
    let swMask: number;
    try {
      ({ line: got, swMask } = ours(c));
    } catch (e) {
      mismatches.push({ c, want, got: String(e) });
      continue;
    }
    const [w1, w2, wsw] = want.split(' ');
    const [g1, g2, gsw] = got.split(' ');
    const swOk = ((parseInt(wsw!, 16) ^ parseInt(gsw!, 16)) & swMask) === 0;
    const r1Ok = g1 === '*' || g1 === w1;
    const r2Ok = g2 === '*' || g2 === '-' || g2 === w2;
    if (!swOk || !r1Ok || !r2Ok) mismatches.push({ c, want, got });
  }
  return { mismatches, compared: cases.length };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const n = Number(process.argv[2] ?? 20000);
  const seed = Number(process.argv[3] ?? 12345);
  const { mismatches, compared } = check(generate(n, seed));
  const byOp = new Map<string, number>();
  for (const m of mismatches) byOp.set(m.c.op, (byOp.get(m.c.op) ?? 0) + 1);
  console.log(`${compared} cases, ${mismatches.length} mismatches`, Object.fromEntries(byOp));
  const shown = new Map<string, number>();
  for (const m of mismatches) {
    const k = shown.get(m.c.op) ?? 0;
    if (k >= Number(process.env['SHOW'] ?? 4)) continue;
    shown.set(m.c.op, k + 1);
    console.log(`${m.c.op} ${m.c.cw.toString(16)} ${m.c.a} ${m.c.b}\n  want ${m.want}\n  got  ${m.got}`);
  }
}
