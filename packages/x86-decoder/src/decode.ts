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

import { Cf, compileForms, INVALID, NK, Node, type FormColumns } from './forms.js';
import { DecodeStatus, Instruction, OpKind, Pfx, UdReason } from './instruction.js';
import {
  Loc, RC, SPEC_LOC, SPEC_M16, SPEC_M32, SPEC_N, SPEC_ONLY, SPEC_P16, SPEC_P32, SPEC_RC,
  SPEC_SX, SPEC_VSIZE,
} from './operands.js';
import { Reg, Seg } from './registers.js';
import { MAPS, VEX_MAPS } from './tables/index.js';
import { fixExtended } from './vex.js';

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

export const FORM: FormColumns = compileForms();

// Prefix byte -> kind (0: not a prefix).
const PK_SEG = 1;
const PK_OSZ = 2;
const PK_ASZ = 3;
const PK_LOCK = 4;
const PK_REP = 5;
const PREFIX_KIND = new Uint8Array(256);
const PREFIX_SEG = new Uint8Array(256);
for (const [b, s] of [[0x26, Seg.ES], [0x2e, Seg.CS], [0x36, Seg.SS], [0x3e, Seg.DS], [0x64, Seg.FS], [0x65, Seg.GS]] as const) {
  PREFIX_KIND[b] = PK_SEG;
  PREFIX_SEG[b] = s;
}
PREFIX_KIND[0x66] = PK_OSZ;
PREFIX_KIND[0x67] = PK_ASZ;
PREFIX_KIND[0xf0] = PK_LOCK;
PREFIX_KIND[0xf2] = PK_REP;
PREFIX_KIND[0xf3] = PK_REP;

// 16-bit ModRM base/index pairs (rm 0-7).
const BASE16 = [Reg.BX, Reg.BX, Reg.BP, Reg.BP, Reg.SI, Reg.DI, Reg.BP, Reg.BX];
const INDEX16 = [Reg.SI, Reg.DI, Reg.SI, Reg.DI, Reg.NONE, Reg.NONE, Reg.NONE, Reg.NONE];

const OPS = FORM.ops;
const NEEDS_MODRM = FORM.needsModrm;

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
  const st = decodeOne(out, code, offset, end, bits, ip, flags);
  if ((out.prefixes & Pfx.FWAIT) !== 0 && (st === DecodeStatus.TooLong || st === DecodeStatus.Truncated || out.form === 0)) {
    // The folded x87 instruction does not decode: 9B stands alone after all (objdump agrees).
    return decodeOne(out, code, offset, end, bits, ip, flags & ~DecodeFlags.FOLD_FWAIT);
  }
  return st;
}

function decodeOne(
  out: Instruction,
  code: Uint8Array,
  offset: number,
  end: number,
  bits: 16 | 32,
  ip: number,
  flags: number,
): DecodeStatus {
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
      if (b === 0x9b && (flags & DecodeFlags.FOLD_FWAIT) !== 0 && x87Follows(code, pos + 1, end)) {
        prefixes |= Pfx.FWAIT;
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
      prefixes |= Pfx.SEG;
    } else if (k === PK_OSZ) {
      if (oszIdx < 0) osz16 = !osz16;
      oszIdx = i;
      prefixes |= Pfx.OPSIZE;
    } else if (k === PK_ASZ) {
      if (aszIdx < 0) asz16 = !asz16;
      aszIdx = i;
      prefixes |= Pfx.ADSIZE;
    } else if (k === PK_LOCK) {
      prefixes |= Pfx.LOCK;
    } else {
      rep = b;
      repIdx = i;
    }
    pos++;
  }
  if (rep === 0xf3) prefixes |= Pfx.REP;
  else if (rep === 0xf2) prefixes |= Pfx.REPNE;

  // Opcode map selection.
  let map = 0;
  const opStart = pos;
  pos++;
  let node: Node;
  let modrm = -1;
  if (b === 0x0f) {
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
    // marks the extended prefix (in 16-bit code too, as objdump and later CPUs read it). XOP: POP Ev needs ModRM.reg = 0, so a map
    // field >= 8 marks it, in any code size.
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
    node = (MAPS[0] as Node[])[b] as Node;
  }
  out.opMap = map;
  out.opcode = b;

  // Walk the selector tree.
  let mandIdx = -1; // the prefix byte a PFX selector consumed
  let oszBeforePfx = osz16;
  let mandatory = out.prefixes & (Pfx.VEX | Pfx.EVEX | Pfx.XOP) ? out.vexPp : rep === 0xf3 ? 2 : rep === 0xf2 ? 3 : oszIdx >= 0 ? 1 : 0;
  for (;;) {
    const kind = node.kind;
    if (kind === NK.FORM) break;
    if (kind === NK.INVALID) {
      out.prefixes |= prefixes;
      out.opSize = osz16 ? 16 : 32;
      out.adSize = asz16 ? 16 : 32;
      return invalidAt(out, Math.max(pos, opStart + 1) - offset);
    }
    if (kind === NK.PFX) {
      const child = node.kids[mandatory] as Node;
      if (mandatory !== 0 && child.kind === NK.INVALID && mandatory !== 1 && oszIdx >= 0 && (node.kids[1] as Node).kind !== NK.INVALID) {
        // F2/F3 without a form of their own: 66 may still select one (objdump prints the rep as unused).
        mandatory = 1;
        node = node.kids[1] as Node;
      } else if (
        child.kind === NK.FORM && mandatory !== 0 &&
        (child.form === (node.kids[0] as Node).form || (mandatory >= 2 && FORM.pfxIgnored[child.form] === 1))
      ) {
        // The form ignores this prefix (F2 90 is NOP): the prefix stays unused, but a 66
        // beside an ignored F2/F3 may still select its own form (F2 66 90 is XCHG AX,AX).
        const k1 = node.kids[1] as Node;
        const k0 = node.kids[0] as Node;
        const k1Own = k1.kind !== NK.INVALID && !(k1.kind === NK.FORM && (k1.form === child.form || k1.form === k0.form));
        if (mandatory >= 2 && oszIdx >= 0 && k1Own) {
          mandatory = 1;
          node = k1;
          oszBeforePfx = osz16;
          mandIdx = oszIdx;
          osz16 = bits === 16;
          continue;
        }
        const sameAsNone = child.form === (node.kids[0] as Node).form;
        node = child;
        if (sameAsNone) continue;
      } else {
        node = child;
      }
      oszBeforePfx = osz16;
      if (mandatory === 1) {
        if (!(out.prefixes & Pfx.VEX)) {
          mandIdx = oszIdx;
          osz16 = bits === 16;
        }
      } else if (mandatory >= 2 && repIdx >= 0) {
        // 66 keeps its operand-size meaning beside F2/F3 (66 F3 0F BC is TZCNT r16).
        mandIdx = repIdx;
      }
      continue;
    }
    if (kind === NK.OSZ) {
      node = node.kids[osz16 ? 0 : 1] as Node;
      continue;
    }
    if (kind === NK.ASZ) {
      node = node.kids[asz16 ? 0 : 1] as Node;
      continue;
    }
    if (kind === NK.VEXW || kind === NK.VEXL) {
      node = node.kids[kind === NK.VEXW ? out.vexW : out.vexL] as Node;
      continue;
    }
    if (modrm < 0) {
      if (pos >= end) return truncated(out, pos - offset);
      if (pos >= maxEnd) return tooLong(out);
      modrm = code[pos++] as number;
    }
    if (kind === NK.GROUP) node = node.kids[(modrm >> 3) & 7] as Node;
    else if (kind === NK.MOD) node = node.kids[modrm >= 0xc0 ? 1 : 0] as Node;
    else node = node.kids[modrm & 7] as Node; // NK.RM
  }

  let form = node.form;
  if ((prefixes & Pfx.FWAIT) !== 0 && FORM.waitForm[form]) form = FORM.waitForm[form] as number;
  out.form = form;
  let oszQuirk = false;
  if (mandIdx >= 0) {
    if (FORM.pfxIgnored[form]) {
      osz16 = oszBeforePfx;
      // objdump prints a 66 beside an ignored F3 (or after an ignored F2) as data16 although
      // it sizes the operand.
      oszQuirk = mandIdx === repIdx && (rep === 0xf3 || oszIdx < repIdx || modrm < 0xc0);
    } else {
      out.usedPrefixes |= 1 << mandIdx;
    }
  }
  if (FORM.noOsz[form]) osz16 = false;
  const opSize = osz16 ? 16 : 32;
  out.opSize = opSize;
  out.adSize = asz16 ? 16 : 32;
  out.prefixes |= prefixes;
  if (aszIdx >= 0 && FORM.byAddr[form]) out.usedPrefixes |= 1 << aszIdx;

  if (modrm < 0 && NEEDS_MODRM[form]) {
    if (pos >= end) return truncated(out, pos - offset);
    if (pos >= maxEnd) return tooLong(out);
    modrm = code[pos++] as number;
  }
  out.modrm = modrm;

  // Memory operand addressing (ModRM.mod != 3).
  let udReason = 0;
  const n = FORM.opCount[form] as number;
  out.opCount = n;
  // Memory operands make the segment and address-size prefixes "used" (objdump prints the
  // unused ones): hasMem for the segment, aszUsed for 67.
  let hasMem = false;
  let aszUsed = false;
  for (let i = 0; i < n; i++) {
    const spec = OPS[form * 4 + i] as number;
    const loc = SPEC_LOC[spec] as number;
    if (loc !== Loc.RM) continue;
    const only = SPEC_ONLY[spec] as number;
    if (modrm >= 0xc0 || only === 2) {
      if (only === 1) udReason = UdReason.REGISTER_OPERAND;
      out.opKind[i] = OpKind.REG;
      out.opReg[i] = regOf(SPEC_RC[spec] as number, modrm & 7, opSize, out.vexL, asz16);
      continue;
    }
    hasMem = true;
    pos = decodeModrmMemory(out, code, pos, end, maxEnd, modrm, asz16);
    if (pos < 0) return pos === -1 ? truncated(out, end - offset) : tooLong(out);
    // objdump leaves 67 "unused" on a 32-bit displacement-only address (it prints addr32).
    aszUsed = asz16 || out.memBase !== Reg.NONE || out.memIndex !== Reg.NONE;
    out.opKind[i] = OpKind.MEM;
    setMemSize(out, i, spec, opSize);
  }

  // Remaining operands, in encoding order of their bytes (immediates follow displacement).
  for (let i = 0; i < n; i++) {
    const spec = OPS[form * 4 + i] as number;
    const loc = SPEC_LOC[spec] as number;
    switch (loc) {
      case Loc.RM:
        break;
      case Loc.REG:
        out.opKind[i] = OpKind.REG;
        out.opReg[i] = regOf(SPEC_RC[spec] as number, (modrm >> 3) & 7, opSize, out.vexL, asz16);
        break;
      case Loc.OPREG:
        out.opKind[i] = OpKind.REG;
        out.opReg[i] = regOf(SPEC_RC[spec] as number, b & 7, opSize, out.vexL, asz16);
        break;
      case Loc.FIXED:
        out.opKind[i] = OpKind.REG;
        out.opReg[i] = regOf(SPEC_RC[spec] as number, SPEC_N[spec] as number, opSize, out.vexL, asz16);
        break;
      case Loc.VVVV:
        out.opKind[i] = OpKind.REG;
        out.opReg[i] = regOf(SPEC_RC[spec] as number, out.vexV & 7, opSize, out.vexL, asz16);
        break;
      case Loc.IMM:
      case Loc.IS4: {
        let size = SPEC_N[spec] as number;
        if (SPEC_VSIZE[spec] && size === 4 && osz16) size = 2;
        if (pos + size > end) return truncated(out, end - offset);
        if (pos + size > maxEnd) return tooLong(out);
        let v = readLE(code, pos, size);
        pos += size;
        if (SPEC_SX[spec]) {
          v = (v << 24) >> 24;
          v = opSize === 16 ? v & 0xffff : v >>> 0;
        }
        if (loc === Loc.IS4) {
          out.opKind[i] = OpKind.REG;
          out.opReg[i] = regOf(SPEC_RC[spec] as number, (v >> 4) & 7, opSize, out.vexL, asz16);
          out.imm2 = v;
        } else if (i > 0 && out.opKind[i - 1] === OpKind.IMM) {
          out.imm2 = v; // ENTER's second immediate
          out.opKind[i] = OpKind.IMM;
        } else {
          out.imm = v;
          out.opKind[i] = OpKind.IMM;
        }
        out.opBytes[i] = size;
        break;
      }
      case Loc.CONST1:
        out.opKind[i] = OpKind.CONST1;
        out.imm = 1;
        break;
      case Loc.REL: {
        let size = SPEC_N[spec] as number;
        if (size === 4 && osz16) size = 2;
        if (pos + size > end) return truncated(out, end - offset);
        if (pos + size > maxEnd) return tooLong(out);
        let disp = readLE(code, pos, size);
        pos += size;
        disp = size === 1 ? (disp << 24) >> 24 : size === 2 ? (disp << 16) >> 16 : disp | 0;
        out.imm = disp >>> 0;
        out.opKind[i] = OpKind.REL;
        out.opBytes[i] = size;
        const next = ip + (pos - offset);
        out.target = opSize === 16 ? (next + disp) & 0xffff : (next + disp) >>> 0;
        break;
      }
      case Loc.FAR: {
        const size = osz16 ? 2 : 4;
        if (pos + size + 2 > end) return truncated(out, end - offset);
        if (pos + size + 2 > maxEnd) return tooLong(out);
        out.imm = readLE(code, pos, size);
        out.imm2 = readLE(code, pos + size, 2);
        pos += size + 2;
        out.opKind[i] = OpKind.FAR;
        break;
      }
      case Loc.MOFFS: {
        const size = asz16 ? 2 : 4;
        if (pos + size > end) return truncated(out, end - offset);
        if (pos + size > maxEnd) return tooLong(out);
        out.memDisp = readLE(code, pos, size);
        out.memDispSize = size;
        pos += size;
        out.memSeg = out.segOverride === Seg.NONE ? Seg.DS : out.segOverride;
        out.opKind[i] = OpKind.MEM;
        hasMem = true; // 67 stays "unused" for objdump, as for other displacement-only forms
        setMemSize(out, i, spec, opSize);
        break;
      }
      case Loc.STR_SRC:
      case Loc.XLAT:
        out.opKind[i] = OpKind.MEM;
        out.memSeg = out.segOverride === Seg.NONE ? Seg.DS : out.segOverride;
        out.memBase = loc === Loc.XLAT ? (asz16 ? Reg.BX : Reg.EBX) : asz16 ? Reg.SI : Reg.ESI;
        setMemSize(out, i, spec, opSize);
        hasMem = true;
        aszUsed = true;
        break;
      case Loc.STR_DST:
        out.opKind[i] = OpKind.MEM;
        out.mem2Seg = Seg.ES;
        out.mem2Base = asz16 ? Reg.DI : Reg.EDI;
        aszUsed = true; // ES is fixed: a segment prefix stays unused
        setMemSize(out, i, spec, opSize);
        break;
      default:
        break;
    }
  }
  if (segIdx >= 0 && hasMem) out.usedPrefixes |= 1 << segIdx;
  // oszUsed 2: only a register operand's width depends on the operand size (MOV r/m16, Sreg).
  const oszUsed = FORM.oszUsed[form] as number;
  // A legacy 66 before VEX/EVEX/XOP is never the operand size (objdump prints data16).
  const extended = (out.prefixes & (Pfx.VEX | Pfx.EVEX | Pfx.XOP)) !== 0;
  if (oszIdx >= 0 && !oszQuirk && !extended && (FORM.sfx[form] || oszUsed === 1 || (oszUsed === 2 && modrm >= 0xc0))) {
    out.usedPrefixes |= 1 << oszIdx;
  }
  if (aszIdx >= 0 && aszUsed) out.usedPrefixes |= 1 << aszIdx;

  if (out.prefixes & (Pfx.VEX | Pfx.EVEX | Pfx.XOP)) fixExtended(out); // VSIB, EVEX zmm/disp8*N
  out.length = pos - offset;
  if ((prefixes & Pfx.LOCK) !== 0 && (!FORM.lock[form] || !hasMem || out.opKind[0] !== OpKind.MEM)) {
    udReason = UdReason.LOCK;
  }
  if (udReason === 0 && FORM.cf[form] === Cf.UD) udReason = UdReason.OPCODE;
  if (udReason === 0 && (FORM.sregOp[form] as number) >= 0) {
    // Segment register 6/7 does not exist; MOV CS, r/m is #UD.
    const sreg = (modrm >> 3) & 7;
    if (sreg > 5 || (sreg === Seg.CS && FORM.sregOp[form] === 0)) udReason = UdReason.SEGMENT_REGISTER;
  }
  if (udReason !== 0) {
    out.udReason = udReason;
    out.status = DecodeStatus.Invalid;
    return DecodeStatus.Invalid;
  }
  return DecodeStatus.Ok;
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
    case RC.GPRA:
      return (asz16 ? Reg.AX : Reg.EAX) + num;
    case RC.GPRV:
      return (opSize === 16 ? Reg.AX : Reg.EAX) + num;
    case RC.XMMV:
      return (vexL === 2 ? Reg.ZMM0 : vexL ? Reg.YMM0 : Reg.XMM0) + num;
    case RC.XMMH:
      return Reg.XMM0 + num;
    default:
      return rc * 8 + num;
  }
}

function setMemSize(out: Instruction, i: number, spec: number, opSize: number): void {
  const rc = SPEC_RC[spec] as number;
  const big = rc === RC.XMMV || rc === RC.XMMH ? out.vexL !== 0 : opSize === 32;
  out.opBytes[i] = big ? (SPEC_M32[spec] as number) : (SPEC_M16[spec] as number);
  out.opPtr[i] = big ? (SPEC_P32[spec] as number) : (SPEC_P16[spec] as number);
}

/** Parses the memory form of a ModRM (+SIB, displacement). Returns the new position, -1 truncated, -2 too long. */
function decodeModrmMemory(
  out: Instruction,
  code: Uint8Array,
  pos: number,
  end: number,
  maxEnd: number,
  modrm: number,
  asz16: boolean,
): number {
  const md = modrm >> 6;
  const rm = modrm & 7;
  let dispSize = 0;
  let defSeg: number = Seg.DS;
  if (asz16) {
    if (md === 0 && rm === 6) {
      dispSize = 2;
    } else {
      out.memBase = BASE16[rm] as number;
      out.memIndex = INDEX16[rm] as number;
      if (out.memBase === Reg.BP) defSeg = Seg.SS;
      dispSize = md === 1 ? 1 : md === 2 ? 2 : 0;
    }
  } else {
    let base = rm;
    if (rm === 4) {
      if (pos >= end) return -1;
      if (pos >= maxEnd) return -2;
      const sib = code[pos++] as number;
      out.sib = sib;
      const idx = (sib >> 3) & 7;
      base = sib & 7;
      if (idx !== 4) {
        out.memIndex = Reg.EAX + idx;
      }
      out.memScale = 1 << (sib >> 6);
      if (base === 5 && md === 0) {
        dispSize = 4;
        base = -1;
      }
    } else if (rm === 5 && md === 0) {
      dispSize = 4;
      base = -1;
    }
    if (base >= 0) {
      out.memBase = Reg.EAX + base;
      if (base === 4 || base === 5) defSeg = Seg.SS;
    }
    if (md === 1) dispSize = 1;
    else if (md === 2) dispSize = 4;
  }
  if (pos + dispSize > end) return -1;
  if (pos + dispSize > maxEnd) return -2;
  if (dispSize === 1) out.memDisp = ((code[pos] as number) << 24) >> 24;
  else if (dispSize === 2) out.memDisp = readLE(code, pos, 2) << 16 >> 16;
  else if (dispSize === 4) out.memDisp = readLE(code, pos, 4) | 0;
  out.memDispSize = dispSize;
  out.memSeg = out.segOverride === Seg.NONE ? defSeg : out.segOverride;
  return pos + dispSize;
}

function truncated(out: Instruction, len: number): DecodeStatus {
  out.length = Math.max(1, Math.min(len, 15));
  out.status = DecodeStatus.Truncated;
  return DecodeStatus.Truncated;
}

function tooLong(out: Instruction): DecodeStatus {
  out.length = 15;
  out.status = DecodeStatus.TooLong;
  return DecodeStatus.TooLong;
}

function invalidAt(out: Instruction, len: number): DecodeStatus {
  out.length = Math.max(1, len);
  out.form = 0;
  out.status = DecodeStatus.Invalid;
  out.udReason = UdReason.OPCODE;
  return DecodeStatus.Invalid;
}

/**
 * VEX (C4/C5), EVEX (62) and XOP (8F) prefixes in 32-bit code. Fills the VEX fields and
 * `opMap`; returns the position of the opcode byte, -1 when truncated, -2 when invalid.
 */
function decodeExtended(out: Instruction, code: Uint8Array, pos: number, end: number, esc: number): number {
  const p0 = code[pos] as number;
  if (esc === 0xc5) {
    out.prefixes |= Pfx.VEX;
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
    out.prefixes |= esc === 0xc4 ? Pfx.VEX : Pfx.XOP;
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
  out.prefixes |= Pfx.EVEX;
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
