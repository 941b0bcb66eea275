import { describe, expect, it } from 'vitest';
import {
  ACC_DB, ACC_G, ACC_P, ACC_S, accDpl, accIsCode, accIsConforming, accIsData, accIsExpandDown, accIsSystem,
  descAcc, descBase, descLimit, descRawLimit, encodeHi, encodeLimit, encodeLo, highOffset, lowOffset,
  truncatedLimit, UNSHADOWABLE,
} from '../src/index.js';
import { F_DB, F_G, fields, make, rng } from './oracle.js';

describe('descriptor decode', () => {
  it('reads the flat kernel code descriptor 00cf9a00_0000ffff', () => {
    const lo = 0x0000ffff;
    const hi = 0x00cf9a00;
    expect(descBase(lo, hi)).toBe(0);
    expect(descLimit(lo, hi)).toBe(0xffffffff);
    const acc = descAcc(hi);
    expect(acc).toBe(0xc9a);
    expect(accIsCode(acc)).toBe(true);
    expect(accDpl(acc)).toBe(0);
    expect(acc & ACC_G).toBe(ACC_G);
    expect(acc & ACC_DB).toBe(ACC_DB);
  });

  it('decodes random descriptors like the byte-level oracle, and re-encodes them bit for bit', () => {
    const next = rng(7);
    for (let i = 0; i < 20000; i++) {
      const lo = next() | 0;
      const hi = next() | 0;
      const f = fields(lo, hi);
      const acc = descAcc(hi);
      expect(descBase(lo, hi)).toBe(f.base);
      expect(descLimit(lo, hi)).toBe(f.limit);
      expect(accDpl(acc)).toBe(f.dpl);
      expect((acc & ACC_P) !== 0).toBe(f.p);
      expect(accIsSystem(acc)).toBe(!f.s);
      // the flags nibble's low bits (AVL, L) are kept as well
      expect(encodeLo(descBase(lo, hi), descRawLimit(lo, hi))).toBe(lo);
      expect(encodeHi(descBase(lo, hi), descRawLimit(lo, hi), acc)).toBe(hi);
    }
  });

  it('tells expand-down data from conforming code (same bit)', () => {
    const [, dataDown] = make(0, 0, 0x96, 0); // present, data, RW, expand-down
    const [, confCode] = make(0, 0, 0x9e, 0); // present, code, readable, conforming
    expect(accIsExpandDown(descAcc(dataDown))).toBe(true);
    expect(accIsConforming(descAcc(dataDown))).toBe(false);
    expect(accIsExpandDown(descAcc(confCode))).toBe(false);
    expect(accIsConforming(descAcc(confCode))).toBe(true);
    expect(accIsData(descAcc(dataDown))).toBe(true);
    expect(accIsData(ACC_S)).toBe(true);
  });

  it('gives the valid offset range of expand-up and both sizes of expand-down', () => {
    expect([lowOffset(0x1234, 0x93), highOffset(0x1234, 0x93)]).toEqual([0, 0x1234]);
    expect([lowOffset(0x1234, 0x97), highOffset(0x1234, 0x97)]).toEqual([0x1235, 0xffff]);
    expect([lowOffset(0x1234, 0x97 | ACC_DB), highOffset(0x1234, 0x97 | ACC_DB)]).toEqual([0x1235, 0xffffffff]);
  });
});

describe('truncatedLimit (brief 3.1)', () => {
  const M = 0xffc00000;
  it('lowers a flat 4 GiB segment to end at 0xFFBFFFFF', () => {
    expect(truncatedLimit(0, 0xffffffff, 0x93 | ACC_G, M)).toBe(0xffbfffff);
  });
  it('keeps a segment that already ends below the region', () => {
    expect(truncatedLimit(0x1000, 0xffbfefff, 0x93, M)).toBe(0xffbfefff);
  });
  it('refuses a base inside the region', () => {
    expect(truncatedLimit(M, 0, 0x93, M)).toBe(UNSHADOWABLE);
    expect(truncatedLimit(0xffffffff, 0xffffffff, 0x93, M)).toBe(UNSHADOWABLE);
  });
  it('cuts wrap-around of an expand-up segment', () => {
    expect(truncatedLimit(0x10000, 0xffffffff, 0x93, M)).toBe(M - 1 - 0x10000);
  });
  it('keeps an expand-down stack below the region, refuses one reaching it', () => {
    expect(truncatedLimit(0x100000, 0xfff, 0x97, M)).toBe(0xfff); // 16-bit, top at 0x10FFFF
    expect(truncatedLimit(0, 0xfff, 0x97 | ACC_DB, M)).toBe(UNSHADOWABLE); // top at 4 GiB
    expect(truncatedLimit(0xffbf0001, 0, 0x97, M)).toBe(UNSHADOWABLE); // 16-bit top = 0xFFC00000
    expect(truncatedLimit(0xffbf0000, 0, 0x97, M)).toBe(0); // top = 0xFFBFFFFF
  });
  it('raises the limit of an expand-down arc that starts in the region and wraps below it', () => {
    // offsets 0x100001..0xFFFFFFFF at base 0xFFC00000: linear 0xFFD00001..0xFFFFFFFF, 0..0xFFBFFFFF
    expect(truncatedLimit(0xffc00000, 0x100000, 0x97 | ACC_DB, M)).toBe(0x3fffff);
  });
  it('treats an empty expand-down range as harmless', () => {
    expect(truncatedLimit(0xffd00000, 0xffff, 0x97, M)).toBe(0xffff);
  });
});

describe('encodeLimit', () => {
  const raw = new Int32Array(1);
  it('keeps G and the raw field when the limit is unchanged', () => {
    expect(encodeLimit(0xffffffff, 0xffffffff, 0x93 | ACC_G, raw, 0)).toBe(0x93 | ACC_G);
    expect(raw[0]).toBe(0xfffff);
  });
  it('stores a small truncated limit byte-granular and exact', () => {
    expect(encodeLimit(0x3fff, 0xffffffff, 0x93 | ACC_G, raw, 0)).toBe(0x93);
    expect(raw[0]).toBe(0x3fff);
  });
  it('rounds a large truncated limit down in 4 KiB units', () => {
    expect(encodeLimit(0xffbff7ff, 0xffffffff, 0x93 | ACC_G, raw, 0)).toBe(0x93 | ACC_G);
    expect(((raw[0] as number) * 4096 + 4095) >>> 0).toBe(0xffbfefff);
  });
  it('rounds an expand-down limit up (a smaller valid range)', () => {
    expect(encodeLimit(0x3fff00, 0x100000, 0x97 | ACC_DB, raw, 0)).toBe(0x97 | ACC_DB | ACC_G);
    expect(((raw[0] as number) * 4096 + 4095) >>> 0).toBe(0x3fffff);
  });
  it('builds descriptors that the oracle reads back', () => {
    const [lo, hi] = make(0x12345678, 0xabcde, 0xf3, F_G | F_DB);
    expect(fields(lo, hi)).toMatchObject({ base: 0x12345678, limit: 0xabcde * 4096 + 4095, dpl: 3, g: true, db: true });
  });
});
