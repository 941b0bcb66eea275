// Decimal adjust: DAA DAS AAA AAS AAM AAD.
//
// Algorithms from the SDM pseudo-code (AAA/AAS in their 286-and-later form: AX +/- 106H,
// so AL's carry/borrow reaches AH). AAM with imm8 = 0 raises #DE before anything changes.
//
// Undefined flags, and what this core produces (P6 behaviour as Bochs models it):
//
// | instruction | undefined per SDM | value we produce                                          |
// |-------------|-------------------|-----------------------------------------------------------|
// | DAA, DAS    | OF                | 0 (SF/ZF/PF from the adjusted AL, as defined)             |
// | AAA, AAS    | OF SF ZF PF       | OF = 0; SF/ZF/PF from AL after the final AL AND 0FH       |
// | AAM, AAD    | OF AF CF          | 0 (SF/ZF/PF from the new AL, as defined)                  |

import type { Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import { EFLAGS_AF, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF, VEC_DE } from '../state.js';
import type { UndefinedFlagsRule } from './shift.js';

/** The BCD rows of the undefined-flags table. */
export const BCD_UNDEFINED_FLAGS: readonly UndefinedFlagsRule[] = [
  { mnemonics: ['daa', 'das'], when: 'always', flags: EFLAGS_OF, value: '0' },
  { mnemonics: ['aaa', 'aas'], when: 'always', flags: EFLAGS_OF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF, value: 'OF = 0; SF/ZF/PF from the final AL' },
  { mnemonics: ['aam', 'aad'], when: 'always', flags: EFLAGS_OF | EFLAGS_AF | EFLAGS_CF, value: '0' },
];

const daa: Handler = (cpu) => {
  const old = cpu.reg8[0] as number;
  const oldCf = cpu.cf() !== 0;
  let al = old;
  let af = 0;
  if ((old & 0x0f) > 9 || cpu.af() !== 0) {
    // The carry out of AL + 6 (old AL > F9H) only happens when the second step adds 60H
    // and sets CF anyway, so the SDM's "CF <- old_CF or carry" is subsumed below.
    al = (al + 6) & 0xff;
    af = EFLAGS_AF;
  }
  let cf = 0;
  if (old > 0x99 || oldCf) {
    al = (al + 0x60) & 0xff;
    cf = EFLAGS_CF;
  }
  cpu.reg8[0] = al;
  cpu.setResult(al, 8, cf | af);
};

const das: Handler = (cpu) => {
  const old = cpu.reg8[0] as number;
  const oldCf = cpu.cf() !== 0;
  let al = old;
  let cf = 0;
  let af = 0;
  if ((old & 0x0f) > 9 || cpu.af() !== 0) {
    al = (al - 6) & 0xff;
    cf = oldCf || old < 6 ? EFLAGS_CF : 0;
    af = EFLAGS_AF;
  }
  if (old > 0x99 || oldCf) {
    al = (al - 0x60) & 0xff;
    cf = EFLAGS_CF;
  }
  cpu.reg8[0] = al;
  cpu.setResult(al, 8, cf | af);
};

function asciiAdjust(sub: boolean): Handler {
  return (cpu) => {
    let ax = cpu.reg16[0] as number;
    let cfAf = 0;
    if (((ax & 0x0f) > 9) || cpu.af() !== 0) {
      ax = sub ? ax - 0x106 : ax + 0x106;
      cfAf = EFLAGS_CF | EFLAGS_AF;
    }
    ax &= 0xff0f;
    cpu.reg16[0] = ax;
    cpu.setResult(ax & 0xff, 8, cfAf);
  };
}

const aam: Handler = (cpu, insn) => {
  const base = insn.imm & 0xff;
  if (base === 0) cpu.fault(VEC_DE);
  const al = cpu.reg8[0] as number;
  const q = Math.floor(al / base);
  const r = al - q * base;
  cpu.reg8[1] = q;
  cpu.reg8[0] = r;
  cpu.setResult(r, 8, 0);
};

const aad: Handler = (cpu, insn) => {
  const al = ((cpu.reg8[0] as number) + (cpu.reg8[1] as number) * (insn.imm & 0xff)) & 0xff;
  cpu.reg16[0] = al;
  cpu.setResult(al, 8, 0);
};

defineOps({
  Daa: daa,
  Das: das,
  Aaa: asciiAdjust(false),
  Aas: asciiAdjust(true),
  Aam_Ib: aam,
  Aad_Ib: aad,
});
