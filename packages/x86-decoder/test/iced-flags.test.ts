// Done-when 2 of issue 2, second half: the opcode table's flags-written / flags-undefined
// facts agree with iced-x86's instruction info for every form both know.
//
// How (test/real/iced-flags-lib.ts, iced-flags-check.ts): encodings are collected for every
// form we can reach — a systematic walk over prefix x map x opcode x ModRM for the legacy
// maps and over map x pp x L x W x opcode x ModRM for VEX/XOP/EVEX, the objdump oracle's
// random generator (300k cases, both code sizes) and, when tools/fetch-guests has run, every
// instruction of the real kernel and busybox .text. Each is decoded by iced as it is found;
// per form up to 8 distinct encodings iced reads as the same instruction (same length,
// same mnemonic modulo spelling) are kept, and the flags are compared bit by bit on
// OF SF ZF AF CF PF DF IF AC:
//   FORM.flagsWritten[form]   (written, defined or not)  vs  iced rflagsModified
//                                                            (= written + set + cleared + undefined)
//   FORM.flagsUndefined[form]                            vs  iced rflagsUndefined
// Every kept encoding must agree: a form's facts cannot depend on its operands. Bits only we
// model (TF IOPL NT RF VM VIF VIP ID) and only iced models (UIF, x87 C0-C3) are not compared.
//
// Documented differences: test/real/iced-flags-exceptions.ts (each must still be needed).
//
// Forms not compared (the test prints them; `npx tsx test/real/iced-flags.ts --skips`):
//   - iced rejects every encoding we found in 32-bit code: the 66/F2/F3-prefixed variants of
//     the 0F AE group (FXSAVE/FXRSTOR/LDMXCSR/STMXCSR/SFENCE with an ignored prefix) and of
//     PMOVMSKB mm, SWAPGS and RD/WRFSBASE, RD/WRGSBASE (64-bit only);
//   - forms no encoding reaches: the FWAIT-folded x87 twins (FSTCW, FINIT...; compileForms
//     gives them their no-wait form's facts, and that form is compared) and rows the tables
//     register but no opcode path selects (duplicates such as Pshufb_Vx_Wx).
import { describe, expect, it } from 'vitest';
import { FORM } from '../src/index.js';
import { checkFlags, collect } from './real/iced-flags-check.js';
import { FLAG_EXCEPTIONS } from './real/iced-flags-exceptions.js';

describe('opcode table flags against iced-x86', () => {
  const set = collect();
  const r = checkFlags(set);

  it('reaches nearly every form, and iced knows nearly all of them', () => {
    console.log(r.summary);
    expect(set.byForm.size / (FORM.count - 1)).toBeGreaterThan(0.95);
    expect(r.compared.length / set.byForm.size).toBeGreaterThan(0.95);
  });

  it('flags written and undefined agree for every form both know', () => {
    const text = r.mismatches.map((m) => m.text).join('\n');
    expect(r.mismatches.length, `\n${r.mismatches.length} forms disagree with iced-x86:\n${text}\n`).toBe(0);
  });

  it('every documented exception is still needed', () => {
    for (const e of FLAG_EXCEPTIONS) {
      expect(r.usedExceptions.has(e.id), `exception ${e.id} no longer matches anything`).toBe(true);
    }
  });
});
