// The decoder engine: prefixes, opcode maps, ModRM/SIB/displacement, operands.
//
// A pure function of (bytes, code size, ip, options) that fills a caller-owned
// `Instruction`. The opcode tables are trees of `Node`s (forms.ts); everything about a form
// the loop needs is read from typed-array columns indexed by form id, so a decode touches
// no per-form objects and allocates nothing.
//
// Length rules follow the hardware: any number of prefixes in any order, the last segment
// prefix wins, the last of F2/F3 is the REP/mandatory prefix, and an instruction longer
// than 15 bytes is #GP (TooLong). Encodings the CPU rejects with #UD still decode as far as
// the form is known (so the formatter can name them as objdump does) but report Invalid.

import { compileForms, INVALID, NK, Node, type FormColumns } from './forms.js';
import { DecodeStatus, Instruction, OpKind, Pfx, UdReason } from './instruction.js';
import {
  Loc, RC, SPEC_M16, SPEC_M32, SPEC_N, SPEC_ONLY, SPEC_P16, SPEC_P32, SPEC_RC,
  SPEC_SX, SPEC_VSIZE,
} from './operands.js';
import { Reg, Seg } from './registers.js';
import { MAPS, VEX_MAPS } from './tables/index.js';
import { fixExtended } from './vex.js';

// Enum members the hot path uses, as module constants: V8 folds a module's own const
// primitives into the code but loads properties of imported objects at run time
// (measured: about 15% of the decode time).
const KIND_CONST1 = OpKind.CONST1;
const KIND_FAR = OpKind.FAR;
const KIND_IMM = OpKind.IMM;
const KIND_MEM = OpKind.MEM;
const KIND_REG = OpKind.REG;
const KIND_REL = OpKind.REL;
const LOC_CONST1 = Loc.CONST1;
const LOC_FAR = Loc.FAR;
const LOC_FIXED = Loc.FIXED;
const LOC_IMM = Loc.IMM;
const LOC_IS4 = Loc.IS4;
const LOC_MOFFS = Loc.MOFFS;
const LOC_OPREG = Loc.OPREG;
const LOC_REG = Loc.REG;
const LOC_REL = Loc.REL;
const LOC_RM = Loc.RM;
const LOC_STR_DST = Loc.STR_DST;
const LOC_STR_SRC = Loc.STR_SRC;
const LOC_VVVV = Loc.VVVV;
const LOC_XLAT = Loc.XLAT;
const NK_ASZ = NK.ASZ;
const NK_FORM = NK.FORM;
const NK_GROUP = NK.GROUP;
const NK_INVALID = NK.INVALID;
const NK_MOD = NK.MOD;
const NK_OSZ = NK.OSZ;
const NK_PFX = NK.PFX;
const NK_RM = NK.RM;
const NK_VEXW = NK.VEXW;
const PFX_ADSIZE = Pfx.ADSIZE;
const PFX_EVEX = Pfx.EVEX;
const PFX_FWAIT = Pfx.FWAIT;
const PFX_LOCK = Pfx.LOCK;
const PFX_OPSIZE = Pfx.OPSIZE;
const PFX_REP = Pfx.REP;
const PFX_REPNE = Pfx.REPNE;
const PFX_SEG = Pfx.SEG;
const PFX_VEX = Pfx.VEX;
const PFX_XOP = Pfx.XOP;
const RC_GPRA = RC.GPRA;
const RC_GPRV = RC.GPRV;
const RC_XMMH = RC.XMMH;
const RC_XMMV = RC.XMMV;
const REG_AX = Reg.AX;
const REG_BP = Reg.BP;
const REG_BX = Reg.BX;
const REG_DI = Reg.DI;
const REG_EAX = Reg.EAX;
const REG_EBX = Reg.EBX;
const REG_EDI = Reg.EDI;
const REG_ESI = Reg.ESI;
const REG_NONE = Reg.NONE;
const REG_SI = Reg.SI;
const REG_XMM0 = Reg.XMM0;
const REG_YMM0 = Reg.YMM0;
const REG_ZMM0 = Reg.ZMM0;
const SEG_CS = Seg.CS;
const SEG_DS = Seg.DS;
const SEG_ES = Seg.ES;
const SEG_FS = Seg.FS;
const SEG_GS = Seg.GS;
const SEG_NONE = Seg.NONE;
const SEG_SS = Seg.SS;
const ST_Invalid = DecodeStatus.Invalid;
const ST_Ok = DecodeStatus.Ok;
const ST_TooLong = DecodeStatus.TooLong;
const ST_Truncated = DecodeStatus.Truncated;
const UD_LOCK = UdReason.LOCK;
const UD_OPCODE = UdReason.OPCODE;
const UD_REGISTER_OPERAND = UdReason.REGISTER_OPERAND;
const UD_SEGMENT_REGISTER = UdReason.SEGMENT_REGISTER;

/** Decoder options. */
export const DecodeFlags = {
  NONE: 0,
  /**
   * Fold FWAIT (9B) into a following no-wait x87 control instruction (FNSTCW -> FSTCW), as
   * assemblers write them and objdump prints them. The CPU core leaves this off: to the
   * hardware 9B is an instruction of its own.
   */
  FOLD_FWAIT: 1,
} as const;

const FOLD_FWAIT = DecodeFlags.FOLD_FWAIT;

export const FORM: FormColumns = compileForms();

// Prefix byte -> kind (0: not a prefix).
const PK_SEG = 1;
const PK_OSZ = 2;
const PK_ASZ = 3;
const PK_LOCK = 4;
const PK_REP = 5;
const PREFIX_KIND = new Uint8Array(256);
const PREFIX_SEG = new Uint8Array(256);
for (const [b, s] of [[0x26, SEG_ES], [0x2e, SEG_CS], [0x36, SEG_SS], [0x3e, SEG_DS], [0x64, SEG_FS], [0x65, SEG_GS]] as const) {
  PREFIX_KIND[b] = PK_SEG;
  PREFIX_SEG[b] = s;
}
PREFIX_KIND[0x66] = PK_OSZ;
PREFIX_KIND[0x67] = PK_ASZ;
PREFIX_KIND[0xf0] = PK_LOCK;
PREFIX_KIND[0xf2] = PK_REP;
PREFIX_KIND[0xf3] = PK_REP;

// 16-bit ModRM base/index pairs (rm 0-7).
const BASE16 = [REG_BX, REG_BX, REG_BP, REG_BP, REG_SI, REG_DI, REG_BP, REG_BX];
const INDEX16 = [REG_SI, REG_DI, REG_SI, REG_DI, REG_NONE, REG_NONE, REG_NONE, REG_NONE];

// Columns the decode loop reads, hoisted out of the FORM object.
const MAP0 = MAPS[0] as Node[];
// Opcode bytes that may start something other than a one-byte-map instruction: 0F, and
// the VEX/EVEX/XOP candidates C4 C5 62 8F.
const ESCAPE = new Uint8Array(256);
for (const b of [0x0f, 0xc4, 0xc5, 0x62, 0x8f]) ESCAPE[b] = 1;
const OPS = FORM.ops;
const OP_LOC = FORM.opLoc;
const NEEDS_MODRM = FORM.needsModrm;
const F_WAIT = FORM.waitForm;
const F_PFX_IGNORED = FORM.pfxIgnored;
const F_NO_OSZ = FORM.noOsz;
const F_BY_ADDR = FORM.byAddr;
const F_OP_COUNT = FORM.opCount;
const F_RM_INDEX = FORM.rmIndex;
const F_OSZ_USED = FORM.oszUsed;
const F_SFX = FORM.sfx;
const F_LOCK = FORM.lock;
const F_CHECK = FORM.check;
const F_SREG_OP = FORM.sregOp;

// Per operand slot (form * 4 + i), resolved once so the loop skips the spec indirection:
// the register id of number 0 at operand size 16 / 32 (DYN: computed by `regOf`), and the
// memory size and size keyword at operand size 16 / 32 (MEM_VL: chosen by VEX.L instead).
const DYN = 255;
const SLOTS = FORM.count * 4;
const REG_BASE16 = new Uint8Array(SLOTS).fill(DYN);
const REG_BASE32 = new Uint8Array(SLOTS).fill(DYN);
const MEM_VL = new Uint8Array(SLOTS);
const MEM_BYTES16 = new Uint16Array(SLOTS);
const MEM_BYTES32 = new Uint16Array(SLOTS);
const MEM_PTR16 = new Uint8Array(SLOTS);
const MEM_PTR32 = new Uint8Array(SLOTS);
for (let slot = 0; slot < SLOTS; slot++) {
  const rc = SPEC_RC[OPS[slot] as number] as number;
  if (rc === RC_GPRV) {
    REG_BASE16[slot] = REG_AX;
    REG_BASE32[slot] = REG_EAX;
  } else if (rc === RC_XMMH) {
    REG_BASE16[slot] = REG_BASE32[slot] = REG_XMM0;
  } else if (rc < 32) {
    REG_BASE16[slot] = REG_BASE32[slot] = rc * 8;
  }
  MEM_VL[slot] = rc === RC_XMMV || rc === RC_XMMH ? 1 : 0;
  const spec = OPS[slot] as number;
  MEM_BYTES16[slot] = SPEC_M16[spec] as number;
  MEM_BYTES32[slot] = SPEC_M32[spec] as number;
  MEM_PTR16[slot] = SPEC_P16[spec] as number;
  MEM_PTR32[slot] = SPEC_P32[spec] as number;
}
// Forms whose operands are exactly one ModRM.rm operand and one ModRM.reg register of a
// fixed class: the index of the register operand (255: decode operands in the loop).
const F_REG_PAIR = new Uint8Array(FORM.count).fill(255);
for (let form = 0; form < FORM.count; form++) {
  if (F_OP_COUNT[form] !== 2 || F_RM_INDEX[form] === 255) continue;
  const r = 1 - (F_RM_INDEX[form] as number);
  const slot = form * 4 + r;
  if (OP_LOC[slot] === LOC_REG && REG_BASE16[slot] !== DYN && REG_BASE32[slot] !== DYN) F_REG_PAIR[form] = r;
}
// Immediate byte count per spec at operand size 16 / 32 (Iz is 2 or 4 bytes).
const IMM_SIZE16 = Uint8Array.from(SPEC_N, (n, s) => (SPEC_VSIZE[s] && n === 4 ? 2 : n));
const IMM_SIZE32 = Uint8Array.from(SPEC_N);

/**
 * Decodes one instruction from `code[offset..end)` as `bits`-bit code at address `ip`.
 * Returns the status, also stored in `out.status`.
 */
export function decodeInto(
  out: Instruction,
  code: Uint8Array,
  offset: number,
  end: number,
  bits: 16 | 32,
  ip: number,
  flags = 0,
): DecodeStatus {
  if ((flags & FOLD_FWAIT) !== 0) return decodeFolding(out, code, offset, end, bits, ip, flags);
  out.reset();
  out.bits = bits;
  out.ip = ip;
  let pos = offset;
  let osz16 = bits === 16;
  let asz16 = osz16;
  let rep = 0; // last F2/F3 byte
  let repIdx = -1;
  let oszIdx = -1;
  let aszIdx = -1;
  let segIdx = -1;
  let prefixes = 0;
  const maxEnd = offset + 15;
  let b: number;
  for (;;) {
    if (pos >= end) return truncated(out, pos - offset);
    if (pos >= maxEnd) return tooLong(out);
    b = code[pos] as number;
    const k = PREFIX_KIND[b] as number;
    if (k === 0) {
      // FWAIT folding (a disassembly option): objdump treats 9B before an x87 opcode as a
      // prefix of it and names the waiting twin (FNSTCW -> FSTCW). The CPU core leaves the
      // option off: to the hardware 9B is an instruction of its own.
      // With prefixes before it and another prefix after it, objdump leaves 9B alone.
      if (
        b === 0x9b && (flags & FOLD_NOW) !== 0 && x87Follows(code, pos + 1, end) &&
        (out.prefixCount === 0 || ESCAPE_X87[code[pos + 1] as number] === 1)
      ) {
        prefixes |= PFX_FWAIT;
        pos++;
        continue;
      }
      break;
    }
    const i = out.prefixCount;
    out.prefixBytes[i] = b;
    out.prefixCount = i + 1;
    if (k === PK_SEG) {
      out.segOverride = PREFIX_SEG[b] as number;
      segIdx = i;
      prefixes |= PFX_SEG;
    } else if (k === PK_OSZ) {
      if (oszIdx < 0) osz16 = !osz16;
      oszIdx = i;
      prefixes |= PFX_OPSIZE;
    } else if (k === PK_ASZ) {
      if (aszIdx < 0) asz16 = !asz16;
      aszIdx = i;
      prefixes |= PFX_ADSIZE;
    } else if (k === PK_LOCK) {
      prefixes |= PFX_LOCK;
    } else {
      rep = b;
      repIdx = i;
    }
    pos++;
  }
  if (rep === 0xf3) prefixes |= PFX_REP;
  else if (rep === 0xf2) prefixes |= PFX_REPNE;

  // Opcode map selection.
  let map = 0;
  let ext = false; // VEX/EVEX/XOP
  const opStart = pos;
  pos++;
  let node: Node;
  let modrm = -1;
  const escape = ESCAPE[b] as number;
  if (escape === 0) {
    node = MAP0[b] as Node;
  } else if (b === 0x0f) {
    if (pos >= end) return truncated(out, pos - offset);
    b = code[pos++] as number;
    if (b === 0x38 || b === 0x3a) {
      map = b === 0x38 ? 2 : 3;
      if (pos >= end) return truncated(out, pos - offset);
      if (pos >= maxEnd) return tooLong(out);
      b = code[pos++] as number;
    } else {
      map = 1;
    }
    node = (MAPS[map] as Node[])[b] as Node;
  } else if (
    pos < end &&
    (b === 0x8f
      ? ((code[pos] as number) & 0x1f) >= 8
      : (b === 0xc4 || b === 0xc5 || b === 0x62) && ((code[pos] as number) & 0xc0) === 0xc0)
  ) {
    // VEX / EVEX: LES/LDS/BOUND with a register operand would be #UD, so ModRM.mod = 3
    // marks the extended prefix (in 16-bit code too, as objdump and later CPUs read it).
    // XOP: POP Ev needs ModRM.reg = 0, so a map field >= 8 marks it, in any code size.
    ext = true;
    const r = decodeExtended(out, code, pos, end, b);
    if (r < 0) return r === -1 ? truncated(out, end - offset) : invalidAt(out, pos + 1 - offset);
    pos = r;
    map = out.opMap;
    if (pos >= end) return truncated(out, pos - offset);
    if (pos >= maxEnd) return tooLong(out);
    b = code[pos++] as number;
    const vm = VEX_MAPS[map];
    node = vm ? (vm[b] as Node) : INVALID;
    rep = out.vexPp === 3 ? 0xf2 : out.vexPp === 2 ? 0xf3 : 0;
    repIdx = -1; // a legacy F2/F3 before VEX is not the mandatory prefix (objdump prints it)
    osz16 = false;
  } else {
    node = MAP0[b] as Node;
  }
  out.opMap = map;
  out.opcode = b;

  // Walk the selector tree.
  let pfxSeen = false; // PS is initialised at the first PFX selector
  for (;;) {
    const kind = node.kind;
    if (kind === NK_FORM) break;
    if (kind <= NK_RM) {
      // ModRM selectors (the common case): GROUP, MOD, RM.
      if (modrm < 0) {
        if (pos >= end) return truncated(out, pos - offset);
        if (pos >= maxEnd) return tooLong(out);
        modrm = code[pos++] as number;
      }
      if (kind === NK_GROUP) node = node.kids[(modrm >> 3) & 7] as Node;
      else if (kind === NK_MOD) node = node.kids[modrm >= 0xc0 ? 1 : 0] as Node;
      else node = node.kids[modrm & 7] as Node;
      continue;
    }
    if (kind === NK_INVALID) {
      out.prefixes |= prefixes;
      out.opSize = osz16 ? 16 : 32;
      out.adSize = asz16 ? 16 : 32;
      return invalidAt(out, Math.max(pos, opStart + 1) - offset);
    }
    if (kind === NK_PFX) {
      if (!pfxSeen) {
        pfxSeen = true;
        PS[PS_MANDATORY] = ext ? out.vexPp : rep === 0xf3 ? 2 : rep === 0xf2 ? 3 : oszIdx >= 0 ? 1 : 0;
        PS[PS_MAND_IDX] = -1;
        PS[PS_OSZ_BEFORE] = osz16 ? 1 : 0;
      }
      PS[PS_OSZ16] = osz16 ? 1 : 0;
      node = selectByPrefix(node, ext, oszIdx, repIdx, bits);
      osz16 = PS[PS_OSZ16] === 1;
      continue;
    }
    if (kind === NK_OSZ) {
      node = node.kids[osz16 ? 0 : 1] as Node;
      continue;
    }
    if (kind === NK_ASZ) {
      node = node.kids[asz16 ? 0 : 1] as Node;
      continue;
    }
    node = node.kids[kind === NK_VEXW ? out.vexW : out.vexL] as Node; // NK.VEXW or NK.VEXL
  }

  const mandIdx = pfxSeen ? (PS[PS_MAND_IDX] as number) : -1;
  const oszBeforePfx = PS[PS_OSZ_BEFORE] === 1; // read only when mandIdx >= 0
  let form = node.form;
  if ((prefixes & PFX_FWAIT) !== 0 && F_WAIT[form]) form = F_WAIT[form] as number;
  out.form = form;
  let oszQuirk = false;
  if (mandIdx >= 0) {
    if (F_PFX_IGNORED[form]) {
      osz16 = oszBeforePfx;
      // objdump prints a 66 beside an ignored F3 (or after an ignored F2) as data16 although
      // it sizes the operand.
      oszQuirk = mandIdx === repIdx && (rep === 0xf3 || oszIdx < repIdx || modrm < 0xc0);
    } else {
      out.usedPrefixes |= 1 << mandIdx;
    }
  }
  if (F_NO_OSZ[form]) osz16 = false;
  const opSize = osz16 ? 16 : 32;
  out.opSize = opSize;
  out.adSize = asz16 ? 16 : 32;
  out.prefixes |= prefixes;
  if (aszIdx >= 0 && F_BY_ADDR[form]) out.usedPrefixes |= 1 << aszIdx;

  if (modrm < 0 && NEEDS_MODRM[form]) {
    if (pos >= end) return truncated(out, pos - offset);
    if (pos >= maxEnd) return tooLong(out);
    modrm = code[pos++] as number;
  }
  out.modrm = modrm;

  // Memory operand addressing (ModRM.mod != 3).
  let udReason = 0;
  const n = F_OP_COUNT[form] as number;
  const kinds = out.opKind;
  const regs = out.opReg;
  out.opCount = n;
  // Memory operands make the segment and address-size prefixes "used" (objdump prints the
  // unused ones): hasMem for the segment, aszUsed for 67.
  let hasMem = false;
  let aszUsed = false;
  const ri = F_RM_INDEX[form] as number;
  if (ri !== 255) {
    const spec = OPS[form * 4 + ri] as number;
    const only = SPEC_ONLY[spec] as number;
    if (modrm >= 0xc0 || only === 2) {
      if (only === 1) udReason = UD_REGISTER_OPERAND;
      kinds[ri] = KIND_REG;
      const base = (opSize === 16 ? REG_BASE16 : REG_BASE32)[form * 4 + ri] as number;
      regs[ri] = base !== DYN ? base + (modrm & 7) : regOf(SPEC_RC[spec] as number, modrm & 7, opSize, out.vexL, asz16);
    } else {
      hasMem = true;
      if (!asz16) {
        // 32-bit addressing inline (the common case); 16-bit forms go to decodeModrm16.
        const md = modrm >> 6;
        let base = modrm & 7;
        let index: number = REG_NONE;
        let scale = 1;
        let dispSize = md === 1 ? 1 : md === 2 ? 4 : 0;
        if (base === 4) {
          if (pos >= end) return truncated(out, end - offset);
          if (pos >= maxEnd) return tooLong(out);
          const sib = code[pos++] as number;
          out.sib = sib;
          const idx = (sib >> 3) & 7;
          if (idx !== 4) index = REG_EAX + idx;
          scale = 1 << (sib >> 6);
          base = sib & 7;
          if (base === 5 && md === 0) {
            dispSize = 4;
            base = -1;
          }
        } else if (base === 5 && md === 0) {
          dispSize = 4;
          base = -1;
        }
        if (pos + dispSize > end) return truncated(out, end - offset);
        if (pos + dispSize > maxEnd) return tooLong(out);
        out.memBase = base >= 0 ? REG_EAX + base : REG_NONE;
        out.memIndex = index;
        out.memScale = scale;
        out.memDisp = dispSize === 1 ? ((code[pos] as number) << 24) >> 24 : dispSize === 4 ? readLE(code, pos, 4) | 0 : 0;
        out.memDispSize = dispSize;
        out.memSeg = out.segOverride !== SEG_NONE ? out.segOverride : base === 4 || base === 5 ? SEG_SS : SEG_DS;
        pos += dispSize;
        // objdump leaves 67 "unused" on a 32-bit displacement-only address (it prints addr32).
        aszUsed = base >= 0 || index !== REG_NONE;
      } else {
        pos = decodeModrm16(out, code, pos, end, maxEnd, modrm);
        if (pos < 0) return pos === -1 ? truncated(out, end - offset) : tooLong(out);
        aszUsed = true;
      }
      kinds[ri] = KIND_MEM;
      setMemSize(out, form, ri, opSize);
    }
  }

  // Remaining operands, in encoding order of their bytes (immediates follow displacement).
  // The commonest shape, r/m with a ModRM.reg register (a third of real code), skips the loop.
  const regOnly = F_REG_PAIR[form] as number;
  if (regOnly !== 255) {
    kinds[regOnly] = KIND_REG;
    regs[regOnly] = ((opSize === 16 ? REG_BASE16 : REG_BASE32)[form * 4 + regOnly] as number) + ((modrm >> 3) & 7);
  } else {
    for (let i = 0; i < n; i++) {
      const loc = OP_LOC[form * 4 + i] as number;
      if (loc === LOC_RM) continue;
      const spec = OPS[form * 4 + i] as number;
      switch (loc) {
        case LOC_RM:
          break;
        case LOC_REG: {
          kinds[i] = KIND_REG;
          const base = (opSize === 16 ? REG_BASE16 : REG_BASE32)[form * 4 + i] as number;
          regs[i] = base !== DYN ? base + ((modrm >> 3) & 7) : regOf(SPEC_RC[spec] as number, (modrm >> 3) & 7, opSize, out.vexL, asz16);
          break;
        }
        case LOC_OPREG: {
          kinds[i] = KIND_REG;
          const base = (opSize === 16 ? REG_BASE16 : REG_BASE32)[form * 4 + i] as number;
          regs[i] = base !== DYN ? base + (b & 7) : regOf(SPEC_RC[spec] as number, b & 7, opSize, out.vexL, asz16);
          break;
        }
        case LOC_FIXED: {
          kinds[i] = KIND_REG;
          const base = (opSize === 16 ? REG_BASE16 : REG_BASE32)[form * 4 + i] as number;
          regs[i] = base !== DYN ? base + (SPEC_N[spec] as number) : regOf(SPEC_RC[spec] as number, SPEC_N[spec] as number, opSize, out.vexL, asz16);
          break;
        }
        case LOC_VVVV:
          kinds[i] = KIND_REG;
          regs[i] = regOf(SPEC_RC[spec] as number, out.vexV & 7, opSize, out.vexL, asz16);
          break;
        case LOC_IMM:
        case LOC_IS4: {
          const size = (osz16 ? IMM_SIZE16 : IMM_SIZE32)[spec] as number;
          if (pos + size > end) return truncated(out, end - offset);
          if (pos + size > maxEnd) return tooLong(out);
          let v = readLE(code, pos, size);
          pos += size;
          if (SPEC_SX[spec]) {
            v = (v << 24) >> 24;
            v = opSize === 16 ? v & 0xffff : v >>> 0;
          }
          if (loc === LOC_IS4) {
            kinds[i] = KIND_REG;
            regs[i] = regOf(SPEC_RC[spec] as number, (v >> 4) & 7, opSize, out.vexL, asz16);
            out.imm2 = v;
          } else if (i > 0 && kinds[i - 1] === KIND_IMM) {
            out.imm2 = v; // ENTER's second immediate
            kinds[i] = KIND_IMM;
          } else {
            out.imm = v;
            kinds[i] = KIND_IMM;
          }
          out.opBytes[i] = size;
          break;
        }
        case LOC_CONST1:
          kinds[i] = KIND_CONST1;
          out.imm = 1;
          break;
        case LOC_REL: {
          let size = SPEC_N[spec] as number;
          if (size === 4 && osz16) size = 2;
          if (pos + size > end) return truncated(out, end - offset);
          if (pos + size > maxEnd) return tooLong(out);
          let disp = readLE(code, pos, size);
          pos += size;
          disp = size === 1 ? (disp << 24) >> 24 : size === 2 ? (disp << 16) >> 16 : disp | 0;
          out.imm = disp >>> 0;
          kinds[i] = KIND_REL;
          out.opBytes[i] = size;
          const next = ip + (pos - offset);
          out.target = opSize === 16 ? (next + disp) & 0xffff : (next + disp) >>> 0;
          break;
        }
        case LOC_FAR: {
          const size = osz16 ? 2 : 4;
          if (pos + size + 2 > end) return truncated(out, end - offset);
          if (pos + size + 2 > maxEnd) return tooLong(out);
          out.imm = readLE(code, pos, size);
          out.imm2 = readLE(code, pos + size, 2);
          pos += size + 2;
          kinds[i] = KIND_FAR;
          break;
        }
        case LOC_MOFFS: {
          const size = asz16 ? 2 : 4;
          if (pos + size > end) return truncated(out, end - offset);
          if (pos + size > maxEnd) return tooLong(out);
          clearMem(out);
          out.memDisp = readLE(code, pos, size);
          out.memDispSize = size;
          pos += size;
          out.memSeg = out.segOverride === SEG_NONE ? SEG_DS : out.segOverride;
          kinds[i] = KIND_MEM;
          hasMem = true; // 67 stays "unused" for objdump, as for other displacement-only forms
          setMemSize(out, form, i, opSize);
          break;
        }
        case LOC_STR_SRC:
        case LOC_XLAT:
          kinds[i] = KIND_MEM;
          clearMem(out);
          out.memSeg = out.segOverride === SEG_NONE ? SEG_DS : out.segOverride;
          out.memBase = loc === LOC_XLAT ? (asz16 ? REG_BX : REG_EBX) : asz16 ? REG_SI : REG_ESI;
          setMemSize(out, form, i, opSize);
          hasMem = true;
          aszUsed = true;
          break;
        case LOC_STR_DST:
          kinds[i] = KIND_MEM;
          out.mem2Seg = SEG_ES;
          out.mem2Base = asz16 ? REG_DI : REG_EDI;
          aszUsed = true; // ES is fixed: a segment prefix stays unused
          setMemSize(out, form, i, opSize);
          break;
        default:
          break;
      }
    }
  }
  if (segIdx >= 0 && hasMem) out.usedPrefixes |= 1 << segIdx;
  // oszUsed 2: only a register operand's width depends on the operand size (MOV r/m16, Sreg).
  const oszUsed = F_OSZ_USED[form] as number;
  // A legacy 66 before VEX/EVEX/XOP is never the operand size (objdump prints data16).
  const extended = ext;
  if (oszIdx >= 0 && !oszQuirk && !extended && (F_SFX[form] || oszUsed === 1 || (oszUsed === 2 && modrm >= 0xc0))) {
    out.usedPrefixes |= 1 << oszIdx;
  }
  if (aszIdx >= 0 && aszUsed) out.usedPrefixes |= 1 << aszIdx;

  if (extended) fixExtended(out); // VSIB, EVEX zmm/disp8*N
  out.length = pos - offset;
  const check = F_CHECK[form] as number;
  if (((prefixes & PFX_LOCK) | check | udReason) === 0) {
    out.status = ST_Ok;
    return ST_Ok;
  }
  if ((prefixes & PFX_LOCK) !== 0 && (!F_LOCK[form] || !hasMem || kinds[0] !== KIND_MEM)) {
    udReason = UD_LOCK;
  }
  if (check !== 0 && udReason === 0) {
    if ((check & 1) !== 0) udReason = UD_OPCODE;
    else {
      // Segment register 6/7 does not exist; MOV CS, r/m is #UD.
      const sreg = (modrm >> 3) & 7;
      if (sreg > 5 || (sreg === SEG_CS && F_SREG_OP[form] === 0)) udReason = UD_SEGMENT_REGISTER;
    }
  }
  if (udReason !== 0) {
    out.udReason = udReason;
    out.status = ST_Invalid;
    return ST_Invalid;
  }
  out.status = ST_Ok;
  return ST_Ok;
}


// State of the mandatory-prefix selection, kept out of decodeInto's frame (the selector is
// off the hot path of integer code, and initialised at the first PFX node of a decode): the
// prefix kind (0 none, 1 66, 2 F3, 3 F2), the index of the prefix byte it consumed, the
// operand size (1 = 16-bit) and the operand size before the selection.
const PS = new Int32Array(4);
const PS_MANDATORY = 0;
const PS_MAND_IDX = 1;
const PS_OSZ16 = 2;
const PS_OSZ_BEFORE = 3;

/** One PFX selector step: picks the child for the mandatory prefix and records what it consumed. */
function selectByPrefix(node: Node, ext: boolean, oszIdx: number, repIdx: number, bits: number): Node {
  let mandatory = PS[PS_MANDATORY] as number;
  const child = node.kids[mandatory] as Node;
  const k0 = node.kids[0] as Node;
  const k1 = node.kids[1] as Node;
  if (mandatory >= 2 && child.kind === NK_INVALID && oszIdx >= 0 && k1.kind !== NK_INVALID) {
    // F2/F3 without a form of their own: 66 may still select one (objdump prints the rep as unused).
    mandatory = 1;
    node = k1;
  } else if (
    child.kind === NK_FORM && mandatory !== 0 &&
    (child.form === k0.form || (mandatory >= 2 && F_PFX_IGNORED[child.form] === 1))
  ) {
    // The form ignores this prefix (F2 90 is NOP): the prefix stays unused, but a 66
    // beside an ignored F2/F3 may still select its own form (F2 66 90 is XCHG AX,AX).
    const k1Own = k1.kind !== NK_INVALID && !(k1.kind === NK_FORM && (k1.form === child.form || k1.form === k0.form));
    if (mandatory >= 2 && oszIdx >= 0 && k1Own) {
      PS[PS_MANDATORY] = 1;
      PS[PS_OSZ_BEFORE] = PS[PS_OSZ16] as number;
      PS[PS_MAND_IDX] = oszIdx;
      PS[PS_OSZ16] = bits === 16 ? 1 : 0;
      return k1;
    }
    if (child.form === k0.form) return child;
    node = child;
  } else {
    node = child;
  }
  PS[PS_MANDATORY] = mandatory;
  PS[PS_OSZ_BEFORE] = PS[PS_OSZ16] as number;
  if (mandatory === 1) {
    if (!ext) {
      PS[PS_MAND_IDX] = oszIdx;
      PS[PS_OSZ16] = bits === 16 ? 1 : 0;
    }
  } else if (mandatory >= 2 && repIdx >= 0) {
    // 66 keeps its operand-size meaning beside F2/F3 (66 F3 0F BC is TZCNT r16).
    PS[PS_MAND_IDX] = repIdx;
  }
  return node;
}

/** The x87 escapes D8-DF. */
const ESCAPE_X87 = new Uint8Array(256).fill(1, 0xd8, 0xe0);

/** Internal flag: fold FWAIT in this attempt. */
const FOLD_NOW = 0x10000;

/** `decodeInto` with FOLD_FWAIT: fold if the x87 instruction after 9B decodes, else 9B alone. */
function decodeFolding(
  out: Instruction,
  code: Uint8Array,
  offset: number,
  end: number,
  bits: 16 | 32,
  ip: number,
  flags: number,
): DecodeStatus {
  const rest = flags & ~DecodeFlags.FOLD_FWAIT;
  const st = decodeInto(out, code, offset, end, bits, ip, rest | FOLD_NOW);
  if ((out.prefixes & PFX_FWAIT) !== 0 && (st === ST_TooLong || st === ST_Truncated || out.form === 0)) {
    // The folded x87 instruction does not decode: 9B stands alone after all (objdump agrees).
    return decodeInto(out, code, offset, end, bits, ip, rest);
  }
  return st;
}

/** True when the bytes from `pos` are prefixes or FWAITs followed by an x87 escape (D8-DF). */
function x87Follows(code: Uint8Array, pos: number, end: number): boolean {
  while (pos < end) {
    const b = code[pos] as number;
    if (b >= 0xd8 && b <= 0xdf) return true;
    if (b !== 0x9b && PREFIX_KIND[b] === 0) return false;
    pos++;
  }
  return false;
}

function readLE(code: Uint8Array, pos: number, size: number): number {
  if (size === 1) return code[pos] as number;
  if (size === 2) return (code[pos] as number) | ((code[pos + 1] as number) << 8);
  return (
    ((code[pos] as number) |
      ((code[pos + 1] as number) << 8) |
      ((code[pos + 2] as number) << 16) |
      ((code[pos + 3] as number) << 24)) >>>
    0
  );
}

/** Register id for a class and 3-bit number. */
function regOf(rc: number, num: number, opSize: number, vexL: number, asz16: boolean): number {
  switch (rc) {
    case RC_GPRA:
      return (asz16 ? REG_AX : REG_EAX) + num;
    case RC_GPRV:
      return (opSize === 16 ? REG_AX : REG_EAX) + num;
    case RC_XMMV:
      return (vexL === 2 ? REG_ZMM0 : vexL ? REG_YMM0 : REG_XMM0) + num;
    case RC_XMMH:
      return REG_XMM0 + num;
    default:
      return rc * 8 + num;
  }
}

function setMemSize(out: Instruction, form: number, i: number, opSize: number): void {
  const slot = form * 4 + i;
  const big = MEM_VL[slot] ? out.vexL !== 0 : opSize === 32;
  out.opBytes[i] = (big ? MEM_BYTES32 : MEM_BYTES16)[slot] as number;
  out.opPtr[i] = (big ? MEM_PTR32 : MEM_PTR16)[slot] as number;
}

/**
 * Parses the memory form of a 16-bit ModRM and its displacement (32-bit addressing is
 * decoded inline in decodeInto). Returns the new position, -1 truncated, -2 too long.
 */
function decodeModrm16(out: Instruction, code: Uint8Array, pos: number, end: number, maxEnd: number, modrm: number): number {
  const md = modrm >> 6;
  const rm = modrm & 7;
  clearMem(out);
  let dispSize: number;
  let defSeg: number = SEG_DS;
  if (md === 0 && rm === 6) {
    dispSize = 2;
  } else {
    out.memBase = BASE16[rm] as number;
    out.memIndex = INDEX16[rm] as number;
    if (out.memBase === REG_BP) defSeg = SEG_SS;
    dispSize = md === 1 ? 1 : md === 2 ? 2 : 0;
  }
  if (pos + dispSize > end) return -1;
  if (pos + dispSize > maxEnd) return -2;
  if (dispSize === 1) out.memDisp = ((code[pos] as number) << 24) >> 24;
  else if (dispSize === 2) out.memDisp = (readLE(code, pos, 2) << 16) >> 16;
  out.memDispSize = dispSize;
  out.memSeg = out.segOverride === SEG_NONE ? defSeg : out.segOverride;
  return pos + dispSize;
}

function clearMem(out: Instruction): void {
  out.memBase = REG_NONE;
  out.memIndex = REG_NONE;
  out.memScale = 1;
  out.memDisp = 0;
  out.memDispSize = 0;
}

function failed(out: Instruction): void {
  out.form = 0;
  out.opCount = 0;
  out.modrm = -1;
}

function truncated(out: Instruction, len: number): DecodeStatus {
  failed(out);
  out.length = Math.max(1, Math.min(len, 15));
  out.status = ST_Truncated;
  return ST_Truncated;
}

function tooLong(out: Instruction): DecodeStatus {
  failed(out);
  out.length = 15;
  out.status = ST_TooLong;
  return ST_TooLong;
}

function invalidAt(out: Instruction, len: number): DecodeStatus {
  out.length = Math.max(1, len);
  failed(out);
  out.status = ST_Invalid;
  out.udReason = UD_OPCODE;
  return ST_Invalid;
}

/**
 * VEX (C4/C5), EVEX (62) and XOP (8F) prefixes in 32-bit code. Fills the VEX fields and
 * `opMap`; returns the position of the opcode byte, -1 when truncated, -2 when invalid.
 */
function decodeExtended(out: Instruction, code: Uint8Array, pos: number, end: number, esc: number): number {
  const p0 = code[pos] as number;
  if (esc === 0xc5) {
    out.prefixes |= PFX_VEX;
    out.opMap = 17;
    out.vexV = (~p0 >> 3) & 15;
    out.vexL = (p0 >> 2) & 1;
    out.vexPp = p0 & 3;
    return pos + 1;
  }
  if (pos + 1 >= end) return -1;
  const p1 = code[pos + 1] as number;
  if (esc === 0xc4 || esc === 0x8f) {
    const m = p0 & 0x1f;
    if (esc === 0x8f && m < 8) return -2;
    out.prefixes |= esc === 0xc4 ? PFX_VEX : PFX_XOP;
    out.opMap = esc === 0xc4 ? 16 + m : m; // VEX maps 17-19, XOP maps 8-10
    out.vexW = p1 >> 7;
    out.vexV = (~p1 >> 3) & 15;
    out.vexL = (p1 >> 2) & 1;
    out.vexPp = p1 & 3;
    return pos + 2;
  }
  // EVEX: P0 = R X B R' 0 m m m, P1 = W vvvv 1 pp, P2 = z L'L b V' aaa
  if (pos + 2 >= end) return -1;
  const p2 = code[pos + 2] as number;
  out.prefixes |= PFX_EVEX;
  out.opMap = 32 + (p0 & 7);
  out.vexW = p1 >> 7;
  out.vexV = (~p1 >> 3) & 15;
  out.vexPp = p1 & 3;
  out.vexL = (p2 >> 5) & 3;
  out.evexB = (p2 >> 4) & 1;
  out.evexZ = p2 >> 7;
  out.evexAaa = p2 & 7;
  return pos + 3;
}
