// The one-byte opcode map (SDM Vol. 2, Table A-2), in opcode order.
//
// Mnemonics are spelled as GNU objdump spells them in Intel syntax, because the formatter
// must reproduce objdump's text; where the SDM's name differs (objdump's "repz", "int1",
// "jae" ...) objdump wins. Prefix bytes (26 2E 36 3E 64 65 66 67 F0 F2 F3) and the escapes
// (0F, D8-DF) are handled by the decoder itself and are INVALID here.

import {
  Cf, FL, Imp, MemAcc, OSZAP, OSZAPC, OSZPC, Priv, SZAPC, SZAP, Touch, INVALID, f, group, mod, osz, pfx, rmsel, type Facts, type Node,
} from '../forms.js';

export const JCC_NAMES: readonly string[] = [
  'jo', 'jno', 'jb', 'jae', 'je', 'jne', 'jbe', 'ja', 'js', 'jns', 'jp', 'jnp', 'jl', 'jge', 'jle', 'jg',
];
/** Flags each condition code reads (cc = low nibble of Jcc/SETcc/CMOVcc). */
export const CC_READS: readonly number[] = [
  FL.OF, FL.OF, FL.CF, FL.CF, FL.ZF, FL.ZF, FL.CF | FL.ZF, FL.CF | FL.ZF,
  FL.SF, FL.SF, FL.PF, FL.PF, FL.SF | FL.OF, FL.SF | FL.OF, FL.ZF | FL.SF | FL.OF, FL.ZF | FL.SF | FL.OF,
];

const R = MemAcc.READ;
const W = MemAcc.WRITE;
const N = MemAcc.NONE;
const STACK_PUSH = { imp: Imp.PUSH };
const STACK_POP = { imp: Imp.POP };

/** The eight ALU operations of rows 00-3F and group 1, in encoding order. */
export const ALU_OPS: readonly { mn: string; facts: Facts }[] = [
  { mn: 'add', facts: { lock: true, w: OSZAPC } },
  { mn: 'or', facts: { lock: true, w: OSZPC, u: FL.AF } },
  { mn: 'adc', facts: { lock: true, w: OSZAPC, r: FL.CF } },
  { mn: 'sbb', facts: { lock: true, w: OSZAPC, r: FL.CF } },
  { mn: 'and', facts: { lock: true, w: OSZPC, u: FL.AF } },
  { mn: 'sub', facts: { lock: true, w: OSZAPC } },
  { mn: 'xor', facts: { lock: true, w: OSZPC, u: FL.AF } },
  { mn: 'cmp', facts: { w: OSZAPC, mem: R } },
];

const noLock = (x: Facts): Facts => {
  const { lock: _l, ...rest } = x;
  return rest;
};

function aluRow(op: { mn: string; facts: Facts }): Node[] {
  const { mn, facts } = op;
  const src = noLock(facts);
  return [
    f(`${mn} Eb,Gb`, facts),
    f(`${mn} Ev,Gv`, facts),
    f(`${mn} Gb,Eb`, { ...src, mem: R }),
    f(`${mn} Gv,Ev`, { ...src, mem: R }),
    f(`${mn} AL,Ib`, src),
    f(`${mn} eAX,Iz`, src),
  ];
}

/** Group 1 (80-83): ALU op selected by ModRM.reg. */
export function group1(dst: string, src: string): Node {
  return group(ALU_OPS.map((o) => f(`${o.mn} ${dst},${src}`, o.facts)));
}

const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'shl', 'sar'];
/**
 * Group 2 shifts and rotates. With a count of 1 the SDM defines OF; with other counts OF is
 * undefined, and the shifts leave AF undefined whenever the count is non-zero.
 */
export function group2(dst: string, count: string): Node {
  const one = count === 'I1';
  return group(
    SHIFT_NAMES.map((mn, i) => {
      const rot = i < 4;
      const carryIn = i === 2 || i === 3;
      const facts: Facts = rot
        ? { w: FL.OF | FL.CF, u: one ? 0 : FL.OF, ...(carryIn ? { r: FL.CF } : {}) }
        : { w: OSZAPC, u: FL.AF | (one ? 0 : FL.OF) };
      return f(`${mn} ${dst},${count}`, facts);
    }),
  );
}

function group3(size: 'b' | 'v'): Node {
  const E = `E${size}`;
  const imm = size === 'b' ? 'Ib' : 'Iz';
  const mulImp = { imp: Imp.RAX | (size === 'v' ? Imp.RDX : 0) };
  return group([
    f(`test ${E},${imm}`, { w: OSZPC, u: FL.AF, mem: R }),
    f(`test ${E},${imm}`, { w: OSZPC, u: FL.AF, mem: R }),
    f(`not ${E}`, { lock: true }),
    f(`neg ${E}`, { lock: true, w: OSZAPC }),
    f(`mul ${E}`, { w: OSZAPC, u: SZAP, mem: R, ...mulImp }),
    f(`imul ${E}`, { w: OSZAPC, u: SZAP, mem: R, ...mulImp }),
    f(`div ${E}`, { w: OSZAPC, u: OSZAPC, mem: R, ...mulImp }),
    f(`idiv ${E}`, { w: OSZAPC, u: OSZAPC, mem: R, ...mulImp }),
  ]);
}

const push = (op: string, extra: Facts = {}): Node => f(`push ${op}`, { ...STACK_PUSH, sfx: true, ...extra });
const pushSeg = (s: string): Node =>
  f(`push ${s}`, { ...STACK_PUSH, sfx: true, touch: Touch.SREG_READ, priv: Priv.SENSITIVE });
const popSeg = (s: string): Node =>
  f(`pop ${s}`, { ...STACK_POP, sfx: true, touch: Touch.SREG_WRITE, priv: Priv.SENSITIVE });

const STR = (mn: string, ops: string, rep: number, extra: Facts = {}): Node =>
  f(`${mn} ${ops}`, { rep, ...extra });

const IO = { priv: Priv.IOPL, touch: Touch.IO };

export function oneByteMap(x87: readonly Node[]): Node[] {
  const t: Node[] = new Array<Node>(256).fill(INVALID);
  for (let i = 0; i < 8; i++) {
    const op = ALU_OPS[i];
    if (!op) continue;
    aluRow(op).forEach((n, k) => (t[i * 8 + k] = n));
  }
  t[0x06] = pushSeg('ES');
  t[0x07] = popSeg('ES');
  t[0x0e] = pushSeg('CS');
  t[0x16] = pushSeg('SS');
  t[0x17] = popSeg('SS');
  t[0x1e] = pushSeg('DS');
  t[0x1f] = popSeg('DS');
  t[0x27] = f('daa', { w: SZAPC, u: FL.OF, r: FL.AF | FL.CF, imp: Imp.RAX });
  t[0x2f] = f('das', { w: SZAPC, u: FL.OF, r: FL.AF | FL.CF, imp: Imp.RAX });
  t[0x37] = f('aaa', { w: OSZAPC, u: FL.OF | FL.SF | FL.ZF | FL.PF, r: FL.AF, imp: Imp.RAX });
  t[0x3f] = f('aas', { w: OSZAPC, u: FL.OF | FL.SF | FL.ZF | FL.PF, r: FL.AF, imp: Imp.RAX });
  for (let r = 0; r < 8; r++) {
    t[0x40 + r] = f('inc Zv', { w: OSZAP });
    t[0x48 + r] = f('dec Zv', { w: OSZAP });
    t[0x50 + r] = f('push Zv', STACK_PUSH);
    t[0x58 + r] = f('pop Zv', STACK_POP);
  }
  t[0x60] = f('pusha', { ...STACK_PUSH, sfx: true });
  t[0x61] = f('popa', { ...STACK_POP, sfx: true });
  t[0x62] = f('bound Gv,Ma', { mem: R, cf: Cf.NONE });
  t[0x63] = f('arpl Ew,Gw', { w: FL.ZF, priv: Priv.NONE });
  t[0x68] = push('Iz');
  t[0x69] = f('imul Gv,Ev,Iz', { w: OSZAPC, u: SZAP, mem: R });
  t[0x6a] = push('sIb');
  t[0x6b] = f('imul Gv,Ev,sIb', { w: OSZAPC, u: SZAP, mem: R });
  t[0x6c] = STR('ins', 'Yb,DX', 1, { ...IO, mem: W, imp: Imp.RDI | Imp.RDX, r: FL.DF });
  t[0x6d] = STR('ins', 'Yv,DX', 1, { ...IO, mem: W, imp: Imp.RDI | Imp.RDX, r: FL.DF });
  t[0x6e] = STR('outs', 'DX,Xb', 1, { ...IO, mem: R, imp: Imp.RSI | Imp.RDX, r: FL.DF });
  t[0x6f] = STR('outs', 'DX,Xv', 1, { ...IO, mem: R, imp: Imp.RSI | Imp.RDX, r: FL.DF });
  for (let cc = 0; cc < 16; cc++) {
    t[0x70 + cc] = f(`${JCC_NAMES[cc]} Jb`, { cf: Cf.JCC, r: CC_READS[cc] });
  }
  t[0x80] = group1('Eb', 'Ib');
  t[0x81] = group1('Ev', 'Iz');
  t[0x82] = group1('Eb', 'Ib');
  t[0x83] = group1('Ev', 'sIb');
  t[0x84] = f('test Eb,Gb', { w: OSZPC, u: FL.AF, mem: R });
  t[0x85] = f('test Ev,Gv', { w: OSZPC, u: FL.AF, mem: R });
  t[0x86] = f('xchg Eb,Gb', { lock: true, hle: 2 });
  t[0x87] = f('xchg Ev,Gv', { lock: true, hle: 2 });
  t[0x88] = f('mov Eb,Gb', { mem: W, hle: 3 });
  t[0x89] = f('mov Ev,Gv', { mem: W, hle: 3 });
  t[0x8a] = f('mov Gb,Eb', { mem: R });
  t[0x8b] = f('mov Gv,Ev', { mem: R });
  t[0x8c] = f('mov EvMw,Sw', { mem: W, touch: Touch.SREG_READ, priv: Priv.SENSITIVE });
  t[0x8d] = f('lea Gv,M', { mem: N });
  t[0x8e] = f('mov Sw,EvMw', { mem: R, touch: Touch.SREG_WRITE, priv: Priv.SENSITIVE });
  t[0x8f] = group([f('pop Ev', { ...STACK_POP, mem: W })]);
  // 66 90 keeps its operand-size meaning (xchg ax,ax), so the 66 form is pfxIgnored.
  t[0x90] = pfx(f('nop'), f('xchg Zv,eAX', { pfxIgnored: true }), f('pause'), f('nop'));
  for (let r = 1; r < 8; r++) t[0x90 + r] = f('xchg Zv,eAX');
  t[0x98] = f('cbw|cwde', { imp: Imp.RAX });
  t[0x99] = f('cwd|cdq', { imp: Imp.RAX | Imp.RDX });
  t[0x9a] = f('call Ap', { cf: Cf.CALL_FAR, ...STACK_PUSH, touch: Touch.SREG_WRITE });
  t[0x9b] = f('fwait', { touch: Touch.FPU, isa: 'x87' });
  t[0x9c] = f('pushf', { ...STACK_PUSH, sfx: true, r: 0x3f7fd5 & ~(FL.RF | FL.VM), priv: Priv.SENSITIVE | Priv.IOPL_V86 });
  // POPF/IRET with a 16-bit operand load only FLAGS' low word, so AC and the upper bits stay.
  const popf = (w: number): Node => f('popf', {
    ...STACK_POP, sfx: true, w, touch: Touch.EFLAGS_CONTROL, priv: Priv.SENSITIVE | Priv.IOPL_V86,
  });
  t[0x9d] = osz(popf(0x7fd5), popf(0x3f7fd5 & ~(FL.VM | FL.VIF | FL.VIP)));
  t[0x9e] = f('sahf', { w: SZAPC, imp: Imp.RAX });
  t[0x9f] = f('lahf', { r: SZAPC, imp: Imp.RAX });
  t[0xa0] = f('mov AL,Ob', { mem: R });
  t[0xa1] = f('mov eAX,Ov', { mem: R });
  t[0xa2] = f('mov Ob,AL', { mem: W });
  t[0xa3] = f('mov Ov,eAX', { mem: W });
  t[0xa4] = STR('movs', 'Yb,Xb', 1, { mem: MemAcc.RW, imp: Imp.RSI | Imp.RDI, r: FL.DF });
  t[0xa5] = STR('movs', 'Yv,Xv', 1, { mem: MemAcc.RW, imp: Imp.RSI | Imp.RDI, r: FL.DF });
  t[0xa6] = STR('cmps', 'Xb,Yb', 2, { w: OSZAPC, mem: R, imp: Imp.RSI | Imp.RDI, r: FL.DF });
  t[0xa7] = STR('cmps', 'Xv,Yv', 2, { w: OSZAPC, mem: R, imp: Imp.RSI | Imp.RDI, r: FL.DF });
  t[0xa8] = f('test AL,Ib', { w: OSZPC, u: FL.AF });
  t[0xa9] = f('test eAX,Iz', { w: OSZPC, u: FL.AF });
  t[0xaa] = STR('stos', 'Yb,AL', 1, { mem: W, imp: Imp.RDI, r: FL.DF });
  t[0xab] = STR('stos', 'Yv,eAX', 1, { mem: W, imp: Imp.RDI, r: FL.DF });
  t[0xac] = STR('lods', 'AL,Xb', 1, { mem: R, imp: Imp.RSI, r: FL.DF });
  t[0xad] = STR('lods', 'eAX,Xv', 1, { mem: R, imp: Imp.RSI, r: FL.DF });
  t[0xae] = STR('scas', 'AL,Yb', 2, { w: OSZAPC, mem: R, imp: Imp.RDI, r: FL.DF });
  t[0xaf] = STR('scas', 'eAX,Yv', 2, { w: OSZAPC, mem: R, imp: Imp.RDI, r: FL.DF });
  for (let r = 0; r < 8; r++) {
    t[0xb0 + r] = f('mov Zb,Ib');
    t[0xb8 + r] = f('mov Zv,Iz');
  }
  t[0xc0] = group2('Eb', 'Ib');
  t[0xc1] = group2('Ev', 'Ib');
  t[0xc2] = f('ret Iw', { cf: Cf.RET, sfx: true, ...STACK_POP });
  t[0xc3] = f('ret', { cf: Cf.RET, sfx: true, ...STACK_POP });
  t[0xc4] = f('les Gv,Mp', { mem: R, touch: Touch.SREG_WRITE });
  t[0xc5] = f('lds Gv,Mp', { mem: R, touch: Touch.SREG_WRITE });
  // RTM's XABORT/XBEGIN live at C6 F8 / C7 F8 exactly.
  const rtm = (n: Node): Node => mod(INVALID, rmsel([n]));
  t[0xc6] = group([f('mov Eb,Ib', { mem: W, hle: 3 }), INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, rtm(f('xabort Ib', { isa: 'other' }))]);
  t[0xc7] = group([f('mov Ev,Iz', { mem: W, hle: 3 }), INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, rtm(f('xbegin Jz', { isa: 'other', cf: Cf.JCC, sfx: true }))]);
  t[0xc8] = f('enter Iw,Ib', { ...STACK_PUSH, sfx: true, imp: Imp.PUSH | Imp.RBP });
  t[0xc9] = f('leave', { ...STACK_POP, sfx: true, imp: Imp.POP | Imp.RBP });
  t[0xca] = f('retf Iw', { cf: Cf.RET_FAR, sfx: true, ...STACK_POP, touch: Touch.SREG_WRITE });
  t[0xcb] = f('retf', { cf: Cf.RET_FAR, sfx: true, ...STACK_POP, touch: Touch.SREG_WRITE });
  t[0xcc] = f('int3', { cf: Cf.INT, w: FL.TF | FL.IF | FL.NT | FL.RF | FL.VM | FL.AC });
  t[0xcd] = f('int Ib', {
    cf: Cf.INT, priv: Priv.IOPL_V86, w: FL.TF | FL.IF | FL.NT | FL.RF | FL.VM | FL.AC,
  });
  t[0xce] = f('into', { cf: Cf.INT, r: FL.OF, w: FL.TF | FL.IF | FL.NT | FL.RF | FL.VM | FL.AC });
  const iret = (w: number): Node => f('iret', {
    cf: Cf.IRET, sfx: true, ...STACK_POP, w, touch: Touch.EFLAGS_CONTROL | Touch.SREG_WRITE, priv: Priv.IOPL_V86,
  });
  t[0xcf] = osz(iret(0x7fd5), iret(0x3f7fd5));
  t[0xd0] = group2('Eb', 'I1');
  t[0xd1] = group2('Ev', 'I1');
  t[0xd2] = group2('Eb', 'CL');
  t[0xd3] = group2('Ev', 'CL');
  t[0xd4] = f('aam Ib', { w: OSZAPC, u: FL.OF | FL.AF | FL.CF, imp: Imp.RAX });
  t[0xd5] = f('aad Ib', { w: OSZAPC, u: FL.OF | FL.AF | FL.CF, imp: Imp.RAX });
  t[0xd7] = f('xlat Xlat', { mem: R, imp: Imp.RAX | Imp.RBX });
  for (let i = 0; i < 8; i++) t[0xd8 + i] = x87[i] as Node;
  t[0xe0] = f('loopne Jb', { cf: Cf.LOOP, r: FL.ZF, imp: Imp.RCX });
  t[0xe1] = f('loope Jb', { cf: Cf.LOOP, r: FL.ZF, imp: Imp.RCX });
  t[0xe2] = f('loop Jb', { cf: Cf.LOOP, imp: Imp.RCX });
  t[0xe3] = f('jcxz|jecxz Jb', { cf: Cf.LOOP, byAddr: true, imp: Imp.RCX });
  t[0xe4] = f('in AL,Ib', IO);
  t[0xe5] = f('in eAX,Ib', IO);
  t[0xe6] = f('out Ib,AL', IO);
  t[0xe7] = f('out Ib,eAX', IO);
  t[0xe8] = f('call Jz', { cf: Cf.CALL, sfx: true, ...STACK_PUSH });
  t[0xe9] = f('jmp Jz', { cf: Cf.JMP, sfx: true });
  t[0xea] = f('jmp Ap', { cf: Cf.JMP_FAR, touch: Touch.SREG_WRITE });
  t[0xeb] = f('jmp Jb', { cf: Cf.JMP });
  t[0xec] = f('in AL,DX', IO);
  t[0xed] = f('in eAX,DX', IO);
  t[0xee] = f('out DX,AL', IO);
  t[0xef] = f('out DX,eAX', IO);
  t[0xf1] = f('int1', { cf: Cf.INT, w: FL.TF | FL.IF | FL.NT | FL.RF | FL.VM | FL.AC });
  t[0xf4] = f('hlt', { priv: Priv.PRIVILEGED, cf: Cf.HALT });
  t[0xf5] = f('cmc', { r: FL.CF, w: FL.CF });
  t[0xf6] = group3('b');
  t[0xf7] = group3('v');
  t[0xf8] = f('clc', { w: FL.CF });
  t[0xf9] = f('stc', { w: FL.CF });
  t[0xfa] = f('cli', { w: FL.IF, priv: Priv.IOPL, touch: Touch.EFLAGS_CONTROL });
  t[0xfb] = f('sti', { w: FL.IF, priv: Priv.IOPL, touch: Touch.EFLAGS_CONTROL });
  t[0xfc] = f('cld', { w: FL.DF });
  t[0xfd] = f('std', { w: FL.DF });
  t[0xfe] = group([f('inc Eb', { lock: true, w: OSZAP }), f('dec Eb', { lock: true, w: OSZAP })]);
  t[0xff] = group([
    f('inc Ev', { lock: true, w: OSZAP }),
    f('dec Ev', { lock: true, w: OSZAP }),
    f('call Ev', { cf: Cf.CALL_INDIRECT, mem: R, ...STACK_PUSH }),
    f('call Mp', { cf: Cf.CALL_FAR_INDIRECT, mem: R, ...STACK_PUSH, touch: Touch.SREG_WRITE }),
    f('jmp Ev', { cf: Cf.JMP_INDIRECT, mem: R }),
    f('jmp Mp', { cf: Cf.JMP_FAR_INDIRECT, mem: R, touch: Touch.SREG_WRITE }),
    f('push Ev', { ...STACK_PUSH, mem: R }),
  ]);
  return t;
}
