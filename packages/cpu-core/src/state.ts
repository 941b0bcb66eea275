// Architectural constants and the register file layout.
//
// Registers live in typed arrays at fixed indices so that hot paths are monomorphic and a
// snapshot (or the block JIT, later) sees one flat layout. The general registers share
// one buffer through three views, as on the hardware: AL is byte 0 of EAX, AH byte 1, AX
// the low word. Segment registers keep their hidden descriptor caches beside the
// selector. Scalars that change on every instruction (EIP, the lazy-flag slots) are plain
// fields of the Cpu object, which V8 keeps unboxed.

/** GPR numbers, as encoded in ModRM. */
export const EAX: number = 0;
export const ECX: number = 1;
export const EDX: number = 2;
export const EBX: number = 3;
export const ESP: number = 4;
export const EBP: number = 5;
export const ESI: number = 6;
export const EDI: number = 7;

/** Segment register numbers, as encoded in ModRM.reg and used by the decoder's `Seg`. */
export const SEG_ES: number = 0;
export const SEG_CS: number = 1;
export const SEG_SS: number = 2;
export const SEG_DS: number = 3;
export const SEG_FS: number = 4;
export const SEG_GS: number = 5;
/** Descriptor-cache slots beyond the six segment registers. */
export const SEG_LDTR: number = 6;
export const SEG_TR: number = 7;

/** EFLAGS bits. */
export const EFLAGS_CF: number = 1 << 0;
export const EFLAGS_FIXED1: number = 1 << 1;
export const EFLAGS_PF: number = 1 << 2;
export const EFLAGS_AF: number = 1 << 4;
export const EFLAGS_ZF: number = 1 << 6;
export const EFLAGS_SF: number = 1 << 7;
export const EFLAGS_TF: number = 1 << 8;
export const EFLAGS_IF: number = 1 << 9;
export const EFLAGS_DF: number = 1 << 10;
export const EFLAGS_OF: number = 1 << 11;
export const EFLAGS_IOPL: number = 3 << 12;
export const EFLAGS_NT: number = 1 << 14;
export const EFLAGS_RF: number = 1 << 16;
export const EFLAGS_VM: number = 1 << 17;
export const EFLAGS_AC: number = 1 << 18;
export const EFLAGS_VIF: number = 1 << 19;
export const EFLAGS_VIP: number = 1 << 20;
export const EFLAGS_ID: number = 1 << 21;
/** The six arithmetic flags, computed lazily. */
export const EFLAGS_ARITH: number = EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF;

/** CR0 bits. */
export const CR0_PE: number = 1 << 0;
export const CR0_MP: number = 1 << 1;
export const CR0_EM: number = 1 << 2;
export const CR0_TS: number = 1 << 3;
export const CR0_ET: number = 1 << 4;
export const CR0_NE: number = 1 << 5;
export const CR0_WP: number = 1 << 16;
export const CR0_AM: number = 1 << 18;
export const CR0_NW: number = 1 << 29;
export const CR0_CD: number = 1 << 30;
export const CR0_PG: number = 1 << 31;

/** CR4 bits a Pentium Pro/II has. */
export const CR4_VME: number = 1 << 0;
export const CR4_PVI: number = 1 << 1;
export const CR4_TSD: number = 1 << 2;
export const CR4_DE: number = 1 << 3;
export const CR4_PSE: number = 1 << 4;
export const CR4_PAE: number = 1 << 5;
export const CR4_MCE: number = 1 << 6;
export const CR4_PGE: number = 1 << 7;
export const CR4_PCE: number = 1 << 8;

/**
 * Hidden-cache access word, one per segment slot: the descriptor's access byte in bits
 * 0-7 (type, S, DPL, P) and its flags nibble in bits 8-11 (AVL, L, D/B, G), as in the
 * descriptor's bytes 5-6. Real-mode and v8086 loads write ACC_REAL_DATA / ACC_REAL_CODE.
 */
export const ACC_TYPE: number = 0x0f;
export const ACC_A: number = 0x01;
export const ACC_RW: number = 0x02; // writable data / readable code
export const ACC_CE: number = 0x04; // expand-down data / conforming code
export const ACC_CODE: number = 0x08;
export const ACC_S: number = 0x10;
export const ACC_DPL_SHIFT: number = 5;
export const ACC_P: number = 0x80;
export const ACC_DB: number = 0x400;
export const ACC_G: number = 0x800;
/** Present, DPL 0, accessed read/write data: what a real-mode load leaves in the cache. */
export const ACC_REAL_DATA: number = ACC_P | ACC_S | ACC_RW | ACC_A;

/**
 * Per segment slot, what the cached descriptor forbids (set by protected-mode loads,
 * cleared by real-mode loads): a slot with 0 takes the fast path in `linear`.
 */
export const SF_NOREAD: number = 1;
export const SF_NOWRITE: number = 2;
export const SF_EXPAND_DOWN: number = 4;
/** A null selector was loaded: any access is #GP(0). */
export const SF_NULL: number = 8;

/** Exception vectors. */
export const VEC_DE: number = 0;
export const VEC_DB: number = 1;
export const VEC_NMI: number = 2;
export const VEC_BP: number = 3;
export const VEC_OF: number = 4;
export const VEC_BR: number = 5;
export const VEC_UD: number = 6;
export const VEC_NM: number = 7;
export const VEC_DF: number = 8;
export const VEC_TS: number = 10;
export const VEC_NP: number = 11;
export const VEC_SS: number = 12;
export const VEC_GP: number = 13;
export const VEC_PF: number = 14;
export const VEC_MF: number = 16;
export const VEC_AC: number = 17;

/** The register file: general registers and segment caches, in typed arrays. */
export class RegisterFile {
  /** One buffer, three views: reg32[r], reg16[r * 2], reg8[r * 4] (low) / reg8[r * 4 + 1] (high). */
  readonly buffer: ArrayBuffer = new ArrayBuffer(32);
  readonly reg32: Int32Array = new Int32Array(this.buffer);
  readonly reg16: Uint16Array = new Uint16Array(this.buffer);
  readonly reg8: Uint8Array = new Uint8Array(this.buffer);
  /** Segment slots 0-5 (ES..GS), 6 LDTR, 7 TR: selector and hidden cache. */
  readonly segSel: Uint16Array = new Uint16Array(8);
  readonly segBase: Int32Array = new Int32Array(8);
  /** Effective limit in bytes (granularity applied), as an unsigned value stored in int32. */
  readonly segLimit: Int32Array = new Int32Array(8);
  readonly segAcc: Uint16Array = new Uint16Array(8);
  /** Debug registers DR0-DR7 (DR4/DR5 alias DR6/DR7 when CR4.DE = 0). */
  readonly dr: Int32Array = new Int32Array(8);
}

/** Index into reg8 of an 8-bit register number (AL CL DL BL AH CH DH BH). */
export function reg8Index(r: number): number {
  return r < 4 ? r << 2 : ((r - 4) << 2) | 1;
}
