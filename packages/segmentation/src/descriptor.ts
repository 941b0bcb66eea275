// Segment descriptors as the hardware stores them: two little-endian dwords `lo` (limit
// 15:0, base 15:0) and `hi` (base 23:16, access byte, limit 19:16, flags nibble, base
// 31:24), kept as int32 numbers so a table is an Int32Array and nothing is allocated.
//
// The access word `acc` has the same layout as cpu-core's hidden cache (descriptor byte 5
// in bits 0-7, the flags nibble AVL/L/D-B/G in bits 8-11); the constants repeat cpu-core's
// values because this package may not import it.
//
// Truncation lives here too, as pure arithmetic on plain numbers (bases and limits are
// unsigned 32-bit values; sums are done in doubles so wrap-around is explicit, never
// silent).

export const ACC_A: number = 0x01;
/** Writable data / readable code. */
export const ACC_RW: number = 0x02;
/** Expand-down data / conforming code. */
export const ACC_CE: number = 0x04;
export const ACC_CODE: number = 0x08;
/** S: 1 = code or data, 0 = system (TSS, LDT, gates). */
export const ACC_S: number = 0x10;
export const ACC_DPL_SHIFT: number = 5;
export const ACC_DPL: number = 3 << ACC_DPL_SHIFT;
export const ACC_P: number = 0x80;
export const ACC_AVL: number = 0x100;
export const ACC_DB: number = 0x400;
export const ACC_G: number = 0x800;

/** System descriptor types (S = 0), SDM Vol. 3 table 3-2. */
export const SYS_TSS16_AVAIL: number = 1;
export const SYS_LDT: number = 2;
export const SYS_TSS16_BUSY: number = 3;
export const SYS_CALL_GATE16: number = 4;
export const SYS_TASK_GATE: number = 5;
export const SYS_INT_GATE16: number = 6;
export const SYS_TRAP_GATE16: number = 7;
export const SYS_TSS32_AVAIL: number = 9;
export const SYS_TSS32_BUSY: number = 11;
export const SYS_CALL_GATE32: number = 12;
export const SYS_INT_GATE32: number = 14;
export const SYS_TRAP_GATE32: number = 15;

const TWO32 = 4294967296;

/** Base address, unsigned. */
export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
}

/** The 20-bit limit field as stored. */
export function descRawLimit(lo: number, hi: number): number {
  return (lo & 0xffff) | (hi & 0xf0000);
}

/** Byte limit with granularity applied, unsigned. */
export function descLimit(lo: number, hi: number): number {
  const raw = descRawLimit(lo, hi);
  return (hi & 0x800000) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}

/** Access word: byte 5 in bits 0-7, flags nibble in bits 8-11. */
export function descAcc(hi: number): number {
  return ((hi >>> 8) & 0xff) | ((hi >>> 12) & 0xf00);
}

export function accDpl(acc: number): number {
  return (acc >>> ACC_DPL_SHIFT) & 3;
}
export function accPresent(acc: number): boolean {
  return (acc & ACC_P) !== 0;
}
export function accIsSystem(acc: number): boolean {
  return (acc & ACC_S) === 0;
}
export function accIsCode(acc: number): boolean {
  return (acc & (ACC_S | ACC_CODE)) === (ACC_S | ACC_CODE);
}
export function accIsData(acc: number): boolean {
  return (acc & (ACC_S | ACC_CODE)) === ACC_S;
}
/** Expand-down applies to data segments only; on code the same bit means conforming. */
export function accIsExpandDown(acc: number): boolean {
  return (acc & (ACC_S | ACC_CODE | ACC_CE)) === (ACC_S | ACC_CE);
}
export function accIsConforming(acc: number): boolean {
  return (acc & (ACC_S | ACC_CODE | ACC_CE)) === (ACC_S | ACC_CODE | ACC_CE);
}

/** Low dword of a descriptor from its base and 20-bit raw limit. */
export function encodeLo(base: number, rawLimit: number): number {
  return ((base << 16) | (rawLimit & 0xffff)) | 0;
}

/** High dword of a descriptor from its base, 20-bit raw limit and access word. */
export function encodeHi(base: number, rawLimit: number, acc: number): number {
  return (
    (base & 0xff000000) |
    ((acc & 0xf00) << 12) |
    (rawLimit & 0xf0000) |
    ((acc & 0xff) << 8) |
    ((base >>> 16) & 0xff)
  ) | 0;
}

/**
 * Lowest valid offset of a code/data segment: 0 when expanding up, limit + 1 when
 * expanding down. Together with `highOffset` this is the whole valid range; it is empty
 * when low > high (an expand-down segment whose limit is its upper bound).
 */
export function lowOffset(limit: number, acc: number): number {
  return accIsExpandDown(acc) ? limit + 1 : 0;
}

/** Highest valid offset: the limit, or 0xFFFF / 0xFFFFFFFF (by D/B) when expanding down. */
export function highOffset(limit: number, acc: number): number {
  if (!accIsExpandDown(acc)) return limit;
  return (acc & ACC_DB) !== 0 ? 0xffffffff : 0xffff;
}

/** Returned by `truncatedLimit` when no limit keeps the segment out of the monitor region. */
export const UNSHADOWABLE = -1;

/**
 * The byte limit a shadow of this segment must have so that none of its valid offsets
 * reaches [monitorBase, 2^32), or UNSHADOWABLE.
 *
 * Expand-up (brief §3.1): offsets [0, L] sit at [base, base + L]; lowering L keeps the
 * prefix below the monitor, which also removes any wrap past 2^32. A base inside the
 * region cannot be fixed because the base never moves.
 *
 * Expand-down: offsets (L, top] sit on the arc starting at base + L + 1 (mod 2^32). The
 * top is fixed by D/B, so only raising L (dropping offsets from the bottom) is possible.
 * That helps in one case, an arc that wraps past 2^32 and ends below the region: the
 * shadow starts at the offset that maps to linear 0, and the dropped offsets (the region
 * and whatever preceded it) fault and are emulated. Otherwise the brief's rule holds:
 * shadow only if the whole range is below the region.
 */
export function truncatedLimit(base: number, limit: number, acc: number, monitorBase: number): number {
  if (!accIsExpandDown(acc)) {
    if (base >= monitorBase) return UNSHADOWABLE;
    const room = monitorBase - 1 - base;
    return limit <= room ? limit : room;
  }
  const top = highOffset(limit, acc);
  if (limit >= top) return limit; // empty range: nothing reachable
  const start = (base + limit + 1) % TWO32;
  const count = top - limit;
  if (start + count <= monitorBase) return limit;
  const end = base + top; // unreduced: >= 2^32 means the arc wraps
  if (end >= TWO32 && end - TWO32 < monitorBase) {
    return TWO32 - 1 - base; // first valid offset becomes the one at linear 0
  }
  return UNSHADOWABLE;
}

/**
 * Encodes byte limit `limit` into (raw limit, G) for a segment whose guest flags are in
 * `acc`, returning the access word with G adjusted and writing the raw limit to
 * `out[at]`. A limit equal to the guest's keeps the guest's G. Otherwise: a limit that
 * fits 20 bits is stored byte-granular and exact; a larger one uses 4 KiB units, rounded
 * toward the smaller valid range (down for expand-up, up for expand-down), which loses
 * at most 4095 bytes at the truncated end — those accesses fault and are emulated.
 */
export function encodeLimit(limit: number, guestLimit: number, acc: number, out: Int32Array, at: number): number {
  if (limit === guestLimit) {
    out[at] = (acc & ACC_G) !== 0 ? limit >>> 12 : limit;
    return acc;
  }
  if (limit <= 0xfffff) {
    out[at] = limit;
    return acc & ~ACC_G;
  }
  out[at] = accIsExpandDown(acc) ? limit >>> 12 : Math.floor((limit + 1) / 4096) - 1;
  return acc | ACC_G;
}
