// The undefined-flag rule: which EFLAGS bits are compared at the end of a sequence.
//
// Per instruction, from the decoder's form table:
//   undef(i)   = FORM.flagsUndefined[form]
//   defines(i) = FORM.flagsWritten[form] & ~FORM.flagsUndefined[form], except for forms
//                whose flag update is conditional — shifts/rotates/SHLD/SHRD by CL or imm8
//                (a masked count of 0 leaves every flag unchanged) and REP/REPNE CMPS/SCAS
//                (ECX = 0 leaves the flags unchanged) — which define nothing.
// Over the instructions that executed (for a fault: those before the faulting one; for a
// trap such as INT3/INTO: up to and including it), starting with U = 0:
//   U = (U & ~defines(i)) | undef(i)
// and the flags compared are COMPARED_FLAGS & ~U. So an undefined flag is masked unless a
// later instruction unconditionally redefines it.
//
// Undefined flags never leak into registers or memory: the generator inserts a
// `CMP r32, r32` (which defines all six arithmetic flags) before any instruction that
// reads a flag in U (FORM.flagsRead: ADC/SBB, RCL/RCR, SETcc/CMOVcc, LAHF, PUSHF, DAA...).

import { decodeInto, FORM, FORMS, Instruction, Pfx } from '@vmm86/x86-decoder';

/** CF PF AF ZF SF OF, TF IF DF, IOPL NT, AC VIF VIP ID and the fixed bit 1; not RF/VM. */
export const COMPARED_FLAGS: number = 0x3f7fd7 & ~0x30000;

const CONDITIONAL = /^(Rol|Ror|Rcl|Rcr|Shl|Sal|Shr|Sar|Shld|Shrd)_.*_(Ib|CL)$/;
const REP_FLAGS = /^(Cmps|Scas)_/;

const condCache = new Map<number, boolean>();
function conditionalForm(form: number): boolean {
  let c = condCache.get(form);
  if (c === undefined) {
    c = CONDITIONAL.test(FORMS[form]?.name ?? '');
    condCache.set(form, c);
  }
  return c;
}

export interface FlagEffect {
  form: number;
  read: number;
  undef: number;
  defines: number;
  length: number;
  ok: boolean;
}

const scratch = new Instruction();

/** Decodes one instruction (32-bit code) and returns its flag effect. */
export function flagEffect(code: Uint8Array, offset = 0): FlagEffect {
  decodeInto(scratch, code, offset, code.length, 32, 0);
  const form = scratch.form;
  const written = FORM.flagsWritten[form] as number;
  const undef = FORM.flagsUndefined[form] as number;
  const rep = (scratch.prefixes & (Pfx.REP | Pfx.REPNE)) !== 0 && REP_FLAGS.test(FORMS[form]?.name ?? '');
  const defines = conditionalForm(form) || rep ? 0 : written & ~undef;
  return { form, read: FORM.flagsRead[form] as number, undef, defines, length: scratch.length, ok: scratch.status === 0 };
}

/** One step of the rule. */
export function foldUndefined(u: number, e: FlagEffect): number {
  return (u & ~e.defines) | e.undef;
}
