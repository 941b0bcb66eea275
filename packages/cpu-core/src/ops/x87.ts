// The x87 instructions of a Pentium Pro (decoder ISA labels 'x87' and 'x87-p6').
//
// Every handler starts with `begin`: CR0.EM = 1 or CR0.TS = 1 raises #NM (FWAIT: only
// TS = 1 with MP = 1); then a *waiting* instruction with ES set in the status word reports
// the pending exception: #MF (vector 16) with CR0.NE = 1, or — CR0.NE = 0, the PC-compatible
// path — a call to `cpu.onFerr()` (the board raises IRQ 13 from it; the instruction then
// proceeds, as it does on a PC whose chipset asserts IGNNE#). The no-wait control
// instructions (FNSTSW, FNSTCW, FNCLEX, FNINIT, FNSTENV, FNSAVE, FNENI, FNDISI, FNSETPM)
// never report. Non-control instructions record FCS:FIP, FOP and (memory forms) FDS:FDP.
//
// Memory is read before any FPU state changes and stores probe their whole destination
// first, so a #GP/#SS/#PF leaves the FPU untouched (all-or-nothing, like the integer ops).
// Stack faults: a push onto a non-empty ST(7) is an overflow (IE|SF, C1 = 1), reading an
// empty register an underflow (IE|SF, C1 = 0); masked, the destination gets the real (or
// integer, or BCD) indefinite; unmasked, nothing changes but ES/B.
//
// Arithmetic, conversions, FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM/FPREM1 are float80.ts
// (bit-exact), and so are the compares (FCOM/FUCOM/FCOMI/FUCOMI/FICOM/FTST: `compare`) and
// FXAM (`classify`): one implementation, cross-checked against the host FPU.
//
// The transcendentals are transcendental.ts: correctly rounded 80-bit results (RC applies,
// PC does not), the x87's 66-bit-pi argument reduction, every computed result inexact (PE),
// |x| >= 2^63 -> C2 = 1 with the operand unchanged. Against the host x87 they are bit-exact
// except where the host's own evaluation is 1 ulp off (table: test/x87/native/trans.ts and
// the README); where the SDM leaves a case undefined (F2XM1 |x| > 1, FYL2XP1 x <= -1) they
// do what this host does, noted at each case below.
//
// FRSTPM (DB E5, 287 XL only) raises #UD on the P6, as QEMU and Bochs model it.

import { type Instruction, Seg } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import {
  CR0_EM, CR0_MP, CR0_NE, CR0_TS, EFLAGS_AF, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF, SEG_CS, VEC_UD,
} from '../state.js';
import * as F from '../x87/float80.js';
import * as T from '../x87/transcendental.js';
import { type Fpu, isSnan, SW_C0, SW_C1, SW_C2, SW_C3, SW_ES } from '../x87/fpu.js';
import { F80, FE_DE, FE_IE, FE_PE, FE_ZE, type FpCtx } from '../x87/types.js';

export const VEC_NM = 7;
export const VEC_MF = 16;

const SEG_NONE = Seg.NONE;

// ---- scratch (module level: nothing allocated per instruction) ---------------------------
const RES = new Uint32Array(2);
const BCD = new Uint8Array(10);
const ONE = new F80();
ONE.se = 0x3fff;
ONE.hi = 0x80000000;

// ---- prologue ------------------------------------------------------------------------------

/** #NM, then (waiting instructions) the pending-exception report. */
function begin(cpu: Cpu, wait: boolean): Fpu {
  if ((cpu.cr0 & (CR0_EM | CR0_TS)) !== 0) cpu.fault(VEC_NM);
  const fpu = cpu.fpu;
  if (wait && (fpu.sw & SW_ES) !== 0) pendingReport(cpu);
  return fpu;
}

function pendingReport(cpu: Cpu): void {
  if ((cpu.cr0 & CR0_NE) !== 0) cpu.fault(VEC_MF);
  cpu.onFerr();
}

/** A waiting non-control instruction: the prologue, then FCS:FIP, FOP and (memory forms) FDS:FDP. */
function start(cpu: Cpu, insn: Instruction): Fpu {
  const fpu = begin(cpu, true);
  fpu.fip = cpu.eip;
  fpu.fcs = cpu.segSel[SEG_CS] as number;
  fpu.fop = ((insn.opcode & 7) << 8) | (insn.modrm & 0xff);
  if (insn.opKind[0] === 2) {
    fpu.fdp = cpu.effectiveAddress(insn);
    fpu.fds = cpu.segSel[insn.memSeg === SEG_NONE ? 3 : insn.memSeg] as number;
  }
  return fpu;
}

// ---- memory --------------------------------------------------------------------------------

/** Linear address of a `bytes`-long memory destination, with every fault it can raise checked. */
function probeWrite(cpu: Cpu, insn: Instruction, bytes: number): number {
  const lin = cpu.memLinear(insn, bytes);
  const seg = insn.memSeg === SEG_NONE ? 3 : insn.memSeg;
  if ((cpu.segFlags[seg] as number) !== 0) cpu.linear(seg, cpu.effectiveAddress(insn), bytes, true);
  cpu.translate(lin, true);
  cpu.translate((lin + bytes - 1) | 0, true);
  return lin;
}

/** Linear address of a `bytes`-long memory source (limit checked; page faults come with the reads). */
function srcLin(cpu: Cpu, insn: Instruction, bytes: number): number {
  return cpu.memLinear(insn, bytes);
}

function read80(cpu: Cpu, lin: number, out: F80): void {
  out.lo = cpu.read32(lin) >>> 0;
  out.hi = cpu.read32((lin + 4) | 0) >>> 0;
  out.se = cpu.read16((lin + 8) | 0);
}

function write80(cpu: Cpu, lin: number, se: number, hi: number, lo: number): void {
  cpu.write32(lin, lo);
  cpu.write32((lin + 4) | 0, hi);
  cpu.write16((lin + 8) | 0, se);
}

/**
 * Memory operand of an arithmetic/compare form (ST(0) not empty), converted into `out`:
 * false on an unmasked DE. As on the host:
 * - an SNaN m32/m64 stays signalling in `out` (not quieted here), so the operation raises
 *   the IE and, against a QNaN ST(0), delivers the QNaN (SDM Vol. 1, Table 4-7);
 * - a denormal m32/m64 raises no DE when ST(0) is a NaN or an unsupported format (the
 *   operation's IE, if any, is what the host reports), nor when it is divided by a zero
 *   ST(0) (`divBySt0`, FDIVR: ZE only, as float80's div for register operands).
 */
function loadMemOperand(cpu: Cpu, fpu: Fpu, insn: Instruction, kind: number, out: F80, divBySt0 = false): boolean {
  const ctx = fpu.prepare();
  ctx.mask |= FE_IE | FE_DE; // always convert; the flags are decided below
  if (kind === M32) F.fromF32(ctx, cpu.read32(srcLin(cpu, insn, 4)), out);
  else if (kind === M64) {
    const lin = srcLin(cpu, insn, 8);
    const lo = cpu.read32(lin);
    F.fromF64(ctx, lo, cpu.read32((lin + 4) | 0), out);
  } else if (kind === I16) {
    const v = (cpu.read16(srcLin(cpu, insn, 2)) << 16) >> 16;
    F.fromInt(ctx, v, v >> 31, out);
  } else {
    const v = cpu.read32(srcLin(cpu, insn, 4)) | 0;
    F.fromInt(ctx, v, v >> 31, out);
  }
  if ((ctx.flags & FE_IE) !== 0) {
    // The conversion's IE is an SNaN's: undo the quieting; the operation raises the IE.
    ctx.flags &= ~FE_IE;
    out.hi = (out.hi & ~0x40000000) >>> 0;
  }
  if ((ctx.flags & FE_DE) !== 0) {
    fpu.get(0, fpu.a);
    const e = fpu.a.se & 0x7fff;
    const j = (fpu.a.hi & 0x80000000) !== 0;
    const nan = e === 0x7fff && j && ((fpu.a.hi & 0x7fffffff) !== 0 || fpu.a.lo !== 0);
    const unsupported = e !== 0 && !j; // pseudo-NaN, pseudo-infinity, unnormal
    const zero = e === 0 && fpu.a.hi === 0 && fpu.a.lo === 0;
    if (nan || unsupported || (divBySt0 && zero)) ctx.flags &= ~FE_DE;
  }
  if (fpu.raise(ctx.flags)) {
    // An unmasked DE stops the operation; C1 reads 0 afterwards (no round-up, no stack
    // fault), as on the host.
    fpu.sw &= ~SW_C1;
    return false;
  }
  return true;
}

const M32 = 0;
const M64 = 1;
const I16 = 2;
const I32 = 3;

// ---- arithmetic ----------------------------------------------------------------------------

const ADD = 0;
const MUL = 1;
const SUB = 4;
const SUBR = 5;
const DIV = 6;
const DIVR = 7;

function compute(ctx: FpCtx, op: number, x: F80, y: F80, out: F80): boolean {
  switch (op) {
    case ADD: return F.add(ctx, x, y, out);
    case MUL: return F.mul(ctx, x, y, out);
    case SUB: return F.sub(ctx, x, y, out);
    case SUBR: return F.sub(ctx, y, x, out);
    case DIV: return F.div(ctx, x, y, out);
    default: return F.div(ctx, y, x, out);
  }
}

/** ST(dst) <- ST(dst) op `y` (already in fpu.b); pops when `pop`. */
function arithInto(fpu: Fpu, op: number, dst: number, pop: boolean): void {
  const ctx = fpu.prepare();
  fpu.get(dst, fpu.a);
  const ok = compute(ctx, op, fpu.a, fpu.b, fpu.r);
  fpu.raise(ctx.flags);
  fpu.sw = (fpu.sw & ~SW_C1) | (ctx.c1 !== 0 ? SW_C1 : 0);
  if (!ok) return;
  fpu.set(dst, fpu.r);
  if (pop) fpu.pop();
}

/** ST(0) op m32/m64/m16int/m32int. */
function arithMem(op: number, kind: number): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    // The operand is read (and faults) first; the stack check follows.
    if (fpu.isEmpty(0)) {
      readOnly(cpu, insn, kind);
      if (fpu.underflow()) fpu.setIndefinite(0);
      return;
    }
    if (!loadMemOperand(cpu, fpu, insn, kind, fpu.b, op === DIVR)) return;
    arithInto(fpu, op, 0, false);
  };
}

/** Reads a memory operand for its faults only. */
function readOnly(cpu: Cpu, insn: Instruction, kind: number): void {
  if (kind === I16) cpu.read16(srcLin(cpu, insn, 2));
  else if (kind === M64) {
    const lin = srcLin(cpu, insn, 8);
    cpu.read32(lin);
    cpu.read32((lin + 4) | 0);
  } else cpu.read32(srcLin(cpu, insn, 4));
}

/** ST(0) op ST(i) (`toSti` false) or ST(i) op ST(0) (`toSti` true), popping when `pop`. */
function arithReg(op: number, toSti: boolean, pop: boolean): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    const i = insn.modrm & 7;
    const dst = toSti ? i : 0;
    if (fpu.isEmpty(0) || fpu.isEmpty(i)) {
      if (fpu.underflow()) {
        fpu.setIndefinite(dst);
        if (pop) fpu.pop();
      }
      return;
    }
    fpu.get(toSti ? 0 : i, fpu.b);
    arithInto(fpu, op, dst, pop);
  };
}

// ---- compares ------------------------------------------------------------------------------

/** Condition-code bits of float80 (CC_*) as status word bits. */
function ccBits(cc: number): number {
  return ((cc & F.CC_C0) !== 0 ? SW_C0 : 0) | ((cc & F.CC_C1) !== 0 ? SW_C1 : 0) |
    ((cc & F.CC_C2) !== 0 ? SW_C2 : 0) | ((cc & F.CC_C3) !== 0 ? SW_C3 : 0);
}

/** ST(0) against fpu.b (`quiet`: FUCOM); `pops` = 0, 1 or 2. C1 is cleared. */
function compareInto(fpu: Fpu, quiet: boolean, pops: number): void {
  const ctx = fpu.prepare();
  fpu.get(0, fpu.a);
  ctx.mask |= FE_DE; // an unmasked DE still gives the condition codes (host)
  const cc = F.compare(ctx, fpu.a, fpu.b, quiet);
  // An unmasked IE/DE suppresses the pops only: the host still sets the condition codes,
  // C3 C2 C0 = 111 (unordered) for an invalid operand as for a stack fault (the SDM only
  // gives the masked response). cc < 0: unmasked IE.
  fpu.setCc(cc < 0 ? SW_C3 | SW_C2 | SW_C0 : ccBits(cc));
  if (fpu.raise(ctx.flags)) return;
  for (let k = 0; k < pops; k++) fpu.pop();
}

/**
 * Stack fault in FCOM, FUCOM, FICOM (and their pops) or FTST: C3 C2 C0 = 111 (unordered), C1 = 0. The SDM
 * ("FPU Flags Affected") gives the unordered result for the masked response; the host also
 * sets it when IE is unmasked (only the pops are suppressed then).
 */
function compareUnderflow(fpu: Fpu, pops: number): void {
  const masked = fpu.underflow();
  fpu.setCc(SW_C3 | SW_C2 | SW_C0);
  if (!masked) return;
  for (let k = 0; k < pops; k++) fpu.pop();
}

function comMem(kind: number, pop: boolean): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    if (fpu.isEmpty(0)) {
      readOnly(cpu, insn, kind);
      compareUnderflow(fpu, pop ? 1 : 0);
      return;
    }
    // An unmasked DE of a denormal m32/m64 still gives the condition codes (host); it
    // suppresses the pop only.
    const ok = loadMemOperand(cpu, fpu, insn, kind, fpu.b);
    compareInto(fpu, false, ok && pop ? 1 : 0);
  };
}

function comReg(ordered: boolean, pops: number, fixedI = -1): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    const i = fixedI >= 0 ? fixedI : insn.modrm & 7;
    if (fpu.isEmpty(0) || fpu.isEmpty(i)) {
      compareUnderflow(fpu, pops);
      return;
    }
    fpu.get(i, fpu.b);
    compareInto(fpu, !ordered, pops);
  };
}

/** FCOMI/FCOMIP/FUCOMI/FUCOMIP: ZF PF CF from the compare; OF SF AF cleared; C1 kept (0 on a stack fault). */
function comi(ordered: boolean, pop: boolean): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    const i = insn.modrm & 7;
    const mask = EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_AF;
    if (fpu.isEmpty(0) || fpu.isEmpty(i)) {
      // ZF PF CF = 111 (unordered), OF SF AF cleared: the SDM's masked response; the host
      // sets them when IE is unmasked too (only the pop is suppressed then).
      const masked = fpu.underflow();
      cpu.setFlags(EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF, mask);
      if (masked && pop) fpu.pop();
      return;
    }
    const ctx = fpu.prepare();
    fpu.get(0, fpu.a);
    fpu.get(i, fpu.b);
    // C1 is left as it was: the SDM says "set to 0", but the host keeps it (only a stack
    // fault clears it, in fpu.underflow).
    ctx.mask |= FE_DE; // an unmasked DE still gives the flags (host)
    const cc = F.compare(ctx, fpu.a, fpu.b, !ordered);
    // C3 C2 C0 -> ZF PF CF (unordered 111, equal 100, less 001, greater 000). An unmasked
    // IE/DE suppresses the pop only: the host still sets the flags, 111 for an invalid
    // operand as for a stack fault (cc < 0: unmasked IE).
    const f = cc < 0 ? EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF
      : ((cc & F.CC_C3) !== 0 ? EFLAGS_ZF : 0) | ((cc & F.CC_C2) !== 0 ? EFLAGS_PF : 0) | ((cc & F.CC_C0) !== 0 ? EFLAGS_CF : 0);
    cpu.setFlags(f, mask);
    if (fpu.raise(ctx.flags)) return;
    if (pop) fpu.pop();
  };
}

const ftst: Handler = (cpu, insn) => {
  const fpu = start(cpu, insn);
  if (fpu.isEmpty(0)) {
    compareUnderflow(fpu, 0);
    return;
  }
  fpu.b.se = fpu.b.hi = fpu.b.lo = 0;
  compareInto(fpu, false, 0);
};

const fxam: Handler = (cpu, insn) => {
  const fpu = start(cpu, insn);
  fpu.get(0, fpu.a); // an empty register's bits still give C1 (the sign), as on the P6
  fpu.setCc(ccBits(F.classify(fpu.a, fpu.isEmpty(0))));
};

// ---- loads and stores ----------------------------------------------------------------------

/** FLD m32/m64/m80, FILD m16/m32/m64, FBLD m80. */
function loadPush(kind: number): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    const r = fpu.r;
    const ctx = fpu.prepare();
    let ok = true;
    // Read first (faults before any change).
    let w0 = 0;
    let w1 = 0;
    if (kind === LD_F32) w0 = cpu.read32(srcLin(cpu, insn, 4));
    else if (kind === LD_F64 || kind === LD_I64) {
      const lin = srcLin(cpu, insn, 8);
      w0 = cpu.read32(lin);
      w1 = cpu.read32((lin + 4) | 0);
    } else if (kind === LD_F80) read80(cpu, srcLin(cpu, insn, 10), r);
    else if (kind === LD_I16) w0 = (cpu.read16(srcLin(cpu, insn, 2)) << 16) >> 16;
    else if (kind === LD_I32) w0 = cpu.read32(srcLin(cpu, insn, 4)) | 0;
    else {
      const lin = srcLin(cpu, insn, 10);
      for (let k = 0; k < 10; k++) BCD[k] = cpu.read8((lin + k) | 0);
    }
    if (fpu.pushOverflow()) return;
    // A denormal m32/m64 is loaded even when DE is unmasked (the host: TOP, tag and register
    // updated, DE pending for the next waiting instruction); only an unmasked IE (SNaN)
    // suppresses the load.
    ctx.mask |= FE_DE;
    switch (kind) {
      case LD_F32: ok = F.fromF32(ctx, w0, r); break;
      case LD_F64: ok = F.fromF64(ctx, w0, w1, r); break;
      case LD_I16: case LD_I32: ok = F.fromInt(ctx, w0, w0 >> 31, r); break;
      case LD_I64: ok = F.fromInt(ctx, w0, w1, r); break;
      case LD_BCD: ok = F.fromBcd(ctx, BCD, r); break;
      default: break;
    }
    fpu.raise(ctx.flags);
    fpu.sw &= ~SW_C1;
    if (!ok) return;
    fpu.pushSlot();
    fpu.set(0, r);
  };
}
const LD_F32 = 0;
const LD_F64 = 1;
const LD_F80 = 2;
const LD_I16 = 3;
const LD_I32 = 4;
const LD_I64 = 5;
const LD_BCD = 6;

const fldSti: Handler = (cpu, insn) => {
  const fpu = start(cpu, insn);
  const i = insn.modrm & 7;
  // An empty ST(i) is reported as an underflow (C1 = 0) even when ST(7) is full too: the
  // host checks the source first. Masked, the indefinite is pushed either way.
  if (fpu.isEmpty(i)) {
    if (fpu.underflow()) {
      fpu.pushSlot();
      fpu.setIndefinite(0);
    }
    return;
  }
  fpu.get(i, fpu.r);
  if (fpu.pushOverflow()) return;
  fpu.sw &= ~SW_C1;
  fpu.pushSlot();
  fpu.set(0, fpu.r);
};

/** FST/FSTP m32/m64, FIST/FISTP m16/m32, FISTP m64, FBSTP m80, FSTP m80. */
function store(kind: number, pop: boolean): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    const bytes = kind === ST_F32 || kind === ST_I32 ? 4 : kind === ST_I16 ? 2 : kind === ST_F80 || kind === ST_BCD ? 10 : 8;
    const lin = probeWrite(cpu, insn, bytes);
    const ctx = fpu.prepare();
    let ok = true;
    if (fpu.isEmpty(0)) {
      if (!fpu.underflow()) return;
      // Masked: the indefinite of the destination format.
      RES[0] = 0;
      RES[1] = 0;
      switch (kind) {
        case ST_F32: RES[0] = 0xffc00000; break;
        case ST_F64: RES[1] = 0xfff80000; break;
        case ST_I16: RES[0] = 0x8000; break;
        case ST_I32: RES[0] = 0x80000000; break;
        case ST_I64: RES[1] = 0x80000000; break;
        case ST_F80: fpu.r.se = 0xffff; fpu.r.hi = 0xc0000000; fpu.r.lo = 0; break;
        default: BCD.fill(0); BCD[7] = 0xc0; BCD[8] = 0xff; BCD[9] = 0xff; break;
      }
    } else {
      fpu.get(0, fpu.a);
      switch (kind) {
        case ST_F32: ok = F.toF32(ctx, fpu.a, RES); break;
        case ST_F64: ok = F.toF64(ctx, fpu.a, RES); break;
        case ST_I16: ok = F.toInt(ctx, fpu.a, 16, RES); break;
        case ST_I32: ok = F.toInt(ctx, fpu.a, 32, RES); break;
        case ST_I64: ok = F.toInt(ctx, fpu.a, 64, RES); break;
        case ST_F80: fpu.get(0, fpu.r); break;
        default: ok = F.toBcd(ctx, fpu.a, BCD); break;
      }
      fpu.raise(ctx.flags);
      fpu.sw = (fpu.sw & ~SW_C1) | (ctx.c1 !== 0 ? SW_C1 : 0);
      if (!ok) return;
    }
    switch (kind) {
      case ST_F32: case ST_I32: cpu.write32(lin, RES[0] as number); break;
      case ST_I16: cpu.write16(lin, RES[0] as number); break;
      case ST_F64: case ST_I64: cpu.write32(lin, RES[0] as number); cpu.write32((lin + 4) | 0, RES[1] as number); break;
      case ST_F80: write80(cpu, lin, fpu.r.se, fpu.r.hi, fpu.r.lo); break;
      default: for (let k = 0; k < 10; k++) cpu.write8((lin + k) | 0, BCD[k] as number); break;
    }
    if (pop) fpu.pop();
  };
}
const ST_F32 = 0;
const ST_F64 = 1;
const ST_F80 = 2;
const ST_I16 = 3;
const ST_I32 = 4;
const ST_I64 = 5;
const ST_BCD = 6;

/** FST/FSTP ST(i): a raw copy of ST(0). */
function stSti(pop: boolean): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    const i = insn.modrm & 7;
    fpu.sw &= ~SW_C1;
    if (fpu.isEmpty(0)) {
      if (!fpu.underflow()) return;
      fpu.setIndefinite(i);
    } else {
      fpu.get(0, fpu.r);
      fpu.set(i, fpu.r);
    }
    if (pop) fpu.pop();
  };
}

// ---- constants -----------------------------------------------------------------------------

/**
 * FLD1 FLDZ FLDPI FLDL2E FLDL2T FLDLG2 FLDLN2. The P6 holds the constants with more bits
 * and rounds them by RC (not PC): the 64-bit values below are the round-to-nearest ones;
 * L2E, PI, LG2, LN2 were rounded up, so RC = down or chop gives one ulp less; L2T was
 * rounded down, so RC = up gives one ulp more. No PE is raised (as the P6).
 */
function constant(se: number, hi: number, lo: number, adjust: number): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    if (fpu.pushOverflow()) return;
    fpu.sw &= ~SW_C1;
    const rc = (fpu.cw >> 10) & 3;
    let l = lo;
    if (adjust < 0 && (rc & 1) !== 0) l = (lo - 1) >>> 0;
    if (adjust > 0 && rc === 2) l = (lo + 1) >>> 0;
    fpu.pushSlot();
    fpu.setBits(0, se, hi, l);
  };
}

// ---- one-operand ---------------------------------------------------------------------------

function signOp(kind: number): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    if (fpu.isEmpty(0)) {
      if (fpu.underflow()) fpu.setIndefinite(0);
      return;
    }
    fpu.sw &= ~SW_C1;
    const p = fpu.phys(0);
    fpu.se[p] = kind === 0 ? (fpu.se[p] as number) ^ 0x8000 : (fpu.se[p] as number) & 0x7fff;
  };
}

/** FSQRT, FRNDINT: ST(0) <- f(ST(0)). */
function unary(kind: number): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    if (fpu.isEmpty(0)) {
      if (fpu.underflow()) fpu.setIndefinite(0);
      return;
    }
    const ctx = fpu.prepare();
    fpu.get(0, fpu.a);
    const ok = kind === 0 ? F.sqrt(ctx, fpu.a, fpu.r) : F.roundInt(ctx, fpu.a, fpu.r);
    fpu.raise(ctx.flags);
    fpu.sw = (fpu.sw & ~SW_C1) | (ctx.c1 !== 0 ? SW_C1 : 0);
    if (ok) fpu.set(0, fpu.r);
  };
}

const fscale: Handler = (cpu, insn) => {
  const fpu = start(cpu, insn);
  if (fpu.isEmpty(0) || fpu.isEmpty(1)) {
    if (fpu.underflow()) fpu.setIndefinite(0);
    return;
  }
  const ctx = fpu.prepare();
  fpu.get(0, fpu.a);
  fpu.get(1, fpu.b);
  const ok = F.scale(ctx, fpu.a, fpu.b, fpu.r);
  fpu.raise(ctx.flags);
  fpu.sw = (fpu.sw & ~SW_C1) | (ctx.c1 !== 0 ? SW_C1 : 0);
  if (ok) fpu.set(0, fpu.r);
};

const fxtract: Handler = (cpu, insn) => {
  const fpu = start(cpu, insn);
  if (fpu.isEmpty(0)) {
    // Masked: ST(0) <- indefinite and the indefinite pushed. A full ST(7) changes nothing:
    // the host reports the underflow (C1 = 0), not an overflow, and pushes the indefinite.
    if (!fpu.underflow()) return;
    fpu.setIndefinite(0);
    fpu.pushSlot();
    fpu.setIndefinite(0);
    return;
  }
  if (fpu.pushOverflow()) {
    // Stack overflow with IE masked: pushOverflow pushed the indefinite as the significand;
    // the operand (now ST(1)) is replaced by the indefinite exponent too, as the host does
    // (SDM Vol. 1 §8.5.1.1: the masked response is the indefinite; FXTRACT has two results).
    if ((fpu.cw & FE_IE) !== 0) fpu.setIndefinite(1);
    return;
  }
  const ctx = fpu.prepare();
  fpu.get(0, fpu.a);
  const ok = F.extract(ctx, fpu.a, fpu.r, fpu.r2);
  fpu.raise(ctx.flags);
  fpu.sw &= ~SW_C1;
  if (!ok) return;
  fpu.set(0, fpu.r2);
  fpu.pushSlot();
  fpu.set(0, fpu.r);
};

function fprem(ieee: boolean): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    if (fpu.isEmpty(0) || fpu.isEmpty(1)) {
      // C2 = 0 ("reduction complete"), as the host (the SDM does not say what C2 is after a
      // stack fault).
      fpu.sw &= ~SW_C2;
      if (fpu.underflow()) fpu.setIndefinite(0);
      return;
    }
    const ctx = fpu.prepare();
    fpu.get(0, fpu.a);
    fpu.get(1, fpu.b);
    const cc = ieee ? F.prem1(ctx, fpu.a, fpu.b, fpu.r) : F.prem(ctx, fpu.a, fpu.b, fpu.r);
    fpu.raise(ctx.flags);
    if (cc < 0 || cc === F.CC_NOQ) {
      // No quotient (NaN operand, invalid operation masked or not, unmasked DE): C1 = 0 and
      // C2 = 0 as after a stack fault, C0 C3 unchanged (the host; the SDM defines C0 C3 C1
      // only as quotient bits, and C1 = 0 on a stack fault).
      fpu.sw &= ~(SW_C1 | SW_C2);
      if (cc >= 0) fpu.set(0, fpu.r);
      return;
    }
    fpu.setCc(ccBits(cc));
    fpu.set(0, fpu.r);
  };
}

// ---- stack management ----------------------------------------------------------------------

const fxch: Handler = (cpu, insn) => {
  const fpu = start(cpu, insn);
  const i = insn.modrm & 7;
  if (fpu.isEmpty(0) || fpu.isEmpty(i)) {
    if (!fpu.underflow()) return;
    if (fpu.isEmpty(0)) fpu.setIndefinite(0);
    if (fpu.isEmpty(i)) fpu.setIndefinite(i);
  }
  fpu.sw &= ~SW_C1;
  fpu.get(0, fpu.a);
  fpu.get(i, fpu.b);
  fpu.set(0, fpu.b);
  fpu.set(i, fpu.a);
};

function ffree(pop: boolean): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    fpu.empty[fpu.phys(insn.modrm & 7)] = 1;
    if (pop) fpu.pop();
  };
}

function incdec(delta: number): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    fpu.sw &= ~SW_C1;
    fpu.top = (fpu.top + delta) & 7;
  };
}

const fnop: Handler = (cpu, insn) => {
  start(cpu, insn);
};

// ---- FCMOVcc -------------------------------------------------------------------------------

function fcmov(cond: number, negate: boolean): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    const i = insn.modrm & 7;
    if (fpu.isEmpty(0) || fpu.isEmpty(i)) {
      if (fpu.underflow()) fpu.setIndefinite(0);
      return;
    }
    // C1 unchanged without a stack fault (SDM FCMOVcc, "FPU Flags Affected": C1 is only
    // defined for a stack underflow), as on the host.
    const f = cpu.getFlags();
    const t = (f & cond) !== 0;
    if (t !== negate) {
      fpu.get(i, fpu.r);
      fpu.set(0, fpu.r);
    }
  };
}

// ---- control -------------------------------------------------------------------------------

const fldcw: Handler = (cpu, insn) => {
  const fpu = begin(cpu, true);
  const v = cpu.read16(srcLin(cpu, insn, 2));
  fpu.cw = (v & 0x1f3f) | 0x0040;
  fpu.recomputeSummary();
};

const fnstcw: Handler = (cpu, insn) => {
  const fpu = begin(cpu, false);
  cpu.write16(probeWrite(cpu, insn, 2), fpu.cw);
};

const fnstswM: Handler = (cpu, insn) => {
  const fpu = begin(cpu, false);
  cpu.write16(probeWrite(cpu, insn, 2), fpu.status());
};

const fnstswAx: Handler = (cpu) => {
  const fpu = begin(cpu, false);
  cpu.reg16[0] = fpu.status();
};

const fnclex: Handler = (cpu) => {
  const fpu = begin(cpu, false);
  fpu.sw &= 0x7f00;
};

const fninit: Handler = (cpu) => {
  begin(cpu, false).init();
};

/** FNENI, FNDISI, FNSETPM: no-ops on the P6 (only #NM). */
const legacyNop: Handler = (cpu) => {
  begin(cpu, false);
};

const fwait: Handler = (cpu) => {
  const cr0 = cpu.cr0;
  if ((cr0 & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) cpu.fault(VEC_NM);
  if ((cpu.fpu.sw & SW_ES) !== 0) pendingReport(cpu);
};

/** A 9B-folded form (decodeInto with the fold option): FWAIT's checks, then the no-wait instruction. */
function waited(h: Handler): Handler {
  return (cpu, insn) => {
    fwait(cpu, insn);
    h(cpu, insn);
  };
}

// ---- FSTENV/FLDENV/FSAVE/FRSTOR ------------------------------------------------------------

/**
 * Writes the 14- or 28-byte environment at `lin` (SDM Vol. 1, figures 8-9 to 8-12). Real and
 * v8086 mode store linear pointers (segment * 16 + offset) split as the figures show.
 * Reserved fields are written as ones, as the P6 does.
 */
function writeEnv(cpu: Cpu, fpu: Fpu, lin: number, o32: boolean): void {
  const cw = fpu.cw;
  const sw = fpu.status();
  const tw = fpu.tagWord();
  const real = !cpu.protectedMode();
  const ip = real ? ((fpu.fcs << 4) + fpu.fip) | 0 : fpu.fip;
  const dp = real ? ((fpu.fds << 4) + fpu.fdp) | 0 : fpu.fdp;
  if (o32) {
    cpu.write32(lin, 0xffff0000 | cw);
    cpu.write32((lin + 4) | 0, 0xffff0000 | sw);
    cpu.write32((lin + 8) | 0, 0xffff0000 | tw);
    if (real) {
      cpu.write32((lin + 12) | 0, 0xffff0000 | (ip & 0xffff));
      cpu.write32((lin + 16) | 0, ((ip >>> 16) << 12) | fpu.fop);
      cpu.write32((lin + 20) | 0, 0xffff0000 | (dp & 0xffff));
      cpu.write32((lin + 24) | 0, (dp >>> 16) << 12);
    } else {
      cpu.write32((lin + 12) | 0, ip);
      cpu.write32((lin + 16) | 0, (fpu.fop << 16) | fpu.fcs);
      cpu.write32((lin + 20) | 0, dp);
      cpu.write32((lin + 24) | 0, 0xffff0000 | fpu.fds);
    }
  } else {
    cpu.write16(lin, cw);
    cpu.write16((lin + 2) | 0, sw);
    cpu.write16((lin + 4) | 0, tw);
    if (real) {
      cpu.write16((lin + 6) | 0, ip);
      cpu.write16((lin + 8) | 0, (((ip >>> 16) & 0xf) << 12) | fpu.fop);
      cpu.write16((lin + 10) | 0, dp);
      cpu.write16((lin + 12) | 0, ((dp >>> 16) & 0xf) << 12);
    } else {
      cpu.write16((lin + 6) | 0, ip);
      cpu.write16((lin + 8) | 0, fpu.fcs);
      cpu.write16((lin + 10) | 0, dp);
      cpu.write16((lin + 12) | 0, fpu.fds);
    }
  }
}

/** Environment words read by `readEnv`: cw, sw, tw, fip, fcs, fop, fdp, fds. */
const ENV = new Int32Array(8);

function readEnv(cpu: Cpu, lin: number, o32: boolean): void {
  const real = !cpu.protectedMode();
  ENV[0] = cpu.read16(lin);
  if (o32) {
    ENV[1] = cpu.read16((lin + 4) | 0);
    ENV[2] = cpu.read16((lin + 8) | 0);
    const w3 = cpu.read32((lin + 12) | 0);
    const w4 = cpu.read32((lin + 16) | 0);
    const w5 = cpu.read32((lin + 20) | 0);
    const w6 = cpu.read32((lin + 24) | 0);
    if (real) {
      ENV[3] = (w3 & 0xffff) | (((w4 >>> 12) & 0xffff) << 16);
      ENV[4] = 0;
      ENV[5] = w4 & 0x7ff;
      ENV[6] = (w5 & 0xffff) | (((w6 >>> 12) & 0xffff) << 16);
      ENV[7] = 0;
    } else {
      ENV[3] = w3;
      ENV[4] = w4 & 0xffff;
      ENV[5] = (w4 >>> 16) & 0x7ff;
      ENV[6] = w5;
      ENV[7] = w6 & 0xffff;
    }
  } else {
    ENV[1] = cpu.read16((lin + 2) | 0);
    ENV[2] = cpu.read16((lin + 4) | 0);
    const w3 = cpu.read16((lin + 6) | 0);
    const w4 = cpu.read16((lin + 8) | 0);
    const w5 = cpu.read16((lin + 10) | 0);
    const w6 = cpu.read16((lin + 12) | 0);
    if (real) {
      ENV[3] = w3 | ((w4 >>> 12) << 16);
      ENV[4] = 0;
      ENV[5] = w4 & 0x7ff;
      ENV[6] = w5 | ((w6 >>> 12) << 16);
      ENV[7] = 0;
    } else {
      ENV[3] = w3;
      ENV[4] = w4;
      ENV[5] = 0;
      ENV[6] = w5;
      ENV[7] = w6;
    }
  }
}

function applyEnv(fpu: Fpu): void {
  fpu.cw = ((ENV[0] as number) & 0x1f3f) | 0x0040;
  fpu.setStatus(ENV[1] as number);
  fpu.setTagWord(ENV[2] as number);
  fpu.fip = ENV[3] as number;
  fpu.fcs = ENV[4] as number;
  fpu.fop = ENV[5] as number;
  fpu.fdp = ENV[6] as number;
  fpu.fds = ENV[7] as number;
  fpu.recomputeSummary();
}

const fnstenv: Handler = (cpu, insn) => {
  const fpu = begin(cpu, false);
  const o32 = insn.opSize === 32;
  const lin = probeWrite(cpu, insn, o32 ? 28 : 14);
  writeEnv(cpu, fpu, lin, o32);
  fpu.cw |= 0x3f;
};

const fldenv: Handler = (cpu, insn) => {
  const fpu = begin(cpu, true);
  const o32 = insn.opSize === 32;
  readEnv(cpu, srcLin(cpu, insn, o32 ? 28 : 14), o32);
  applyEnv(fpu);
};

const fnsave: Handler = (cpu, insn) => {
  const fpu = begin(cpu, false);
  const o32 = insn.opSize === 32;
  const env = o32 ? 28 : 14;
  const lin = probeWrite(cpu, insn, env + 80);
  writeEnv(cpu, fpu, lin, o32);
  for (let i = 0; i < 8; i++) {
    const p = fpu.phys(i);
    write80(cpu, (lin + env + i * 10) | 0, fpu.se[p] as number, fpu.hi[p] as number, fpu.lo[p] as number);
  }
  fpu.init();
};

const REGS = new Uint32Array(24);

const frstor: Handler = (cpu, insn) => {
  const fpu = begin(cpu, true);
  const o32 = insn.opSize === 32;
  const env = o32 ? 28 : 14;
  const lin = srcLin(cpu, insn, env + 80);
  readEnv(cpu, lin, o32);
  for (let i = 0; i < 8; i++) {
    const a = (lin + env + i * 10) | 0;
    REGS[i * 3] = cpu.read32(a);
    REGS[i * 3 + 1] = cpu.read32((a + 4) | 0);
    REGS[i * 3 + 2] = cpu.read16((a + 8) | 0);
  }
  applyEnv(fpu);
  for (let i = 0; i < 8; i++) {
    const p = fpu.phys(i);
    fpu.lo[p] = REGS[i * 3] as number;
    fpu.hi[p] = REGS[i * 3 + 1] as number;
    fpu.se[p] = REGS[i * 3 + 2] as number;
  }
};

// ---- transcendentals (transcendental.ts; see the top of the file) ----------------------------

/** FXAM classes as float80's `classify` returns them (C3 C2 C0; C1, the sign, masked off). */
const CLASS_UNSUPPORTED = 0;
const CLASS_NAN = F.CC_C0;
const CLASS_INFINITY = F.CC_C2 | F.CC_C0;
const CLASS_ZERO = F.CC_C3;
const CLASS_DENORMAL = F.CC_C3 | F.CC_C2;

function cclass(v: F80): number {
  return F.classify(v, false) & ~F.CC_C1;
}

function setSpecial(out: F80, sign: number, se: number, hi: number): void {
  out.se = (sign << 15) | se;
  out.hi = hi;
  out.lo = 0;
}

/**
 * Operand check of a transcendental: NaN propagation (SNaN -> IE, quieted), unsupported
 * formats and (when `infInvalid`) infinities -> IE with the indefinite, denormals -> DE.
 * Returns 0 to compute, 1 when `out` holds the final result, -1 when an unmasked exception
 * stops the instruction.
 */
function transCheck(fpu: Fpu, v: F80, out: F80, infInvalid: boolean): number {
  const cls = cclass(v);
  if (cls === CLASS_NAN) {
    if (isSnan(v) && fpu.raise(FE_IE)) return -1;
    out.se = v.se;
    out.hi = v.hi | 0x40000000;
    out.lo = v.lo;
    return 1;
  }
  if (cls === CLASS_UNSUPPORTED || (infInvalid && cls === CLASS_INFINITY)) {
    if (fpu.raise(FE_IE)) return -1;
    out.se = 0xffff;
    out.hi = 0xc0000000;
    out.lo = 0;
    return 1;
  }
  if (cls === CLASS_DENORMAL && fpu.raise(FE_DE)) return -1;
  return 0;
}

/** Records a computed result's flags and C1 (the x87 reports every such result inexact). */
function commitTrans(fpu: Fpu, ctx: FpCtx): void {
  fpu.raise(ctx.flags | FE_PE);
  fpu.sw = (fpu.sw & ~SW_C1) | (ctx.c1 !== 0 ? SW_C1 : 0);
}

/** FSIN, FCOS, FPTAN, FSINCOS (kind 0..3). */
function trig(kind: number): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    const pushes = kind >= 2;
    fpu.sw &= ~SW_C2; // stack faults too report C2 = 0 (host)
    if (fpu.isEmpty(0)) {
      if (!fpu.underflow()) return;
      fpu.setIndefinite(0);
      if (pushes && !fpu.pushOverflow()) {
        fpu.pushSlot();
        fpu.setIndefinite(0);
      }
      return;
    }
    if (pushes && !fpu.isEmpty(7)) {
      // masked: the operand (now ST(1)) becomes the indefinite too, as for FXTRACT (host)
      fpu.pushOverflow();
      if ((fpu.cw & FE_IE) !== 0) fpu.setIndefinite(1);
      return;
    }
    fpu.get(0, fpu.a);
    fpu.sw &= ~(SW_C1 | SW_C2);
    const c = transCheck(fpu, fpu.a, fpu.r, true);
    if (c < 0) return;
    if (c > 0) {
      fpu.set(0, fpu.r);
      if (pushes) {
        fpu.pushSlot();
        fpu.set(0, fpu.r);
      }
      return;
    }
    if ((fpu.a.se & 0x7fff) >= 16383 + 63) {
      fpu.sw |= SW_C2; // out of range: operand unchanged
      return;
    }
    if (cclass(fpu.a) === CLASS_ZERO) {
      // sin(+-0) = tan(+-0) = +-0, cos(+-0) = +1, exactly (no PE)
      fpu.get(0, fpu.r);
      fpu.r2.se = ONE.se;
      fpu.r2.hi = ONE.hi;
      fpu.r2.lo = 0;
    } else {
      // sin into r (FSIN, FSINCOS), tan into r (FPTAN), cos into r2 (FCOS, FSINCOS)
      const ctx = fpu.prepare();
      if (kind !== 1) T.trig(ctx, fpu.a, kind === 2 ? 2 : 0, fpu.r);
      if (kind === 1 || kind === 3) {
        // FSINCOS: the flags of both roundings; C1 reports the sine's, as the host does
        const f = ctx.flags, c1 = ctx.c1;
        T.trig(ctx, fpu.a, 1, fpu.r2);
        ctx.flags |= f;
        if (kind === 3) ctx.c1 = c1;
      }
      commitTrans(fpu, ctx);
    }
    if (kind === 1) fpu.set(0, fpu.r2);
    else if (kind === 3) {
      fpu.set(0, fpu.r);
      fpu.pushSlot();
      fpu.set(0, fpu.r2);
    } else if (kind === 2) {
      fpu.set(0, fpu.r);
      fpu.pushSlot();
      fpu.set(0, ONE);
    } else fpu.set(0, fpu.r);
  };
}

const f2xm1: Handler = (cpu, insn) => {
  const fpu = start(cpu, insn);
  if (fpu.isEmpty(0)) {
    if (fpu.underflow()) fpu.setIndefinite(0);
    return;
  }
  fpu.get(0, fpu.a);
  fpu.sw &= ~SW_C1;
  const c = transCheck(fpu, fpu.a, fpu.r, false);
  if (c < 0) return;
  if (c === 0) {
    const cls = cclass(fpu.a);
    const neg = fpu.a.se >>> 15;
    if (cls === CLASS_INFINITY) {
      if (neg !== 0) setSpecial(fpu.r, 1, 0x3fff, 0x80000000); // 2^-inf - 1 = -1
      else fpu.get(0, fpu.r);
    } else if (cls === CLASS_ZERO) fpu.get(0, fpu.r);
    else if ((fpu.a.se & 0x7fff) >= 16383 && !((fpu.a.se & 0x7fff) === 16383 && fpu.a.hi === 0x80000000 && fpu.a.lo === 0)) {
      // |x| > 1, outside the SDM's domain: this host (AMD) returns x unchanged, inexact
      fpu.get(0, fpu.r);
      fpu.raise(FE_PE);
    } else {
      const ctx = fpu.prepare();
      T.f2xm1(ctx, fpu.a, fpu.r);
      commitTrans(fpu, ctx);
    }
  }
  fpu.set(0, fpu.r);
};

/** The real indefinite with IE, or false when IE is unmasked (nothing stored). */
function transInvalid(fpu: Fpu, out: F80): boolean {
  if (fpu.raise(FE_IE)) return false;
  setSpecial(out, 1, 0x7fff, 0xc0000000);
  return true;
}

/** FPATAN's result for zero or infinite operands (y = ST1, x = ST0): false to compute. */
function patanSpecial(fpu: Fpu, y: F80, x: F80, out: F80): boolean {
  const cy = cclass(y), cx = cclass(x);
  const ys = y.se >>> 15, xs = x.se >>> 15;
  let quarters: number;
  if (cy === CLASS_ZERO) {
    if (xs === 0) {
      setSpecial(out, ys, 0, 0); // atan2(+-0, x >= +0) = +-0, exact
      return true;
    }
    quarters = 4;
  } else if (cy === CLASS_INFINITY) quarters = cx !== CLASS_INFINITY ? 2 : xs === 0 ? 1 : 3;
  else if (cx === CLASS_ZERO) quarters = 2;
  else if (cx === CLASS_INFINITY) {
    if (xs === 0) {
      setSpecial(out, ys, 0, 0);
      return true;
    }
    quarters = 4;
  } else return false;
  const ctx = fpu.prepare();
  T.piQuarters(ctx, ys, quarters, out);
  commitTrans(fpu, ctx);
  return true;
}

/** FYL2X's result for special operands (y = ST1, x = ST0): 1 done, 0 compute, -1 unmasked stop. */
function yl2xSpecial(fpu: Fpu, y: F80, x: F80, out: F80): number {
  const cy = cclass(y), cx = cclass(x);
  const ys = y.se >>> 15, xs = x.se >>> 15;
  const xIsOne = (x.se & 0xffff) === 0x3fff && x.hi === 0x80000000 && x.lo === 0;
  if (cx === CLASS_ZERO) {
    if (cy === CLASS_ZERO) return transInvalid(fpu, out) ? 1 : -1;
    if (cy !== CLASS_INFINITY && fpu.raise(FE_ZE)) return -1;
    setSpecial(out, ys ^ 1, 0x7fff, 0x80000000); // log2(0) = -inf
    return 1;
  }
  if (xs !== 0) return transInvalid(fpu, out) ? 1 : -1;
  if (cx === CLASS_INFINITY) {
    if (cy === CLASS_ZERO) return transInvalid(fpu, out) ? 1 : -1;
    setSpecial(out, ys, 0x7fff, 0x80000000);
    return 1;
  }
  if (xIsOne) {
    if (cy === CLASS_INFINITY) return transInvalid(fpu, out) ? 1 : -1;
    setSpecial(out, ys, 0, 0);
    return 1;
  }
  // x finite, positive, not 1: log2(x) nonzero with the sign of (x - 1)
  const below = (x.se & 0x7fff) < 0x3fff ? 1 : 0;
  if (cy === CLASS_INFINITY) {
    setSpecial(out, ys ^ below, 0x7fff, 0x80000000);
    return 1;
  }
  if (cy === CLASS_ZERO) {
    setSpecial(out, ys ^ below, 0, 0);
    return 1;
  }
  return 0;
}

/** FYL2XP1's result for special operands: 1 done, 0 compute, -1 unmasked stop. */
function yl2xp1Special(fpu: Fpu, y: F80, x: F80, out: F80): number {
  const cy = cclass(y), cx = cclass(x);
  const ys = y.se >>> 15, xs = x.se >>> 15;
  if (cx === CLASS_ZERO) {
    if (cy === CLASS_INFINITY) return transInvalid(fpu, out) ? 1 : -1;
    setSpecial(out, ys ^ xs, 0, 0);
    return 1;
  }
  if (cx === CLASS_INFINITY) {
    if (xs !== 0 || cy === CLASS_ZERO) return transInvalid(fpu, out) ? 1 : -1;
    setSpecial(out, ys, 0x7fff, 0x80000000);
    return 1;
  }
  if (cy === CLASS_ZERO || cy === CLASS_INFINITY) {
    setSpecial(out, ys ^ xs, cy === CLASS_ZERO ? 0 : 0x7fff, cy === CLASS_ZERO ? 0 : 0x80000000);
    return 1;
  }
  if (xs !== 0 && (x.se & 0x7fff) >= 16383) {
    // x <= -1 (log2 of 1 + x <= 0): this host (AMD) returns x, inexact
    out.se = x.se;
    out.hi = x.hi;
    out.lo = x.lo;
    fpu.raise(FE_PE);
    return 1;
  }
  return 0;
}

/** Whether FYL2X (kind 1) / FYL2XP1 (kind 2) of non-NaN operands raises IE or ZE. */
function logFault(kind: number, y: F80, x: F80): boolean {
  const cy = cclass(y), cx = cclass(x);
  if (kind === 1) {
    const xIsOne = x.se === 0x3fff && x.hi === 0x80000000 && x.lo === 0;
    return cx === CLASS_ZERO || (cx === CLASS_INFINITY && cy === CLASS_ZERO) || (xIsOne && cy === CLASS_INFINITY);
  }
  if (kind === 2) return (cx === CLASS_ZERO && cy === CLASS_INFINITY) || (cx === CLASS_INFINITY && ((x.se & 0x8000) !== 0 || cy === CLASS_ZERO));
  return false;
}

/** FPATAN, FYL2X, FYL2XP1 (kind 0..2): ST(1) <- f(ST(1), ST(0)), pop. */
function binaryTrans(kind: number): Handler {
  return (cpu, insn) => {
    const fpu = start(cpu, insn);
    if (fpu.isEmpty(0) || fpu.isEmpty(1)) {
      if (!fpu.underflow()) return;
      fpu.setIndefinite(1);
      fpu.pop();
      return;
    }
    fpu.sw &= ~SW_C1;
    fpu.get(0, fpu.a);
    fpu.get(1, fpu.b);
    const ka = cclass(fpu.a), kb = cclass(fpu.b);
    if (ka === CLASS_NAN || kb === CLASS_NAN || ka === CLASS_UNSUPPORTED || kb === CLASS_UNSUPPORTED) {
      // the arithmetic's rules: unsupported -> IE; SNaN -> IE; the larger NaN wins; no DE
      const ctx = fpu.prepare();
      const ok = F.add(ctx, fpu.a, fpu.b, fpu.r);
      fpu.raise(ctx.flags);
      if (!ok) return;
    } else if (kind === 1 && ka !== CLASS_ZERO && (fpu.a.se & 0x8000) !== 0) {
      // log2 of a negative number: IE before (instead of) DE, as the host reports
      if (!transInvalid(fpu, fpu.r)) return;
    } else {
      // an IE or ZE special case reports no DE (host)
      if ((ka === CLASS_DENORMAL || kb === CLASS_DENORMAL) && !logFault(kind, fpu.b, fpu.a) && fpu.raise(FE_DE)) return;
      if (kind === 0) {
        if (!patanSpecial(fpu, fpu.b, fpu.a, fpu.r)) {
          const ctx = fpu.prepare();
          T.atan2(ctx, fpu.b, fpu.a, fpu.r);
          commitTrans(fpu, ctx);
        }
      } else {
        const s = kind === 1 ? yl2xSpecial(fpu, fpu.b, fpu.a, fpu.r) : yl2xp1Special(fpu, fpu.b, fpu.a, fpu.r);
        if (s < 0) return;
        if (s === 0) {
          const ctx = fpu.prepare();
          if (kind === 1) T.yl2x(ctx, fpu.b, fpu.a, fpu.r);
          else T.yl2xp1(ctx, fpu.b, fpu.a, fpu.r);
          commitTrans(fpu, ctx);
        }
      }
    }
    fpu.set(1, fpu.r);
    fpu.pop();
  };
}

const raiseUd: Handler = (cpu) => cpu.fault(VEC_UD);

// ---- the table -----------------------------------------------------------------------------

const CF = EFLAGS_CF;
const ZF = EFLAGS_ZF;
const PF = EFLAGS_PF;

defineOps({
  // loads and stores
  Fld_Mfs: loadPush(LD_F32), Fld_Mfd: loadPush(LD_F64), Fld_Mft: loadPush(LD_F80),
  Fild_Mwi: loadPush(LD_I16), Fild_Mdi: loadPush(LD_I32), Fild_Mqi: loadPush(LD_I64), Fbld_Mbcd: loadPush(LD_BCD),
  Fld_STi: fldSti,
  Fst_Mfs: store(ST_F32, false), Fstp_Mfs: store(ST_F32, true), Fst_Mfd: store(ST_F64, false), Fstp_Mfd: store(ST_F64, true),
  Fstp_Mft: store(ST_F80, true),
  Fist_Mwi: store(ST_I16, false), Fistp_Mwi: store(ST_I16, true), Fist_Mdi: store(ST_I32, false), Fistp_Mdi: store(ST_I32, true),
  Fistp_Mqi: store(ST_I64, true), Fbstp_Mbcd: store(ST_BCD, true),
  Fst_STi: stSti(false), Fstp_STi: stSti(true),
  // constants
  Fld1: constant(0x3fff, 0x80000000, 0, 0),
  Fldz: constant(0, 0, 0, 0),
  Fldl2t: constant(0x4000, 0xd49a784b, 0xcd1b8afe, 1),
  Fldl2e: constant(0x3fff, 0xb8aa3b29, 0x5c17f0bc, -1),
  Fldpi: constant(0x4000, 0xc90fdaa2, 0x2168c235, -1),
  Fldlg2: constant(0x3ffd, 0x9a209a84, 0xfbcff799, -1),
  Fldln2: constant(0x3ffe, 0xb17217f7, 0xd1cf79ac, -1),
  // arithmetic
  Fadd_Mfs: arithMem(ADD, M32), Fmul_Mfs: arithMem(MUL, M32), Fsub_Mfs: arithMem(SUB, M32), Fsubr_Mfs: arithMem(SUBR, M32),
  Fdiv_Mfs: arithMem(DIV, M32), Fdivr_Mfs: arithMem(DIVR, M32),
  Fadd_Mfd: arithMem(ADD, M64), Fmul_Mfd: arithMem(MUL, M64), Fsub_Mfd: arithMem(SUB, M64), Fsubr_Mfd: arithMem(SUBR, M64),
  Fdiv_Mfd: arithMem(DIV, M64), Fdivr_Mfd: arithMem(DIVR, M64),
  Fiadd_Mwi: arithMem(ADD, I16), Fimul_Mwi: arithMem(MUL, I16), Fisub_Mwi: arithMem(SUB, I16), Fisubr_Mwi: arithMem(SUBR, I16),
  Fidiv_Mwi: arithMem(DIV, I16), Fidivr_Mwi: arithMem(DIVR, I16),
  Fiadd_Mdi: arithMem(ADD, I32), Fimul_Mdi: arithMem(MUL, I32), Fisub_Mdi: arithMem(SUB, I32), Fisubr_Mdi: arithMem(SUBR, I32),
  Fidiv_Mdi: arithMem(DIV, I32), Fidivr_Mdi: arithMem(DIVR, I32),
  Fadd_ST_STi: arithReg(ADD, false, false), Fmul_ST_STi: arithReg(MUL, false, false), Fsub_ST_STi: arithReg(SUB, false, false),
  Fsubr_ST_STi: arithReg(SUBR, false, false), Fdiv_ST_STi: arithReg(DIV, false, false), Fdivr_ST_STi: arithReg(DIVR, false, false),
  Fadd_STi_ST: arithReg(ADD, true, false), Fmul_STi_ST: arithReg(MUL, true, false), Fsub_STi_ST: arithReg(SUB, true, false),
  Fsubr_STi_ST: arithReg(SUBR, true, false), Fdiv_STi_ST: arithReg(DIV, true, false), Fdivr_STi_ST: arithReg(DIVR, true, false),
  Faddp_STi_ST: arithReg(ADD, true, true), Fmulp_STi_ST: arithReg(MUL, true, true), Fsubp_STi_ST: arithReg(SUB, true, true),
  Fsubrp_STi_ST: arithReg(SUBR, true, true), Fdivp_STi_ST: arithReg(DIV, true, true), Fdivrp_STi_ST: arithReg(DIVR, true, true),
  // compares
  Fcom_Mfs: comMem(M32, false), Fcomp_Mfs: comMem(M32, true), Fcom_Mfd: comMem(M64, false), Fcomp_Mfd: comMem(M64, true),
  Ficom_Mwi: comMem(I16, false), Ficomp_Mwi: comMem(I16, true), Ficom_Mdi: comMem(I32, false), Ficomp_Mdi: comMem(I32, true),
  Fcom_STi: comReg(true, 0), Fcomp_STi: comReg(true, 1), Fcompp: comReg(true, 2, 1),
  Fucom_STi: comReg(false, 0), Fucomp_STi: comReg(false, 1), Fucompp: comReg(false, 2, 1),
  Fcomi_ST_STi: comi(true, false), Fcomip_ST_STi: comi(true, true),
  Fucomi_ST_STi: comi(false, false), Fucomip_ST_STi: comi(false, true),
  Ftst: ftst, Fxam: fxam,
  // FCMOVcc
  Fcmovb_ST_STi: fcmov(CF, false), Fcmove_ST_STi: fcmov(ZF, false), Fcmovbe_ST_STi: fcmov(CF | ZF, false),
  Fcmovu_ST_STi: fcmov(PF, false), Fcmovnb_ST_STi: fcmov(CF, true), Fcmovne_ST_STi: fcmov(ZF, true),
  Fcmovnbe_ST_STi: fcmov(CF | ZF, true), Fcmovnu_ST_STi: fcmov(PF, true),
  // one-operand
  Fchs: signOp(0), Fabs: signOp(1), Fsqrt: unary(0), Frndint: unary(1), Fscale: fscale, Fxtract: fxtract,
  Fprem: fprem(false), Fprem1: fprem(true),
  Fsin: trig(0), Fcos: trig(1), Fptan: trig(2), Fsincos: trig(3), F2xm1: f2xm1,
  Fpatan: binaryTrans(0), Fyl2x: binaryTrans(1), Fyl2xp1: binaryTrans(2),
  // stack
  Fxch_STi: fxch, Ffree_STi: ffree(false), Ffreep_STi: ffree(true), Fincstp: incdec(1), Fdecstp: incdec(-1), Fnop: fnop,
  // control
  Fldcw_Mw: fldcw, Fnstcw_Mw: fnstcw, Fnstsw_Mw: fnstswM, Fnstsw_AX: fnstswAx, Fnclex: fnclex, Fninit: fninit,
  Fnstenv_Menv: fnstenv, Fldenv_Menv: fldenv, Fnsave_Msave: fnsave, Frstor_Msave: frstor,
  Fneni8087only: legacyNop, Fndisi8087only: legacyNop, Fnsetpm287only: legacyNop, Frstpm287only: raiseUd,
  Fwait: fwait,
  // 9B-folded forms (only decoded with the fold option)
  Fstcw_Mw: waited(fnstcw), Fstsw_Mw: waited(fnstswM), Fstsw_AX: waited(fnstswAx), Fclex: waited(fnclex), Finit: waited(fninit),
  Fstenv_Menv: waited(fnstenv), Fsave_Msave: waited(fnsave),
  Feni8087only: waited(legacyNop), Fdisi8087only: waited(legacyNop), Fsetpm287only: waited(legacyNop),
});
