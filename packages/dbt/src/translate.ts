// Translation of one TU into one CCF (position-independent bytes plus side tables).
//
// Invariants of the generated code:
// - At every CCF boundary (entry, exit stub, callout) hardware FS holds the guest's FS.
//   Inside a CCF, GS-prefixed guest instructions run with FS switched to the guest's GS;
//   the map marks those instructions (`MAP_FS_HOLDS_GS`) so a fault handler knows which
//   segment FS holds.
// - The hardware arithmetic flags are the guest's at every guest-instruction boundary, so
//   every sequence below is flag-free or saves and restores the flags (pushf).
// - A non-IDENT sequence makes its first guest-visible write last or restartably: a fault
//   at any point of it can be handled by restarting the guest instruction (see each case).
// - Return addresses pushed are guest EIPs, never TC addresses.
//
// IA-32 has no PC-relative data addressing, so IDENT instructions need no fix-ups; only
// branches are PC-relative, and every branch is non-IDENT. The TC is always a 32-bit code
// segment: 16-bit guest code is copied with its size prefixes toggled (see `copy`), which
// also keeps the TC's EIPs, far above 64 KiB, from ever being masked to 16 bits.

import { FORM, Instruction, Reg, decodeInto } from '@vmm86/x86-decoder';
import { Emitter, R32 } from './emit.js';
import { Cls, Reason, Stop, type Unit } from './unit.js';
import { PUSHF_HW_MASK, VCPU } from './vcpu-area.js';

/** Map flag: FS holds the guest's GS while this instruction runs. */
export const MAP_FS_HOLDS_GS = 1;

/** What a callout site asks of the monitor. */
export const CalloutKind = {
  /** A direct transfer to `target` not chained yet: translate it and patch the stub. */
  EXIT: 0,
  /** An indirect transfer: the guest target is in gs:[VCPU.TARGET]. */
  INDIRECT: 1,
  /** Emulate `insn` (reason in `reason`); resuming at the trap EIP continues after it. */
  INSN: 2,
} as const;
export type CalloutKind = (typeof CalloutKind)[keyof typeof CalloutKind];

export interface ExitSpec {
  /** Position of the 5-byte stub (`int v; nop3`) that chaining turns into `jmp rel32`. */
  at: number;
  /** Guest EIP of the successor. */
  target: number;
  /** Position of the rel32 of a jcc that reaches this stub (chaining retargets it too), or -1. */
  jcc: number;
}

export interface CalloutSpec {
  kind: CalloutKind;
  reason: Reason;
  /** Position just after the `int` (the trap EIP relative to the CCF). */
  after: number;
  /** Guest EIP of the instruction (EXIT: of the transfer's source; for the fall-through of a TU, its end). */
  guestEip: number;
  /** Guest EIP after the instruction. */
  nextEip: number;
  /** EXIT: guest target. */
  target: number;
  /** INSN: a private copy of the decoded instruction. */
  insn: Instruction | null;
}

export interface Translation {
  code: Uint8Array;
  /** Per guest instruction: position of its translation, guest EIP, length, map flags. */
  mapTc: Int32Array;
  mapEip: Int32Array;
  mapLen: Uint8Array;
  mapFlags: Uint8Array;
  /** Per guest instruction: end of its sequence (its exit stubs included). */
  mapEnd: Int32Array;
  exits: ExitSpec[];
  callouts: CalloutSpec[];
  /** Positions of rel32 fields to point at the indirect-target probe. */
  probeJumps: number[];
}

export interface TranslateOptions {
  /** `int` vector of callouts and unchained exits. */
  vector: number;
  /**
   * Indirect transfers jump to the shared in-TC probe (a `jmp rel32` whose field the cache
   * patches after placement) instead of ending in a callout of their own.
   */
  probe?: boolean;
}

const FS = 4;
const F_OSZ_USED = FORM.oszUsed;
const F_SFX = FORM.sfx;

export class Translator {
  private readonly em = new Emitter(2048);

  constructor(private readonly opts: TranslateOptions) {}

  /**
   * `cliInTc`: virtual CPL <= virtual IOPL, so cli cannot fault and clears the virtual IF
   * in-TC; otherwise cli is a callout (the monitor raises #GP).
   */
  translate(u: Unit, cliInTc = true): Translation {
    const em = this.em;
    em.reset();
    const n = u.count;
    const mapTc = new Int32Array(n);
    const mapEip = new Int32Array(n);
    const mapLen = new Uint8Array(n);
    const mapFlags = new Uint8Array(n);
    const mapEnd = new Int32Array(n);
    const exits: ExitSpec[] = [];
    const callouts: CalloutSpec[] = [];
    const probeJumps: number[] = [];
    const probe = this.opts.probe === true;
    const mask = u.bits === 16 ? 0xffff : 0xffffffff;
    const vector = this.opts.vector;
    let fsGs = false;
    const bits16 = u.bits === 16;

    const restoreFs = (): void => {
      if (fsGs) {
        em.movSregGs(FS, VCPU.HW_FS_FOR_FS);
        fsGs = false;
      }
    };
    const exitStub = (guestEip: number, target: number, nextEip: number, jcc = -1): void => {
      const at = em.pos;
      em.int(vector);
      callouts.push({ kind: CalloutKind.EXIT, reason: Reason.NONE, after: em.pos, guestEip, nextEip, target, insn: null });
      em.nop3();
      exits.push({ at, target, jcc });
    };
    const indirectExit = (guestEip: number, nextEip: number): void => {
      if (probe) {
        probeJumps.push(em.jmp(0));
        return;
      }
      em.int(vector);
      callouts.push({ kind: CalloutKind.INDIRECT, reason: Reason.NONE, after: em.pos, guestEip, nextEip, target: 0, insn: null });
    };
    // Copies the guest instruction for the 32-bit TC code segment: GS prefixes rewritten to
    // FS (with FS switched first); for 16-bit guest code the operand- and address-size
    // prefixes toggled so the instruction means in a 32-bit segment what it meant in a
    // 16-bit one (66 only where the form's operand size matters, so a mandatory 66 of an
    // SSE form stays); optionally with ModRM.reg replaced (call/jmp Ev -> push Ev).
    const copy = (insn: Instruction, start: number, regField: number): void => {
      const gs = insn.segOverride === 5;
      if (gs && !fsGs) {
        em.movSregGs(FS, VCPU.HW_FS_FOR_GS);
        fsGs = true;
      } else if (!gs && fsGs && insn.segOverride === 4) {
        restoreFs();
      }
      const pc = insn.prefixCount;
      const body = start + pc;
      const end = start + insn.length;
      if (!bits16 && !gs && regField < 0) {
        em.copy(u.bytes, start, end);
        return;
      }
      const form = insn.form;
      const flipO = bits16 && ((F_OSZ_USED[form] ?? 0) !== 0 || (F_SFX[form] ?? 0) !== 0);
      const flipA = bits16;
      let hadO = false;
      let hadA = false;
      for (let k = 0; k < pc; k++) {
        const b = insn.prefixBytes[k] as number;
        if (b === 0x66 && flipO) hadO = true;
        else if (b === 0x67 && flipA) hadA = true;
        else em.u8(b === 0x65 ? 0x64 : b);
      }
      if (flipO && !hadO) em.u8(0x66);
      if (flipA && !hadA) em.u8(0x67);
      const p = em.pos;
      em.copy(u.bytes, body, end);
      if (regField >= 0) {
        const at = p + 1; // FF /r: one opcode byte, then ModRM
        em.buf[at] = ((em.buf[at] ?? 0) & 0xc7) | (regField << 3);
      }
    };

    for (let i = 0; i < n; i++) {
      const insn = u.insns[i] as Instruction;
      const c = u.cls[i] as number;
      const cls = c & 0xff;
      const start = u.offs[i] as number;
      const eip = insn.ip;
      const next = (eip + insn.length) & mask;
      const o16 = insn.opSize === 16;
      // GS-switched state survives only across IDENT and GS-rewritten copies.
      if (fsGs && cls !== Cls.IDENT && cls !== Cls.SEG_GS) restoreFs();
      mapTc[i] = em.pos;
      mapEip[i] = eip;
      mapLen[i] = insn.length;
      switch (cls) {
        case Cls.IDENT:
        case Cls.SEG_GS:
          copy(insn, start, -1);
          break;
        case Cls.CLI:
          if (cliInTc) {
            em.movGsImm(VCPU.VIF, 0);
            break;
          }
          em.int(vector);
          callouts.push({
            kind: CalloutKind.INSN, reason: Reason.FLAGS, after: em.pos, guestEip: eip, nextEip: next, target: 0,
            insn: this.clone(u, i),
          });
          break;
        case Cls.PUSHF:
          // The push is first and is the only access that can fault: restartable before it,
          // nothing guest-visible after it but the image in the pushed slot.
          em.pushf(o16);
          em.movGsReg(VCPU.SAVE_EAX, R32.EAX);
          em.lahf();
          em.seto(0);
          em.movGsReg(VCPU.SAVE_FLAGS, R32.EAX);
          em.movRegEsp(R32.EAX, o16);
          em.andRegImm(R32.EAX, PUSHF_HW_MASK, o16);
          em.orRegGs(R32.EAX, VCPU.VFLAGS);
          em.orRegGs(R32.EAX, VCPU.VIF);
          em.movEspReg(R32.EAX, o16);
          em.movRegGs(R32.EAX, VCPU.SAVE_FLAGS);
          em.addAlImm(0x7f); // OF := (AL = 1)
          em.sahf();
          em.movRegGs(R32.EAX, VCPU.SAVE_EAX);
          break;
        case Cls.SREG_READ: {
          if (insn.opCount === 2) {
            // mov r, Sreg: register destination (memory went to a callout).
            const dst = insn.opReg[0] as number;
            const sreg = (insn.opReg[1] as number) - Reg.ES;
            if (o16) em.movRegGs(dst & 7, VCPU.VSEL + sreg * 4, true);
            else em.movzxRegGs16(dst & 7, VCPU.VSEL + sreg * 4);
          } else {
            const sreg = (insn.opReg[0] as number) - Reg.ES;
            em.pushGs(VCPU.VSEL + sreg * 4, o16);
          }
          break;
        }
        case Cls.JMP:
          exitStub(eip, insn.target, next);
          break;
        case Cls.JCC: {
          const rel = em.jcc(insn.opcode & 15, 0);
          exitStub(eip, next, next);
          em.patch32(rel, em.pos - (rel + 4));
          exitStub(eip, insn.target, next, rel);
          break;
        }
        case Cls.LOOP: {
          // The guest's own loop/jcxz (67 when it counts with CX) skipping the fall-through
          // stub when taken. Never 66: it would mask the TC EIP to 16 bits.
          if (insn.adSize === 16) em.u8(0x67);
          em.u8(insn.opcode);
          em.u8(5);
          exitStub(eip, next, next);
          exitStub(eip, insn.target, next);
          break;
        }
        case Cls.CALL:
          // The push is the only fault point; nothing precedes it.
          em.pushImm(next, o16);
          exitStub(eip, insn.target, next);
          break;
        case Cls.CALL_IND:
        case Cls.JMP_IND:
          // push Ev evaluates the operand exactly as call/jmp Ev would (ESP before the push);
          // popping it into the vCPU area leaves ESP as it was, so a fault in either is a
          // fault of the guest instruction with nothing to undo.
          copy(insn, start, 6);
          restoreFs();
          em.popGs(VCPU.TARGET, o16);
          if (o16) em.movGsImm16(VCPU.TARGET + 2, 0);
          if (cls === Cls.CALL_IND) em.pushImm(next, o16);
          indirectExit(eip, next);
          break;
        case Cls.RET:
          em.popGs(VCPU.TARGET, o16);
          if (o16) em.movGsImm16(VCPU.TARGET + 2, 0);
          if (insn.opCount === 1) em.lea(R32.ESP, R32.ESP, insn.imm & 0xffff);
          indirectExit(eip, next);
          break;
        default: {
          const reason = (c >> 8) as Reason;
          em.int(vector);
          callouts.push({
            kind: CalloutKind.INSN, reason, after: em.pos, guestEip: eip, nextEip: next, target: 0,
            insn: this.clone(u, i),
          });
          break;
        }
      }
      if (fsGs) mapFlags[i] = MAP_FS_HOLDS_GS;
      mapEnd[i] = em.pos;
    }
    restoreFs();
    // A TU that did not end in a transfer falls through to its successor; so does one that
    // ended in a callout, so that the monitor can resume at the trap EIP.
    const last = n > 0 ? (u.cls[n - 1] as number) & 0xff : Cls.IDENT;
    if (u.stop !== Stop.TRANSFER || last === Cls.CALLOUT) {
      exitStub(n > 0 ? (u.insns[n - 1] as Instruction).ip : u.eip, u.endEip, u.endEip);
    }
    return { code: em.bytes(), mapTc, mapEip, mapLen, mapFlags, mapEnd, exits, callouts, probeJumps };
  }

  /** A private decoded copy for a callout site (the unit's records are reused). */
  private clone(u: Unit, i: number): Instruction {
    const src = u.insns[i] as Instruction;
    const out = new Instruction();
    const start = u.offs[i] as number;
    decodeInto(out, u.bytes, start, start + src.length, u.bits, src.ip);
    return out;
  }
}
