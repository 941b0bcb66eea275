// Checklist invariant 1 on single descriptors: for random code/data descriptors around the
// monitor boundary (every combination of base, limit, G, expand-down and D/B), the shadow
// reaches no byte of the monitor region, never reaches an offset the guest cannot, and
// loses only what it must (the region itself, what lies past it, and a 4 KiB rounding
// band where granularity forces it).
import { describe, expect, it } from 'vitest';
import { descAcc, descBase, descLimit, encodeHi, encodeLimit, encodeLo, truncatedLimit, UNSHADOWABLE } from '../src/index.js';
import { F_DB, F_G, fields, linear, make, rng, validOffsets } from './oracle.js';

const TWO32 = 4294967296;

function pick(next: () => number, values: readonly number[]): number {
  return values[next() % values.length] as number;
}

/** A base/limit pair biased toward the edges that matter for monitor base `m`. */
function randomDescriptor(next: () => number, m: number): [number, number] {
  const g = (next() & 1) !== 0;
  const small = next() % 0x3000;
  const base = pick(next, [
    next(), 0, small, (m - small) >>> 0, (m + small) >>> 0, (m - 1) >>> 0, m, (TWO32 - 1 - small) >>> 0,
    (m - 0x10000 + small) >>> 0, (m - 0x100000) >>> 0, (TWO32 - 0x10000) >>> 0,
  ]) >>> 0;
  // a limit that lands near the region from this base, or anything
  const toRegion = (m - base + TWO32) % TWO32;
  const wantedByteLimit = pick(next, [next(), toRegion - 1, toRegion, toRegion + 1, toRegion - 4096, 0xffff, 0xfffff, 0xffffffff, small]);
  const byteLimit = ((wantedByteLimit % TWO32) + TWO32) % TWO32;
  const rawLimit = (g ? Math.floor(byteLimit / 4096) : byteLimit) & 0xfffff;
  const code = (next() & 3) === 0;
  const ce = (next() & 1) !== 0; // expand-down for data, conforming for code
  const dpl = next() & 3;
  const access = 0x80 | 0x10 | (code ? 0x08 : 0) | (ce ? 0x04 : 0) | 0x02 | 0x01 | (dpl << 5);
  return make(base, rawLimit, access, (g ? F_G : 0) | ((next() & 1) !== 0 ? F_DB : 0));
}

/** The shadow the package would build, via its pure pieces; null when unshadowable. */
function shadowOf(lo: number, hi: number, m: number): [number, number] | null {
  const acc = descAcc(hi);
  const base = descBase(lo, hi);
  const guestLimit = descLimit(lo, hi);
  const limit = truncatedLimit(base, guestLimit, acc, m);
  if (limit === UNSHADOWABLE) return null;
  const raw = new Int32Array(1);
  const acc2 = encodeLimit(limit, guestLimit, acc, raw, 0);
  return [encodeLo(base, raw[0] as number), encodeHi(base, raw[0] as number, acc2)];
}

/** Returns what is wrong with the shadow of (lo, hi), or null. */
function check(lo: number, hi: number, m: number): string | null {
  const g = fields(lo, hi);
  const [gl, gh] = validOffsets(lo, hi);
  const expandDown = (g.type & 0xc) === 0x4;
  const s = shadowOf(lo, hi, m);
  if (s === null) {
    // unshadowable only when no truncation could help
    if (!expandDown) return g.base >= m ? null : 'expand-up refused below the region';
    return linear(g.base, gh) >= m ? null : 'expand-down refused with its top below the region';
  }
  const f = fields(s[0], s[1]);
  const [sl, sh] = validOffsets(s[0], s[1]);
  // base, type, DPL, D/B untouched by truncation
  if (f.base !== g.base || f.type !== g.type || f.s !== g.s || f.dpl !== g.dpl || f.db !== g.db || f.p !== g.p) {
    return 'fields other than the limit changed';
  }
  if (sl > sh) return gl > gh || sl >= gl ? null : 'emptied a non-empty segment';
  if (sl < gl || sh > gh) return 'shadow reaches offsets the guest cannot';
  // no byte of the monitor region: the arc from base+sl of sh-sl+1 bytes ends below m
  if (linear(g.base, sl) + (sh - sl + 1) > m) return 'shadow reaches the monitor region';
  if (!expandDown) {
    const ideal = Math.min(gh, m - 1 - g.base);
    if (sh < ideal - 4095) return 'expand-up lost more than the rounding band';
    if ((ideal === gh || ideal <= 0xfffff || (ideal & 0xfff) === 0xfff) && sh !== ideal) return 'expand-up not exact';
    return null;
  }
  if (sh !== gh) return 'expand-down top moved';
  // a raised limit starts at the offset of linear 0, rounded up by at most 4 KiB
  const ideal = TWO32 - g.base;
  if (sl !== gl && (sl < ideal || sl > ideal + 4095)) return 'expand-down raised to the wrong place';
  return null;
}

function hex(lo: number, hi: number): string {
  return `${(hi >>> 0).toString(16).padStart(8, '0')}_${(lo >>> 0).toString(16).padStart(8, '0')}`;
}

describe('truncation property (checklist 1)', () => {
  for (const m of [0xffc00000, 0xff800000, 0xc0000000]) {
    it(`random descriptors near monitor base ${m.toString(16)}`, () => {
      const next = rng(m ^ 0x5eed);
      const failures: string[] = [];
      for (let i = 0; i < 100_000 && failures.length < 5; i++) {
        const [lo, hi] = randomDescriptor(next, m);
        const why = check(lo, hi, m);
        if (why !== null) failures.push(`${hex(lo, hi)}: ${why}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('the checker itself rejects an untruncated flat segment', () => {
    const [lo, hi] = make(0, 0xfffff, 0x93, F_G | F_DB);
    const [sl, sh] = validOffsets(lo, hi);
    expect(linear(0, sl) + (sh - sl + 1)).toBeGreaterThan(0xffc00000);
  });
});
