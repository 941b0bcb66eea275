// The decoded instruction: one flat, caller-owned record.
//
// `decodeInto` overwrites every field on each call, so a hot loop reuses one object and
// allocates nothing. Everything later packages need is here already resolved — effective
// operand/address size, the segment of the memory operand (override or default), the
// relative target — so the CPU core and the translator never re-derive it from bytes.

import { Reg, Seg } from './registers.js';

/** What an operand is. */
export const OpKind = {
  NONE: 0,
  REG: 1,
  MEM: 2,
  IMM: 3,
  /** Relative branch: `target` holds the destination (masked to the operand size). */
  REL: 4,
  /** Far pointer immediate: `imm` is the offset, `imm2` the selector. */
  FAR: 5,
  /** The constant 1 of shift-by-one forms (printed, never fetched). */
  CONST1: 6,
} as const;
export type OpKind = (typeof OpKind)[keyof typeof OpKind];

/** Result of a decode. */
export const DecodeStatus = {
  Ok: 0,
  /** The CPU raises #UD: undefined opcode, LOCK where not allowed, register where memory is required. */
  Invalid: 1,
  /** More than 15 bytes: the CPU raises #GP(0). `length` is 15. */
  TooLong: 2,
  /** The bytes ran out before the instruction was complete. */
  Truncated: 3,
} as const;
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

/** Why an instruction is Invalid. */
export const UdReason = {
  NONE: 0,
  OPCODE: 1,
  LOCK: 2,
  REGISTER_OPERAND: 3,
  MEMORY_OPERAND: 4,
  SEGMENT_REGISTER: 5,
} as const;

/** Prefix bits in `prefixes`. */
export const Pfx = {
  LOCK: 1, REP: 2, REPNE: 4, OPSIZE: 8, ADSIZE: 16, SEG: 32, FWAIT: 64, VEX: 128, EVEX: 256, XOP: 512,
} as const;

// Module constants for reset(): V8 folds these, not property loads of imported objects.
const EXTENDED = Pfx.VEX | Pfx.EVEX | Pfx.XOP;
const SEG_NONE = Seg.NONE;

export class Instruction {
  /** Bytes consumed (1-15; up to the point of failure for Invalid/Truncated). */
  length = 0;
  status: DecodeStatus = DecodeStatus.Ok;
  udReason = 0;
  /** Form id (index into the form columns); 0 when the opcode is unknown. */
  form = 0;
  /** Address the instruction was decoded at (the `ip` argument of `decodeInto`). */
  ip = 0;
  /** Code size the instruction was decoded in (16 or 32). */
  bits = 32;
  /** Effective operand and address size in bits (16 or 32). */
  opSize = 32;
  adSize = 32;
  /** Bitmask of `Pfx`. */
  prefixes = 0;
  /** Segment override from the last segment prefix, or Seg.NONE. */
  segOverride: number = Seg.NONE;
  /** The prefix bytes in encoding order (for formatters that print unused prefixes). */
  readonly prefixBytes: Uint8Array = new Uint8Array(15);
  prefixCount = 0;
  /** Which of the prefixBytes the instruction gave a meaning to (bit i = prefixBytes[i]). */
  usedPrefixes = 0;
  /** Opcode bytes: map (0: one-byte, 1: 0F, 2: 0F38, 3: 0F3A, 8-10: XOP, 17+: VEX/EVEX maps) and opcode. */
  opMap = 0;
  opcode = 0;
  /** ModRM byte or -1; SIB byte or -1. */
  modrm = -1;
  sib = -1;
  /** Number of explicit operands and, per operand, kind, register id and access size in bytes. */
  opCount = 0;
  readonly opKind: Uint8Array = new Uint8Array(4);
  readonly opReg: Uint8Array = new Uint8Array(4);
  readonly opBytes: Uint16Array = new Uint16Array(4);
  /** objdump size keyword of a memory operand (`Ptr`), per operand. */
  readonly opPtr: Uint8Array = new Uint8Array(4);
  /** Memory operand (at most one explicit ModRM/moffs operand; string forms use two, see below). */
  memSeg: number = Seg.NONE;
  memBase: number = Reg.NONE;
  memIndex: number = Reg.NONE;
  memScale = 1;
  memDisp = 0;
  /** Displacement bytes in the encoding (0, 1, 2 or 4). */
  memDispSize = 0;
  /** The ES:[rDI] operand of string instructions (Yb/Yv): meaningful only when a form has one. */
  mem2Seg: number = Seg.NONE;
  mem2Base: number = Reg.NONE;
  /** Immediate (unsigned 32-bit after sign extension to the operand size), second immediate. */
  imm = 0;
  imm2 = 0;
  /** Branch target of a REL operand (already masked to the operand size). */
  target = 0;
  /** Extended-register fields of VEX/EVEX/XOP encodings. */
  vexL = 0;
  vexV = 0;
  vexW = 0;
  /** VEX.pp / EVEX.pp: implied mandatory prefix (0 none, 1 66, 2 F3, 3 F2). */
  vexPp = 0;
  /** EVEX mask register, zeroing, broadcast, rounding. */
  evexAaa = 0;
  evexZ = 0;
  evexB = 0;
  evexRc = 0;

  /**
   * Resets the fields a decode may leave untouched; `decodeInto` calls this first. Fields
   * that every decode writes (status, length, form, opCount, modrm, opMap, opcode, sizes)
   * are not reset. Some fields are meaningful only with the operands that use them: the
   * memory fields with a MEM operand, `imm` with IMM/FAR/CONST1/REL, `imm2` with ENTER's
   * second immediate, FAR and is4 operands, `target` with REL, `udReason` when Invalid.
   */
  reset(): void {
    this.segOverride = SEG_NONE;
    this.prefixCount = 0;
    this.usedPrefixes = 0;
    this.sib = -1;
    // The extended-prefix fields change only when the previous instruction had one.
    if ((this.prefixes & EXTENDED) !== 0) {
      this.vexL = 0;
      this.vexV = 0;
      this.vexW = 0;
      this.vexPp = 0;
      this.evexAaa = 0;
      this.evexZ = 0;
      this.evexB = 0;
      this.evexRc = 0;
    }
    this.prefixes = 0;
  }
}
