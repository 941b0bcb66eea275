// float80.ts against the host CPU's x87 (test/x87/native/x87native.c built with the i386
// cross compiler). Compared: every result written (bit for bit), the exception flags
// IE DE ZE OE UE PE, C1, and the condition codes of compares / FXAM / FPREM(1).
// Masked (not compared), as the SDM leaves them undefined:
//   - FPREM/FPREM1: C0 C3 C1 when C2 = 1 (incomplete reduction);
//   - destinations an unmasked IE/DE/ZE (or, for stores to memory, OE/UE) leaves unwritten
//     (the function returns false; only the status word is compared).
import { describe, expect, it } from 'vitest';
import { F80, FpCtx } from '../../src/x87/types.ts';
import * as fp from '../../src/x87/float80.ts';
import { check, hasCompiler } from './native/check.ts';
import { generate } from './native/gen.ts';

const native = hasCompiler();
if (!native && process.env['CI'] !== undefined) throw new Error('float80: i686-linux-gnu-gcc is required in CI');
if (!native) console.warn('float80: i686-linux-gnu-gcc absent; skipping the native cross-check');

describe('float80 vs native x87', () => {
  it.skipIf(!native)('matches the host CPU on 24,000 edge-biased cases (all ops x RC x PC)', () => {
    const { mismatches, compared } = check(generate(24000, 20240601));
    expect(compared).toBe(24000);
    expect(mismatches.slice(0, 10).map((m) => `${m.c.op} ${m.c.cw.toString(16)} ${m.c.a} ${m.c.b}: want ${m.want} got ${m.got}`)).toEqual([]);
  }, 120000);
});

describe('float80 basics', () => {
  it('adds 1 + 1 and classifies', () => {
    const ctx = new FpCtx();
    const a = new F80(), out = new F80();
    a.se = 0x3fff; a.hi = 0x80000000;
    expect(fp.add(ctx, a, a, out)).toBe(true);
    expect([out.se, out.hi, out.lo]).toEqual([0x4000, 0x80000000, 0]);
    expect(fp.classify(out, false)).toBe(fp.CC_C2);
    expect(fp.classify(out, true)).toBe(fp.CC_C3 | fp.CC_C0);
  });
  it('returns the integer indefinite for an out-of-range FIST when IE is masked', () => {
    const ctx = new FpCtx();
    const a = new F80();
    a.se = 0x7fff; a.hi = 0x80000000;
    const r = new Uint32Array(2);
    expect(fp.toInt(ctx, a, 16, r)).toBe(true);
    expect(r[0]).toBe(0x8000);
    ctx.mask = 0x3e;
    expect(fp.toInt(ctx, a, 16, r)).toBe(false);
  });
});
