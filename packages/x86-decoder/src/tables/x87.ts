// The x87 escapes D8-DF (SDM Vol. 2, A.4): memory forms by ModRM.reg, register forms by
// the whole ModRM byte. Names are objdump's (including its "(8087~only)" style notes).
// The no-wait control forms carry `wait:` with the name a preceding FWAIT folds into.

import { FL, Touch, INVALID, MemAcc, f, group, mod, rmsel, type Facts, type Node } from '../forms.js';

const X: Facts = { isa: 'x87', touch: Touch.FPU };
const P6: Facts = { isa: 'x87-p6', touch: Touch.FPU };
const R = MemAcc.READ;
const W = MemAcc.WRITE;
const N = MemAcc.NONE;
const COMI: Facts = { ...P6, w: FL.ZF | FL.PF | FL.CF | FL.OF | FL.SF | FL.AF };
const cmov = (cc: number): Facts => ({ ...P6, r: cc });

const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];

function memArith(prefix: string, spec: string): Node {
  return group(ARITH.map((m) => f(`${prefix}${m.slice(1)} ${spec}`, { ...X, mem: R })));
}

/** Eight register forms `mn op` for st(0..7). */
const row = (text: string, facts: Facts = X): Node[] => new Array<Node>(8).fill(f(text, facts));
const one = (text: string, facts: Facts = X): Node => f(text, facts);
const regs = (rows: (Node[] | null)[]): Node =>
  group(rows.map((r) => (r ? rmsel(r) : INVALID)));

export function x87Map(): Node[] {
  const t: Node[] = [];
  // D8
  t[0] = mod(
    memArith('f', 'Mfs'),
    regs([
      row('fadd ST,STi'), row('fmul ST,STi'), row('fcom STi'), row('fcomp STi'),
      row('fsub ST,STi'), row('fsubr ST,STi'), row('fdiv ST,STi'), row('fdivr ST,STi'),
    ]),
  );
  // D9
  t[1] = mod(
    group([
      f('fld Mfs', { ...X, mem: R }), INVALID, f('fst Mfs', { ...X, mem: W }), f('fstp Mfs', { ...X, mem: W }),
      f('fldenv Menv', { ...X, mem: R, sfx: true }), f('fldcw Mw', { ...X, mem: R }),
      f('fnstenv Menv', { ...X, mem: W, sfx: true, wait: 'fstenv' }), f('fnstcw Mw', { ...X, mem: W, wait: 'fstcw' }),
    ]),
    regs([
      row('fld STi'), row('fxch STi'),
      [one('fnop'), INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID],
      null,
      [one('fchs'), one('fabs'), INVALID, INVALID, one('ftst'), one('fxam'), INVALID, INVALID],
      [one('fld1'), one('fldl2t'), one('fldl2e'), one('fldpi'), one('fldlg2'), one('fldln2'), one('fldz'), INVALID],
      [one('f2xm1'), one('fyl2x'), one('fptan'), one('fpatan'), one('fxtract'), one('fprem1'), one('fdecstp'), one('fincstp')],
      [one('fprem'), one('fyl2xp1'), one('fsqrt'), one('fsincos'), one('frndint'), one('fscale'), one('fsin'), one('fcos')],
    ]),
  );
  // DA
  t[2] = mod(
    memArith('fi', 'Mdi'),
    regs([
      row('fcmovb ST,STi', cmov(FL.CF)), row('fcmove ST,STi', cmov(FL.ZF)),
      row('fcmovbe ST,STi', cmov(FL.CF | FL.ZF)), row('fcmovu ST,STi', cmov(FL.PF)),
      null, [INVALID, one('fucompp'), INVALID, INVALID, INVALID, INVALID, INVALID, INVALID], null, null,
    ]),
  );
  // DB
  t[3] = mod(
    group([
      f('fild Mdi', { ...X, mem: R }), f('fisttp Mdi', { ...X, isa: 'sse3', mem: W }),
      f('fist Mdi', { ...X, mem: W }), f('fistp Mdi', { ...X, mem: W }), INVALID,
      f('fld Mft', { ...X, mem: R }), INVALID, f('fstp Mft', { ...X, mem: W }),
    ]),
    regs([
      row('fcmovnb ST,STi', cmov(FL.CF)), row('fcmovne ST,STi', cmov(FL.ZF)),
      row('fcmovnbe ST,STi', cmov(FL.CF | FL.ZF)), row('fcmovnu ST,STi', cmov(FL.PF)),
      [
        one('fneni(8087~only)', { ...X, wait: 'feni(8087~only)' }),
        one('fndisi(8087~only)', { ...X, wait: 'fdisi(8087~only)' }),
        one('fnclex', { ...X, wait: 'fclex' }), one('fninit', { ...X, wait: 'finit' }),
        one('fnsetpm(287~only)', { ...X, wait: 'fsetpm(287~only)' }), one('frstpm(287~only)'),
        INVALID, INVALID,
      ],
      row('fucomi ST,STi', COMI), row('fcomi ST,STi', COMI), null,
    ]),
  );
  // DC
  t[4] = mod(
    memArith('f', 'Mfd'),
    regs([
      row('fadd STi,ST'), row('fmul STi,ST'), null, null,
      row('fsubr STi,ST'), row('fsub STi,ST'), row('fdivr STi,ST'), row('fdiv STi,ST'),
    ]),
  );
  // DD
  t[5] = mod(
    group([
      f('fld Mfd', { ...X, mem: R }), f('fisttp Mqi', { ...X, isa: 'sse3', mem: W }),
      f('fst Mfd', { ...X, mem: W }), f('fstp Mfd', { ...X, mem: W }), f('frstor Msave', { ...X, mem: R, sfx: true }),
      INVALID, f('fnsave Msave', { ...X, mem: W, sfx: true, wait: 'fsave' }), f('fnstsw Mw', { ...X, mem: W, wait: 'fstsw' }),
    ]),
    regs([row('ffree STi'), null, row('fst STi'), row('fstp STi'), row('fucom STi'), row('fucomp STi'), null, null]),
  );
  // DE
  t[6] = mod(
    memArith('fi', 'Mwi'),
    regs([
      row('faddp STi,ST'), row('fmulp STi,ST'), null,
      [INVALID, one('fcompp'), INVALID, INVALID, INVALID, INVALID, INVALID, INVALID],
      row('fsubrp STi,ST'), row('fsubp STi,ST'), row('fdivrp STi,ST'), row('fdivp STi,ST'),
    ]),
  );
  // DF
  t[7] = mod(
    group([
      f('fild Mwi', { ...X, mem: R }), f('fisttp Mwi', { ...X, isa: 'sse3', mem: W }),
      f('fist Mwi', { ...X, mem: W }), f('fistp Mwi', { ...X, mem: W }), f('fbld Mbcd', { ...X, mem: R }),
      f('fild Mqi', { ...X, mem: R }), f('fbstp Mbcd', { ...X, mem: W }), f('fistp Mqi', { ...X, mem: W }),
    ]),
    regs([
      row('ffreep STi'), null, null, null,
      [one('fnstsw AX', { ...X, wait: 'fstsw' }), INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID],
      row('fucomip ST,STi', COMI), row('fcomip ST,STi', COMI), null,
    ]),
  );
  void N;
  return t;
}
