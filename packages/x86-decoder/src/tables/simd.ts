// SIMD rows of the 0F map (MMX, SSE, SSE2 and the later extensions objdump knows), the
// three-byte maps 0F 38 / 0F 3A, and the VEX/XOP/EVEX maps.
//
// Every SIMD opcode selects its form by mandatory prefix (none / 66 / F3 / F2) through
// `pfx(...)`; the ISA label tells the CPU core which CPUID feature the form needs.
//
// Rows are written as "isa:mnemonic Op,Op" strings (the ISA tag defaults per helper), with
// an optional trailing "!" for forms whose memory operand is written and "&" for
// read-modify-write; `[text, facts]` adds facts. The VEX rows are written out separately:
// objdump's VEX operand shapes (the extra vvvv source, XMM/YMM by VEX.L, half-width
// sources) differ enough from the legacy rows that deriving them mechanically would hide
// more than it saves.

import {
  FL, INVALID, MemAcc, OSZAPC, Touch, f, group, mod, pfx, rmsel, type Facts, type Node,
} from '../forms.js';
import { SIMD_TEXT, TextKind } from '../vex.js';
import { buildVexMaps, buildXopMaps } from './vex-maps.js';
import { buildEvexMaps } from './evex.js';

const R = MemAcc.READ;
const W = MemAcc.WRITE;
const N = MemAcc.NONE;

export type Row = string | [string, Facts] | Node | undefined;

/** Builds a form node from a row ("isa:text", optional "!" write / "&" rmw / "=" no access). */
export function row(r: Row, dflt = 'sse2'): Node {
  if (r === undefined) return INVALID;
  if (typeof r !== 'string' && !Array.isArray(r)) return r;
  const [text0, extra] = typeof r === 'string' ? [r, {} as Facts] : r;
  let text = text0;
  let isa = dflt;
  const colon = text.indexOf(':');
  if (colon > 0 && colon < text.indexOf(' ') || (colon > 0 && text.indexOf(' ') < 0)) {
    isa = text.slice(0, colon);
    text = text.slice(colon + 1);
  }
  let mem: number = R;
  if (text.endsWith('!')) { mem = W; text = text.slice(0, -1); }
  else if (text.endsWith('&')) { mem = MemAcc.RW; text = text.slice(0, -1); }
  else if (text.endsWith('=')) { mem = N; text = text.slice(0, -1); }
  const touch = isa === 'mmx' ? Touch.SIMD | Touch.FPU : Touch.SIMD;
  const node = f(text, { isa, touch, mem, ...extra });
  return node;
}

/** Registers an immediate-named form (see vex.ts `simdText`). */
export function named(n: Node, kind: number, pre: string, suf: string): Node {
  SIMD_TEXT.set(n.form, [kind, pre, suf]);
  return n;
}

/** Mandatory-prefix selector from four rows (none, 66, F3, F2). */
export function P(none: Row, p66?: Row, pF3?: Row, pF2?: Row, dflt = 'sse2'): Node {
  if (p66 === undefined && pF3 === undefined && pF2 === undefined) return pfx(row(none, dflt));
  return pfx(row(none, dflt), row(p66, dflt), row(pF3, dflt), row(pF2, dflt));
}

const CMPF = { w: OSZAPC }; // COMISS/UCOMISS/PTEST/PCMPxSTRx write all six status flags
/** VMX instructions report VMsucceed/VMfail in CF/ZF and clear the other status flags. */
const VMX: Facts = { w: OSZAPC };

/** Packed/scalar arithmetic quartet (ps, pd, ss, sd). */
function arith4(name: string): Node {
  return P(`sse:${name}ps Vx,Wx`, `${name}pd Vx,Wx`, `sse:${name}ss Vx,Wd`, `${name}sd Vx,Wq`);
}
/** MMX form without prefix, SSE2 form with 66. */
function mx(name: string, mmxIsa = 'mmx', ops = 'Pq,Qq'): Node {
  return P(`${mmxIsa}:${name} ${ops}`, `${name} Vx,Wx`);
}

/** A form objdump decodes ignoring an F2/F3 prefix, which it then prints as "repz"/"repnz". */
function REPX(text: string): Node {
  return row([text, { pfxIgnored: true }]);
}

/** Fills the SIMD rows of the 0F map in place. */
export function addSimd(t: Node[]): void {
  t[0x10] = P('sse:movups Vx,Wx', 'movupd Vx,Wx', 'sse:movss Vx,Wd', 'movsd Vx,Wq');
  t[0x11] = P('sse:movups Wx,Vx!', 'movupd Wx,Vx!', 'sse:movss Wd,Vx!', 'movsd Wq,Vx!');
  t[0x12] = P(mod(row('sse:movlps Vx,Mq'), row('sse:movhlps Vx,Ux')), 'movlpd Vx,Mq', 'sse3:movsldup Vx,Wx', 'sse3:movddup Vx,Wq');
  t[0x13] = P('sse:movlps Mq,Vx!', 'movlpd Mq,Vx!');
  t[0x14] = P('sse:unpcklps Vx,Wx', 'unpcklpd Vx,Wx');
  t[0x15] = P('sse:unpckhps Vx,Wx', 'unpckhpd Vx,Wx');
  t[0x16] = P(mod(row('sse:movhps Vx,Mq'), row('sse:movlhps Vx,Ux')), 'movhpd Vx,Mq', 'sse3:movshdup Vx,Wx');
  t[0x17] = P('sse:movhps Mq,Vx!', 'movhpd Mq,Vx!');
  t[0x28] = P('sse:movaps Vx,Wx', 'movapd Vx,Wx');
  t[0x29] = P('sse:movaps Wx,Vx!', 'movapd Wx,Vx!');
  t[0x2a] = P('sse:cvtpi2ps Vx,Qq', 'cvtpi2pd Vx,Qq', 'sse:cvtsi2ss Vx,Ed', 'cvtsi2sd Vx,Ed');
  t[0x2b] = P('sse:movntps Mx,Vx!', 'movntpd Mx,Vx!', 'sse4a:movntss Md,Vx!', 'sse4a:movntsd Mq,Vx!');
  t[0x2c] = P('sse:cvttps2pi Pq,Wq', 'cvttpd2pi Pq,Wx', 'sse:cvttss2si Gd,Wd', 'cvttsd2si Gd,Wq');
  t[0x2d] = P('sse:cvtps2pi Pq,Wq', 'cvtpd2pi Pq,Wx', 'sse:cvtss2si Gd,Wd', 'cvtsd2si Gd,Wq');
  t[0x2e] = P(['sse:ucomiss Vx,Wd', CMPF], ['ucomisd Vx,Wq', CMPF]);
  t[0x2f] = P(['sse:comiss Vx,Wd', CMPF], ['comisd Vx,Wq', CMPF]);
  t[0x50] = P('sse:movmskps Gd,Ux', 'movmskpd Gd,Ux');
  t[0x51] = arith4('sqrt');
  t[0x52] = P('sse:rsqrtps Vx,Wx', undefined, 'sse:rsqrtss Vx,Wd');
  t[0x53] = P('sse:rcpps Vx,Wx', undefined, 'sse:rcpss Vx,Wd');
  t[0x54] = P('sse:andps Vx,Wx', 'andpd Vx,Wx');
  t[0x55] = P('sse:andnps Vx,Wx', 'andnpd Vx,Wx');
  t[0x56] = P('sse:orps Vx,Wx', 'orpd Vx,Wx');
  t[0x57] = P('sse:xorps Vx,Wx', 'xorpd Vx,Wx');
  t[0x58] = arith4('add');
  t[0x59] = arith4('mul');
  t[0x5a] = P('cvtps2pd Vx,Wq', 'cvtpd2ps Vx,Wx', 'cvtss2sd Vx,Wd', 'cvtsd2ss Vx,Wq');
  t[0x5b] = P('cvtdq2ps Vx,Wx', 'cvtps2dq Vx,Wx', 'cvttps2dq Vx,Wx');
  t[0x5c] = arith4('sub');
  t[0x5d] = arith4('min');
  t[0x5e] = arith4('div');
  t[0x5f] = arith4('max');
  t[0x60] = mx('punpcklbw', 'mmx', 'Pq,Qd');
  t[0x61] = mx('punpcklwd', 'mmx', 'Pq,Qd');
  t[0x62] = mx('punpckldq', 'mmx', 'Pq,Qd');
  t[0x63] = mx('packsswb');
  t[0x64] = mx('pcmpgtb');
  t[0x65] = mx('pcmpgtw');
  t[0x66] = mx('pcmpgtd');
  t[0x67] = mx('packuswb');
  t[0x68] = mx('punpckhbw');
  t[0x69] = mx('punpckhwd');
  t[0x6a] = mx('punpckhdq');
  t[0x6b] = mx('packssdw');
  t[0x6c] = P(undefined, 'punpcklqdq Vx,Wx');
  t[0x6d] = P(undefined, 'punpckhqdq Vx,Wx');
  t[0x6e] = P('mmx:movd Pq,Ed', 'movd Vx,Ed');
  t[0x6f] = P('mmx:movq Pq,Qq', 'movdqa Vx,Wx', 'movdqu Vx,Wx');
  t[0x70] = P('sse:pshufw Pq,Qq,Ib', 'pshufd Vx,Wx,Ib', 'pshufhw Vx,Wx,Ib', 'pshuflw Vx,Wx,Ib');
  const sh = (name: string): Node => P(`mmx:${name} Nq,Ib`, `${name} Ux,Ib`);
  t[0x71] = mod(INVALID, group([INVALID, INVALID, sh('psrlw'), INVALID, sh('psraw'), INVALID, sh('psllw')]));
  t[0x72] = mod(INVALID, group([INVALID, INVALID, sh('psrld'), INVALID, sh('psrad'), INVALID, sh('pslld')]));
  t[0x73] = mod(INVALID, group([INVALID, INVALID, sh('psrlq'), P(undefined, 'psrldq Ux,Ib'), INVALID, INVALID,
    sh('psllq'), P(undefined, 'pslldq Ux,Ib')]));
  t[0x74] = mx('pcmpeqb');
  t[0x75] = mx('pcmpeqw');
  t[0x76] = mx('pcmpeqd');
  t[0x77] = P('mmx:emms');
  t[0x78] = P(['vmx:vmread Ed,Gd!', VMX], mod(INVALID, row('sse4a:extrq Ux,Ib,Ib')), undefined, mod(INVALID, row('sse4a:insertq Vx,Ux,Ib,Ib')));
  t[0x79] = P(['vmx:vmwrite Gd,Ed', VMX], mod(INVALID, row('sse4a:extrq Vx,Ux')), undefined, mod(INVALID, row('sse4a:insertq Vx,Ux')));
  t[0x7c] = P(undefined, 'sse3:haddpd Vx,Wx', undefined, 'sse3:haddps Vx,Wx');
  t[0x7d] = P(undefined, 'sse3:hsubpd Vx,Wx', undefined, 'sse3:hsubps Vx,Wx');
  t[0x7e] = P('mmx:movd Ed,Pq!', 'movd Ed,Vx!', 'movq Vx,Wq');
  t[0x7f] = P('mmx:movq Qq,Pq!', 'movdqa Wx,Vx!', 'movdqu Wx,Vx!');
  if (t[0xae] === INVALID) {
    t[0xae] = mod(
      group([row('fxsr:fxsave M!'), row('fxsr:fxrstor M'), row('sse:ldmxcsr Md'), row('sse:stmxcsr Md!'),
        row('xsave:xsave M!'), row('xsave:xrstor M'), row('xsave:xsaveopt M!'), row('clflush:clflush Mb=')]),
      group([INVALID, INVALID, INVALID, INVALID, INVALID, rmsel(new Array<Node>(8).fill(row('lfence'))),
        rmsel(new Array<Node>(8).fill(row('mfence'))), rmsel(new Array<Node>(8).fill(row('sse:sfence')))]),
    );
  }
  const c8 = (r: Row, suf: string): Node => named(row(r), TextKind.CMP8, 'cmp', suf);
  t[0xc2] = P(c8('sse:cmpps Vx,Wx,Ib', 'ps'), c8('cmppd Vx,Wx,Ib', 'pd'), c8('sse:cmpss Vx,Wd,Ib', 'ss'), c8('cmpsd Vx,Wq,Ib', 'sd'));
  t[0xc3] = P('movnti Md,Gd!');
  t[0xc4] = P('sse:pinsrw Pq,EdMw,Ib', 'pinsrw Vx,EdMw,Ib');
  t[0xc5] = mod(INVALID, P('sse:pextrw Gd,Nq,Ib', 'pextrw Gd,Ux,Ib'));
  t[0xc6] = P('sse:shufps Vx,Wx,Ib', 'shufpd Vx,Wx,Ib');
  t[0xd0] = P(undefined, 'sse3:addsubpd Vx,Wx', undefined, 'sse3:addsubps Vx,Wx');
  const MX: Record<number, string> = {
    0xd1: 'psrlw', 0xd2: 'psrld', 0xd3: 'psrlq', 0xd4: 'paddq', 0xd5: 'pmullw', 0xd8: 'psubusb', 0xd9: 'psubusw',
    0xda: 'pminub', 0xdb: 'pand', 0xdc: 'paddusb', 0xdd: 'paddusw', 0xde: 'pmaxub', 0xdf: 'pandn', 0xe0: 'pavgb',
    0xe1: 'psraw', 0xe2: 'psrad', 0xe3: 'pavgw', 0xe4: 'pmulhuw', 0xe5: 'pmulhw', 0xe8: 'psubsb', 0xe9: 'psubsw',
    0xea: 'pminsw', 0xeb: 'por', 0xec: 'paddsb', 0xed: 'paddsw', 0xee: 'pmaxsw', 0xef: 'pxor', 0xf1: 'psllw',
    0xf2: 'pslld', 0xf3: 'psllq', 0xf4: 'pmuludq', 0xf5: 'pmaddwd', 0xf6: 'psadbw', 0xf8: 'psubb', 0xf9: 'psubw',
    0xfa: 'psubd', 0xfb: 'psubq', 0xfc: 'paddb', 0xfd: 'paddw', 0xfe: 'paddd',
  };
  const SSE_MMX = new Set([0xda, 0xde, 0xe0, 0xe3, 0xe4, 0xea, 0xee, 0xf6]); // integer SSE on MMX registers
  const SSE2_MMX = new Set([0xd4, 0xf4, 0xfb]); // SSE2 on MMX registers
  for (const [op, name] of Object.entries(MX)) {
    const o = Number(op);
    t[o] = mx(name, SSE_MMX.has(o) ? 'sse' : SSE2_MMX.has(o) ? 'sse2' : 'mmx');
  }
  t[0xd6] = P(undefined, 'movq Wq,Vx!', 'movq2dq Vx,Nq', 'movdq2q Pq,Ux');
  t[0xd7] = mod(INVALID, P('sse:pmovmskb Gd,Nq', 'pmovmskb Gd,Ux', REPX('sse:pmovmskb Gd,Nq'), REPX('sse:pmovmskb Gd,Nq')));
  t[0xe6] = P(undefined, 'cvttpd2dq Vx,Wx', 'cvtdq2pd Vx,Wq', 'cvtpd2dq Vx,Wx');
  t[0xe7] = P('sse:movntq Mq,Pq!', 'movntdq Mx,Vx!');
  t[0xf0] = P(undefined, undefined, undefined, 'sse3:lddqu Vx,Mxn');
  t[0xf7] = mod(INVALID, P('sse:maskmovq Pq,Nq', 'maskmovdqu Vx,Ux'));
  // 3DNow!: the operation is named by an immediate-like suffix byte after the operands.
  // objdump: a 66 prefix turns the operands into XMM registers; F3/F2 are printed as repz/repnz.
  const now = (r: Row): Node => named(row(r), TextKind.NOW3D, '', '');
  if (t[0x0f] === INVALID) {
    t[0x0f] = pfx(now('3dnow:3dnow Pq,Qq,Ib'), now('3dnow:3dnow Vx,Wx,Ib'), now(['3dnow:3dnow Pq,Qq,Ib', { pfxIgnored: true }]),
      now(['3dnow:3dnow Pq,Qq,Ib', { pfxIgnored: true }]));
  }
  if (t[0xb8] !== INVALID) {
    // POPCNT lives in two-byte.ts.
  }
}

// ---- 0F 38 --------------------------------------------------------------------------------

const SSSE3 = [
  'pshufb', 'phaddw', 'phaddd', 'phaddsw', 'pmaddubsw', 'phsubw', 'phsubd', 'phsubsw', 'psignb', 'psignw',
  'psignd', 'pmulhrsw',
];

/** The 0F 38 map. */
export function map0F38(): Node[] {
  const t = new Array<Node>(256).fill(INVALID);
  SSSE3.forEach((n, i) => (t[i] = P(`ssse3:${n} Pq,Qq`, `ssse3:${n} Vx,Wx`)));
  const s41 = (op: number, text: string): void => void (t[op] = P(undefined, `sse4.1:${text}`));
  s41(0x10, 'pblendvb Vx,Wx,XMM0');
  s41(0x14, 'blendvps Vx,Wx,XMM0');
  s41(0x15, 'blendvpd Vx,Wx,XMM0');
  t[0x17] = P(undefined, ['sse4.1:ptest Vx,Wx', CMPF]);
  t[0x1c] = P('ssse3:pabsb Pq,Qq', 'ssse3:pabsb Vx,Wx');
  t[0x1d] = P('ssse3:pabsw Pq,Qq', 'ssse3:pabsw Vx,Wx');
  t[0x1e] = P('ssse3:pabsd Pq,Qq', 'ssse3:pabsd Vx,Wx');
  const MOVX = ['bw Vx,Wq', 'bd Vx,Wd', 'bq Vx,Ww', 'wd Vx,Wq', 'wq Vx,Wd', 'dq Vx,Wq'];
  MOVX.forEach((s, i) => {
    s41(0x20 + i, `pmovsx${s}`);
    s41(0x30 + i, `pmovzx${s}`);
  });
  s41(0x28, 'pmuldq Vx,Wx');
  s41(0x29, 'pcmpeqq Vx,Wx');
  s41(0x2a, 'movntdqa Vx,Mx');
  s41(0x2b, 'packusdw Vx,Wx');
  t[0x37] = P(undefined, 'sse4.2:pcmpgtq Vx,Wx');
  ['pminsb', 'pminsd', 'pminuw', 'pminud', 'pmaxsb', 'pmaxsd', 'pmaxuw', 'pmaxud', 'pmulld', 'phminposuw']
    .forEach((n, i) => s41(0x38 + i, `${n} Vx,Wx`));
  t[0x80] = P(undefined, ['vmx:invept Gd,Mo', VMX]);
  t[0x81] = P(undefined, ['vmx:invvpid Gd,Mo', VMX]);
  t[0x82] = P(undefined, 'other:invpcid Gd,Mxn');
  t[0xc8] = P('sha:sha1nexte Vx,Wx');
  t[0xc9] = P('sha:sha1msg1 Vx,Wx');
  t[0xca] = P('sha:sha1msg2 Vx,Wx');
  t[0xcb] = P('sha:sha256rnds2 Vx,Wx,XMM0');
  t[0xcc] = P('sha:sha256msg1 Vx,Wx');
  t[0xcd] = P('sha:sha256msg2 Vx,Wx');
  t[0xcf] = P(undefined, 'gfni:gf2p8mulb Vx,Wx');
  t[0xdb] = P(undefined, 'aes:aesimc Vx,Wx');
  const I = { touch: 0 };
  t[0xf0] = P(['movbe:movbe Gv,Mv', I], ['movbe:movbe Gv,Mv', I], undefined, ['sse4.2:crc32 Gd,Eb', I]);
  t[0xf1] = P(['movbe:movbe Mv,Gv!', I], ['movbe:movbe Mv,Gv!', I], undefined, ['sse4.2:crc32 Gd,Ev', I]);
  t[0xf5] = P(undefined, ['cet:wrussd Mdn,Gd!', I]);
  t[0xf6] = P(['cet:wrssd Mdn,Gd!', I], ['other:adcx Gd,Ed', { touch: 0, r: FL.CF, w: FL.CF }],
    ['other:adox Gd,Ed', { touch: 0, r: FL.OF, w: FL.OF }]);
  // Key Locker (F3 0F 38 D8-DF, FA, FB)
  const KL: Facts = { touch: Touch.SIMD, w: OSZAPC };
  t[0xd8] = P(undefined, undefined, mod(group([row(['other:aesencwide128kl M', KL]), row(['other:aesdecwide128kl M', KL]),
    row(['other:aesencwide256kl M', KL]), row(['other:aesdecwide256kl M', KL])]), INVALID));
  const kl = (op: number, name: string, p66: string): void => {
    t[op] = P(undefined, `aes:${p66} Vx,Wx`, mod(row([`other:${name} Vx,M`, KL]), op === 0xdc ? row(['other:loadiwkey Vx,Ux', KL]) : INVALID));
  };
  kl(0xdc, 'aesenc128kl', 'aesenc');
  kl(0xdd, 'aesdec128kl', 'aesenclast');
  kl(0xde, 'aesenc256kl', 'aesdec');
  kl(0xdf, 'aesdec256kl', 'aesdeclast');
  t[0xfa] = P(undefined, undefined, mod(INVALID, row(['other:encodekey128 Gd,Rv', KL])));
  t[0xfb] = P(undefined, undefined, mod(INVALID, row(['other:encodekey256 Gd,Rv', KL])));
  t[0xf8] = mod(P(undefined, ['other:movdir64b Ga,Mz', I], ['other:enqcmds Ga,Mz', { touch: 0, w: OSZAPC }],
    ['other:enqcmd Ga,Mz', { touch: 0, w: OSZAPC }]), INVALID);
  t[0xf9] = mod(P(['other:movdiri Md,Gd!', I]), INVALID);
  t[0xfc] = mod(P(['other:aadd Md,Gd&', I], ['other:aand Md,Gd&', I], ['other:axor Md,Gd&', I], ['other:aor Md,Gd&', I]), INVALID);
  return t;
}

// ---- 0F 3A --------------------------------------------------------------------------------

/** The 0F 3A map (every row has an immediate byte). */
export function map0F3A(): Node[] {
  const t = new Array<Node>(256).fill(INVALID);
  const s41 = (op: number, text: string): void => void (t[op] = P(undefined, `sse4.1:${text}`));
  s41(0x08, 'roundps Vx,Wx,Ib');
  s41(0x09, 'roundpd Vx,Wx,Ib');
  s41(0x0a, 'roundss Vx,Wd,Ib');
  s41(0x0b, 'roundsd Vx,Wq,Ib');
  s41(0x0c, 'blendps Vx,Wx,Ib');
  s41(0x0d, 'blendpd Vx,Wx,Ib');
  s41(0x0e, 'pblendw Vx,Wx,Ib');
  t[0x0f] = P('ssse3:palignr Pq,Qq,Ib', 'ssse3:palignr Vx,Wx,Ib');
  s41(0x14, 'pextrb EdMb,Vx,Ib!');
  s41(0x15, 'pextrw EdMw,Vx,Ib!');
  s41(0x16, 'pextrd Ed,Vx,Ib!');
  s41(0x17, 'extractps Ed,Vx,Ib!');
  s41(0x20, 'pinsrb Vx,EdMb,Ib');
  s41(0x21, 'insertps Vx,Wd,Ib');
  s41(0x22, 'pinsrd Vx,Ed,Ib');
  s41(0x40, 'dpps Vx,Wx,Ib');
  s41(0x41, 'dppd Vx,Wx,Ib');
  s41(0x42, 'mpsadbw Vx,Wx,Ib');
  t[0x44] = P(undefined, named(row('pclmul:pclmulqdq Vx,Wx,Ib'), TextKind.PCLMUL, 'pclmul', 'qdq'));
  t[0x60] = P(undefined, ['sse4.2:pcmpestrm Vx,Wx,Ib', CMPF]);
  t[0x61] = P(undefined, ['sse4.2:pcmpestri Vx,Wx,Ib', CMPF]);
  t[0x62] = P(undefined, ['sse4.2:pcmpistrm Vx,Wx,Ib', CMPF]);
  t[0x63] = P(undefined, ['sse4.2:pcmpistri Vx,Wx,Ib', CMPF]);
  t[0xcc] = P('sha:sha1rnds4 Vx,Wx,Ib');
  t[0xce] = P(undefined, 'gfni:gf2p8affineqb Vx,Wx,Ib');
  t[0xcf] = P(undefined, 'gfni:gf2p8affineinvqb Vx,Wx,Ib');
  t[0xdf] = P(undefined, 'aes:aeskeygenassist Vx,Wx,Ib');
  return t;
}

/** VEX (17-19), XOP (8-10) and EVEX (33-38) maps by `Instruction.opMap`. */
export function extendedMaps(): Record<number, Node[]> {
  const vex = buildVexMaps();
  return { ...vex, ...buildXopMaps(), ...buildEvexMaps(vex) };
}


