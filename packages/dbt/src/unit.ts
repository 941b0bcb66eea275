// Translation units: up to 12 guest instructions from one EIP, classified IDENT or not.
//
// A TU ends after 12 instructions, after a control transfer or a callout that may change
// the decision (segment loads, sti/popf, privileged instructions), before an instruction
// that starts in another guest page than the first (coherency is per page), and before an
// instruction whose bytes cannot be fetched — so that fetch fault is raised only when
// execution reaches it, by the translation that starts there (brief §2.1).
//
// The classification is derived from the decoder's form columns (cf, priv, touch), never
// from a list of opcodes, except for the handful of forms translated in-TC (cli, pushf,
// mov/push from a segment register) which need their own rewrite.

import {
  Cf, DecodeStatus, FORM, Instruction, OpKind, Priv, Seg, Touch, decodeInto,
} from '@vmm86/x86-decoder';
import type { GuestCode } from './ports.js';

export const MAX_UNIT = 12;
const PAGE = 4096;

/** How an instruction is translated. */
export const Cls = {
  /** Copied verbatim. */
  IDENT: 0,
  /** jmp rel: an exit to the guest target. */
  JMP: 1,
  /** jcc rel: taken and fall-through exits. */
  JCC: 2,
  /** loop/loope/loopne/jcxz (rel8 only): the guest's condition kept, both successors exits. */
  LOOP: 3,
  /** call rel: push the guest return address, exit to the target. */
  CALL: 4,
  /** call Ev: guest target through the indirect lookup, guest return address pushed. */
  CALL_IND: 5,
  /** jmp Ev. */
  JMP_IND: 6,
  /** ret / ret n. */
  RET: 7,
  /** GS-prefixed: GS belongs to the monitor, so FS is loaded with the guest's GS and the prefix rewritten. */
  SEG_GS: 8,
  /** cli: clears the virtual IF in the vCPU area. */
  CLI: 9,
  /** pushf: builds the guest image from hardware arithmetic flags and the virtual control bits. */
  PUSHF: 10,
  /** mov r, Sreg / push Sreg: the virtual selector (guest RPL) from the vCPU area. */
  SREG_READ: 11,
  /** Everything else that is not IDENT: a callout carrying the decoded instruction. */
  CALLOUT: 12,
} as const;
export type Cls = (typeof Cls)[keyof typeof Cls];
export const CLS_NAMES: readonly string[] = [
  'ident', 'jmp', 'jcc', 'loop', 'call', 'call-ind', 'jmp-ind', 'ret', 'seg-gs', 'cli', 'pushf',
  'sreg-read', 'callout',
];

/** Why a callout enters the monitor. */
export const Reason = {
  NONE: 0,
  /** in/out/ins/outs: the guest IOPL/bitmap check, then the device models. */
  IO: 1,
  /** Privileged (#GP at CPL > 0): mov CRn/DRn, lgdt, lidt, lldt, ltr, invlpg, clts, wbinvd, rdmsr/wrmsr, lmsw... */
  PRIVILEGED: 2,
  /** mov Sreg / pop Sreg / lds les lfs lgs lss: the segmentation checks, then the load. */
  SEGMENT_LOAD: 3,
  /** sti / popf: may raise IF (interrupt shadow, pending interrupts, re-decision). */
  FLAGS: 4,
  /** int n, int3, int1, into, iret. */
  INTERRUPT: 5,
  /** Far jmp/call/ret, direct or through memory. */
  FAR: 6,
  /** sysenter/sysexit/syscall/sysret. */
  SYSCALL: 7,
  /** hlt. */
  HALT: 8,
  /** Reads privileged state at any CPL: sgdt sidt sldt str smsw lar lsl verr verw rdtsc rdpmc, mov m16,Sreg. */
  SENSITIVE: 9,
  /** cpuid: the monitor presents the virtual CPU's identification. */
  CPUID: 10,
  /** #UD / #GP(0) to raise at this instruction: undefined opcode, ud0/1/2, longer than 15 bytes. */
  INVALID: 11,
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];
export const REASON_NAMES: readonly string[] = [
  'none', 'io', 'privileged', 'segment-load', 'flags', 'interrupt', 'far', 'syscall', 'halt',
  'sensitive', 'cpuid', 'invalid',
];

/** Callouts after which the vCPU may need a new decision or a new EIP: the TU ends there. */
const ENDS_UNIT: readonly boolean[] = [
  false, false, true, true, true, true, true, true, true, false, false, true,
];
export function reasonEndsUnit(r: number): boolean {
  return ENDS_UNIT[r] ?? true;
}

/** Why a TU ended. */
export const Stop = {
  /** 12 instructions. */
  LIMIT: 0,
  /** A control transfer or a TU-ending callout. */
  TRANSFER: 1,
  /** The next instruction starts in another guest page. */
  PAGE: 2,
  /** The next instruction's bytes cannot be fetched (it faults when reached). */
  FETCH: 3,
} as const;
export type Stop = (typeof Stop)[keyof typeof Stop];

const F_CF = FORM.cf;
const F_PRIV = FORM.priv;
const F_TOUCH = FORM.touch;

/**
 * Classifies one decoded instruction: `cls | reason << 8` (reason only for CALLOUT).
 * Pure function of the record, so tests and tools can use it on any decode.
 */
export function classify(insn: Instruction): number {
  if (insn.status !== DecodeStatus.Ok) return Cls.CALLOUT | (Reason.INVALID << 8);
  const form = insn.form;
  const cf = F_CF[form] ?? Cf.NONE;
  if (cf !== Cf.NONE) {
    switch (cf) {
      case Cf.JMP:
        return Cls.JMP;
      case Cf.JCC:
        // XBEGIN shares the JCC kind; the modelled CPU has no RTM, so it is #UD.
        return insn.opMap === 1 ? Cls.JCC : insn.opMap === 0 && insn.opcode < 0x80 ? Cls.JCC : Cls.CALLOUT | (Reason.INVALID << 8);
      case Cf.LOOP:
        return Cls.LOOP;
      case Cf.CALL:
        return Cls.CALL;
      case Cf.CALL_INDIRECT:
        return Cls.CALL_IND;
      case Cf.JMP_INDIRECT:
        return Cls.JMP_IND;
      case Cf.RET:
        return Cls.RET;
      case Cf.INT:
      case Cf.IRET:
        return Cls.CALLOUT | (Reason.INTERRUPT << 8);
      case Cf.SYSCALL:
        return Cls.CALLOUT | (Reason.SYSCALL << 8);
      case Cf.HALT:
        return Cls.CALLOUT | (Reason.HALT << 8);
      case Cf.UD:
        return Cls.CALLOUT | (Reason.INVALID << 8);
      default:
        return Cls.CALLOUT | (Reason.FAR << 8);
    }
  }
  const touch = F_TOUCH[form] ?? 0;
  const priv = F_PRIV[form] ?? 0;
  if ((touch & Touch.SREG_WRITE) !== 0) return Cls.CALLOUT | (Reason.SEGMENT_LOAD << 8);
  if (insn.opMap === 0) {
    if (insn.opcode === 0xfa) return Cls.CLI;
    if (insn.opcode === 0xfb || insn.opcode === 0x9d) return Cls.CALLOUT | (Reason.FLAGS << 8);
    if (insn.opcode === 0x9c) return Cls.PUSHF;
  }
  if ((touch & Touch.SREG_READ) !== 0) {
    // mov Ev,Sw to memory stores 16 bits whatever the operand size: left to the monitor.
    return insn.opCount === 2 && insn.opKind[0] === OpKind.MEM
      ? Cls.CALLOUT | (Reason.SENSITIVE << 8)
      : Cls.SREG_READ;
  }
  if ((priv & Priv.IOPL) !== 0) return Cls.CALLOUT | (Reason.IO << 8);
  if ((priv & Priv.PRIVILEGED) !== 0) return Cls.CALLOUT | (Reason.PRIVILEGED << 8);
  if ((priv & Priv.SENSITIVE) !== 0) return Cls.CALLOUT | (Reason.SENSITIVE << 8);
  if ((touch & Touch.CPUID) !== 0) return Cls.CALLOUT | (Reason.CPUID << 8);
  if (insn.segOverride === Seg.GS) return Cls.SEG_GS;
  return Cls.IDENT;
}

/** A decoded TU. The records are owned by the `UnitDecoder` and overwritten by its next decode. */
export interface Unit {
  /** Guest EIP (offset in CS) of the first instruction, CS base, code size. */
  eip: number;
  csBase: number;
  bits: 16 | 32;
  count: number;
  readonly insns: Instruction[];
  /** `classify()` result per instruction. */
  readonly cls: Int32Array;
  /** Offset of instruction i in `bytes`; `offs[count]` is the end of the last. */
  readonly offs: Int32Array;
  /** The guest bytes fetched from CS.base + eip. */
  bytes: Uint8Array;
  stop: Stop;
  /** Guest EIP after the last instruction (the fall-through successor). */
  endEip: number;
  /** Guest-physical pages the TU's bytes came from (one, or two when an instruction straddles). */
  pages: number[];
  /** Linear address of the first unfetchable byte when the TU's very first instruction cannot be fetched, else -1. */
  faultLinear: number;
}

export class UnitDecoder {
  private readonly unit: Unit;
  // Room for 12 maximal instructions plus one straddling the page end.
  private readonly buf = new Uint8Array(MAX_UNIT * 15 + 15);

  constructor(private readonly code: GuestCode) {
    const insns: Instruction[] = [];
    for (let i = 0; i < MAX_UNIT; i++) insns.push(new Instruction());
    this.unit = {
      eip: 0, csBase: 0, bits: 32, count: 0, insns, cls: new Int32Array(MAX_UNIT),
      offs: new Int32Array(MAX_UNIT + 1), bytes: this.buf, stop: Stop.LIMIT, endEip: 0, pages: [],
      faultLinear: -1,
    };
  }

  decode(eip: number, csBase: number, bits: 16 | 32): Unit {
    const u = this.unit;
    const mask = bits === 16 ? 0xffff : 0xffffffff;
    const linear = (csBase + eip) >>> 0;
    const inPage = PAGE - (linear & (PAGE - 1));
    const want = Math.min(inPage, MAX_UNIT * 15) + 15;
    const got = this.code.fetch(linear, this.buf, 0, want);
    u.eip = eip;
    u.csBase = csBase;
    u.bits = bits;
    u.count = 0;
    u.pages = [];
    u.faultLinear = -1;
    u.stop = Stop.LIMIT;
    let off = 0;
    let straddles = false;
    for (;;) {
      if (u.count === MAX_UNIT) {
        u.stop = Stop.LIMIT;
        break;
      }
      if (off >= inPage) {
        u.stop = Stop.PAGE;
        break;
      }
      const insn = u.insns[u.count] as Instruction;
      const ip = (eip + off) & mask;
      const st = decodeInto(insn, this.buf, off, got, bits, ip);
      if (st === DecodeStatus.Truncated) {
        // `want` always covers a whole instruction that starts in the page, so running out
        // means the guest refused a byte: stop before it.
        u.stop = Stop.FETCH;
        if (u.count === 0) u.faultLinear = (linear + got) >>> 0;
        break;
      }
      const c = classify(insn);
      u.cls[u.count] = c;
      u.offs[u.count] = off;
      off += insn.length;
      u.count++;
      if (off > inPage) straddles = true;
      const cls = c & 0xff;
      if (cls !== Cls.IDENT && cls !== Cls.SEG_GS && cls !== Cls.CLI && cls !== Cls.PUSHF && cls !== Cls.SREG_READ) {
        if (cls !== Cls.CALLOUT || reasonEndsUnit(c >> 8)) {
          u.stop = Stop.TRANSFER;
          break;
        }
      }
    }
    u.offs[u.count] = off;
    u.endEip = (eip + off) & mask;
    if (u.count > 0) {
      const p0 = this.code.physPage(linear);
      if (p0 >= 0) u.pages.push(p0);
      if (straddles) {
        const p1 = this.code.physPage((linear + inPage) >>> 0);
        if (p1 >= 0 && p1 !== p0) u.pages.push(p1);
      }
    }
    return u;
  }
}
