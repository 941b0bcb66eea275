// Test-side reference for what a descriptor means to the CPU, written from the SDM
// independently of src/descriptor.ts (byte-level decode, offset validity), plus a seeded
// generator. The property tests compare the package against this, never against itself.

/** Splits a descriptor into the fields the SDM's figure 3-8 names. */
export function fields(lo: number, hi: number): {
  base: number; limit: number; type: number; s: boolean; dpl: number; p: boolean; db: boolean; g: boolean;
} {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setInt32(0, lo, true);
  new DataView(b.buffer).setInt32(4, hi, true);
  const rawLimit = (b[0] as number) | ((b[1] as number) << 8) | (((b[6] as number) & 0x0f) << 16);
  const g = ((b[6] as number) & 0x80) !== 0;
  return {
    base: ((b[2] as number) | ((b[3] as number) << 8) | ((b[4] as number) << 16) | ((b[7] as number) << 24)) >>> 0,
    limit: g ? rawLimit * 4096 + 4095 : rawLimit,
    type: (b[5] as number) & 0x0f,
    s: ((b[5] as number) & 0x10) !== 0,
    dpl: ((b[5] as number) >> 5) & 3,
    p: ((b[5] as number) & 0x80) !== 0,
    db: ((b[6] as number) & 0x40) !== 0,
    g,
  };
}

/** Valid offsets [low, high] of a code/data descriptor; low > high means none. */
export function validOffsets(lo: number, hi: number): [number, number] {
  const f = fields(lo, hi);
  const expandDown = f.s && (f.type & 0x8) === 0 && (f.type & 0x4) !== 0;
  if (!expandDown) return [0, f.limit];
  return [f.limit + 1, f.db ? 0xffffffff : 0xffff];
}

/** Linear address of an offset (the CPU adds modulo 2^32). */
export function linear(base: number, offset: number): number {
  return (base + offset) % 4294967296;
}

/** Builds a descriptor from fields, byte by byte. */
export function make(base: number, rawLimit: number, accessByte: number, flags: number): [number, number] {
  const b = new Uint8Array(8);
  b[0] = rawLimit & 0xff;
  b[1] = (rawLimit >>> 8) & 0xff;
  b[2] = base & 0xff;
  b[3] = (base >>> 8) & 0xff;
  b[4] = (base >>> 16) & 0xff;
  b[5] = accessByte & 0xff;
  b[6] = ((flags & 0xf) << 4) | ((rawLimit >>> 16) & 0x0f);
  b[7] = (base >>> 24) & 0xff;
  const v = new DataView(b.buffer);
  return [v.getInt32(0, true), v.getInt32(4, true)];
}

/** Flags nibble bits for `make`. */
export const F_G = 0x8;
export const F_DB = 0x4;

/** xorshift32: deterministic, so a failing case is reproducible from its seed. */
export function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}
