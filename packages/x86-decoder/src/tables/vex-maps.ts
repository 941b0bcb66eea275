// The VEX maps (C4/C5 prefixes): opMap 17 (0F), 18 (0F 38), 19 (0F 3A).
//
// Operand letters: Vy/Wy/Hy are XMM or YMM by VEX.L, Hx is an XMM vvvv source, Wh* are
// XMM registers whose memory form is a fraction of the vector length (VCVTPS2PD,
// VPMOVSX...), Ly the /is4 register of the immediate byte, Bd a GPR in vvvv (BMI).
// Names and operand order follow objdump's Intel syntax.

import { FL, INVALID, MemAcc, NK, Node, OSZAPC, SZP, Touch, group, mod, type Facts } from '../forms.js';

const R = MemAcc.READ;
import { TextKind, VSIB } from '../vex.js';
import { named, P, row, type Row } from './simd.js';

/** VEX.W (EVEX.W, XOP.W) selects a child. */
export const vw = (w0: Row, w1: Row, isa = 'avx'): Node => new Node(NK.VEXW, 0, [row(w0, isa), row(w1, isa)]);
/** VEX.L / EVEX.L'L selects a child. */
export const vl = (l0: Row, l1: Row, l2?: Row, l3?: Row, isa = 'avx'): Node =>
  new Node(NK.VEXL, 0, [row(l0, isa), row(l1, isa), row(l2, isa), row(l3, isa)]);
/** VEX row selector by mandatory prefix, ISA label "avx" unless tagged. */
export const V = (none: Row, p66?: Row, pF3?: Row, pF2?: Row): Node => P(none, p66, pF3, pF2, 'avx');
/** 66-only VEX row. */
const V66 = (r: Row): Node => P(undefined, r, undefined, undefined, 'avx');

const CMPF: Facts = { w: OSZAPC };

export function buildVexMaps(): Record<number, Node[]> {
  return { 17: vex0F(), 18: vex0F38(), 19: vex0F3A() };
}

function arith4(name: string): Node {
  return V(`v${name}ps Vy,Hy,Wy`, `v${name}pd Vy,Hy,Wy`, `v${name}ss Vx,Hx,Wd`, `v${name}sd Vx,Hx,Wq`);
}

function vex0F(): Node[] {
  const t = new Array<Node>(256).fill(INVALID);
  t[0x10] = V('vmovups Vy,Wy', 'vmovupd Vy,Wy', mod(row('avx:vmovss Vx,Md'), row('avx:vmovss Vx,Hx,Ux')),
    mod(row('avx:vmovsd Vx,Mq'), row('avx:vmovsd Vx,Hx,Ux')));
  t[0x11] = V('vmovups Wy,Vy!', 'vmovupd Wy,Vy!', mod(row('avx:vmovss Md,Vx!'), row('avx:vmovss Uy,Hx,Vx')),
    mod(row('avx:vmovsd Mq,Vx!'), row('avx:vmovsd Uy,Hx,Vx')));
  t[0x12] = V(mod(row('avx:vmovlps Vx,Hx,Mq'), row('avx:vmovhlps Vx,Hx,Ux')), mod(row('avx:vmovlpd Vx,Hx,Mq'), INVALID),
    'vmovsldup Vy,Wy', 'vmovddup Vy,Wdup');
  t[0x13] = V(mod(row('avx:vmovlps Mq,Vx!'), INVALID), mod(row('avx:vmovlpd Mq,Vx!'), INVALID));
  t[0x14] = V('vunpcklps Vy,Hy,Wy', 'vunpcklpd Vy,Hy,Wy');
  t[0x15] = V('vunpckhps Vy,Hy,Wy', 'vunpckhpd Vy,Hy,Wy');
  t[0x16] = V(mod(row('avx:vmovhps Vx,Hx,Mq'), row('avx:vmovlhps Vx,Hx,Ux')), mod(row('avx:vmovhpd Vx,Hx,Mq'), INVALID),
    'vmovshdup Vy,Wy');
  t[0x17] = V(mod(row('avx:vmovhps Mq,Vx!'), INVALID), mod(row('avx:vmovhpd Mq,Vx!'), INVALID));
  t[0x28] = V('vmovaps Vy,Wy', 'vmovapd Vy,Wy');
  t[0x29] = V('vmovaps Wy,Vy!', 'vmovapd Wy,Vy!');
  t[0x2a] = V(undefined, undefined, 'vcvtsi2ss Vx,Hx,Ed', 'vcvtsi2sd Vx,Hx,Ed');
  t[0x2b] = V(mod(row('avx:vmovntps My,Vy!'), INVALID), mod(row('avx:vmovntpd My,Vy!'), INVALID));
  t[0x2c] = V(undefined, undefined, 'vcvttss2si Gd,Wd', 'vcvttsd2si Gd,Wq');
  t[0x2d] = V(undefined, undefined, 'vcvtss2si Gd,Wd', 'vcvtsd2si Gd,Wq');
  t[0x2e] = V(['vucomiss Vx,Wd', CMPF], ['vucomisd Vx,Wq', CMPF]);
  t[0x2f] = V(['vcomiss Vx,Wd', CMPF], ['vcomisd Vx,Wq', CMPF]);
  t[0x50] = V(mod(INVALID, row('avx:vmovmskps Gd,Uy')), mod(INVALID, row('avx:vmovmskpd Gd,Uy')));
  t[0x51] = V('vsqrtps Vy,Wy', 'vsqrtpd Vy,Wy', 'vsqrtss Vx,Hx,Wd', 'vsqrtsd Vx,Hx,Wq');
  t[0x52] = V('vrsqrtps Vy,Wy', undefined, 'vrsqrtss Vx,Hx,Wd');
  t[0x53] = V('vrcpps Vy,Wy', undefined, 'vrcpss Vx,Hx,Wd');
  t[0x54] = V('vandps Vy,Hy,Wy', 'vandpd Vy,Hy,Wy');
  t[0x55] = V('vandnps Vy,Hy,Wy', 'vandnpd Vy,Hy,Wy');
  t[0x56] = V('vorps Vy,Hy,Wy', 'vorpd Vy,Hy,Wy');
  t[0x57] = V('vxorps Vy,Hy,Wy', 'vxorpd Vy,Hy,Wy');
  t[0x58] = arith4('add');
  t[0x59] = arith4('mul');
  t[0x5a] = V('vcvtps2pd Vy,Whq', 'vcvtpd2ps Vx,Wy', 'vcvtss2sd Vx,Hx,Wd', 'vcvtsd2ss Vx,Hx,Wq');
  t[0x5b] = V('vcvtdq2ps Vy,Wy', 'vcvtps2dq Vy,Wy', 'vcvttps2dq Vy,Wy');
  t[0x5c] = arith4('sub');
  t[0x5d] = arith4('min');
  t[0x5e] = arith4('div');
  t[0x5f] = arith4('max');
  const I3: Record<number, string> = {
    0x60: 'punpcklbw', 0x61: 'punpcklwd', 0x62: 'punpckldq', 0x63: 'packsswb', 0x64: 'pcmpgtb', 0x65: 'pcmpgtw',
    0x66: 'pcmpgtd', 0x67: 'packuswb', 0x68: 'punpckhbw', 0x69: 'punpckhwd', 0x6a: 'punpckhdq', 0x6b: 'packssdw',
    0x6c: 'punpcklqdq', 0x6d: 'punpckhqdq', 0x74: 'pcmpeqb', 0x75: 'pcmpeqw', 0x76: 'pcmpeqd',
    0xd4: 'paddq', 0xd5: 'pmullw', 0xd8: 'psubusb', 0xd9: 'psubusw', 0xda: 'pminub', 0xdb: 'pand', 0xdc: 'paddusb',
    0xdd: 'paddusw', 0xde: 'pmaxub', 0xdf: 'pandn', 0xe0: 'pavgb', 0xe3: 'pavgw', 0xe4: 'pmulhuw', 0xe5: 'pmulhw',
    0xe8: 'psubsb', 0xe9: 'psubsw', 0xea: 'pminsw', 0xeb: 'por', 0xec: 'paddsb', 0xed: 'paddsw', 0xee: 'pmaxsw',
    0xef: 'pxor', 0xf4: 'pmuludq', 0xf5: 'pmaddwd', 0xf6: 'psadbw', 0xf8: 'psubb', 0xf9: 'psubw', 0xfa: 'psubd',
    0xfb: 'psubq', 0xfc: 'paddb', 0xfd: 'paddw', 0xfe: 'paddd',
  };
  for (const [op, name] of Object.entries(I3)) t[Number(op)] = V66(`v${name} Vy,Hy,Wy`);
  // shifts by an XMM count: the count is always xmm/m128
  const SH: Record<number, string> = { 0xd1: 'psrlw', 0xd2: 'psrld', 0xd3: 'psrlq', 0xe1: 'psraw', 0xe2: 'psrad', 0xf1: 'psllw', 0xf2: 'pslld', 0xf3: 'psllq' };
  for (const [op, name] of Object.entries(SH)) t[Number(op)] = V66(`v${name} Vy,Hy,Wx`);
  t[0x6e] = V66('vmovd Vx,Ed');
  t[0x6f] = V(undefined, 'vmovdqa Vy,Wy', 'vmovdqu Vy,Wy');
  t[0x70] = V(undefined, 'vpshufd Vy,Wy,Ib', 'vpshufhw Vy,Wy,Ib', 'vpshuflw Vy,Wy,Ib');
  const sh = (name: string): Node => V66(`v${name} Hy,Uy,Ib`);
  t[0x71] = mod(INVALID, group([INVALID, INVALID, sh('psrlw'), INVALID, sh('psraw'), INVALID, sh('psllw')]));
  t[0x72] = mod(INVALID, group([INVALID, INVALID, sh('psrld'), INVALID, sh('psrad'), INVALID, sh('pslld')]));
  t[0x73] = mod(INVALID, group([INVALID, INVALID, sh('psrlq'), sh('psrldq'), INVALID, INVALID, sh('psllq'), sh('pslldq')]));
  t[0x77] = V(vl('vzeroupper', 'vzeroall'), vl('vzeroupper', 'vzeroall'), vl('vzeroupper', 'vzeroall'), vl('vzeroupper', 'vzeroall'));
  t[0x7c] = V(undefined, 'vhaddpd Vy,Hy,Wy', undefined, 'vhaddps Vy,Hy,Wy');
  t[0x7d] = V(undefined, 'vhsubpd Vy,Hy,Wy', undefined, 'vhsubps Vy,Hy,Wy');
  t[0x7e] = V(undefined, 'vmovd Ed,Vx!', 'vmovq Vx,Wq');
  t[0x7f] = V(undefined, 'vmovdqa Wy,Vy!', 'vmovdqu Wy,Vy!');
  // objdump ignores VEX.pp here.
  t[0xae] = mod(group([INVALID, INVALID, V('vldmxcsr Md', 'vldmxcsr Md', 'vldmxcsr Md', 'vldmxcsr Md'),
    V('vstmxcsr Md!', 'vstmxcsr Md!', 'vstmxcsr Md!', 'vstmxcsr Md!')]), INVALID);
  const c32 = (r: string, suf: string): Node => named(row(r, 'avx'), TextKind.CMP32, 'vcmp', suf);
  t[0xc2] = V(c32('vcmpps Vy,Hy,Wy,Ib', 'ps'), c32('vcmppd Vy,Hy,Wy,Ib', 'pd'), c32('vcmpss Vx,Hx,Wd,Ib', 'ss'),
    c32('vcmpsd Vx,Hx,Wq,Ib', 'sd'));
  t[0xc4] = V66('vpinsrw Vx,Hx,EdMw,Ib');
  t[0xc5] = mod(INVALID, V66('vpextrw Gd,Ux,Ib'));
  t[0xc6] = V('vshufps Vy,Hy,Wy,Ib', 'vshufpd Vy,Hy,Wy,Ib');
  t[0xd0] = V(undefined, 'vaddsubpd Vy,Hy,Wy', undefined, 'vaddsubps Vy,Hy,Wy');
  t[0xd6] = V66('vmovq Wq,Vx!');
  t[0xd7] = mod(INVALID, V66('vpmovmskb Gd,Uy'));
  t[0xe6] = V(undefined, 'vcvttpd2dq Vx,Wy', 'vcvtdq2pd Vy,Whq', 'vcvtpd2dq Vx,Wy');
  t[0xe7] = mod(V66('vmovntdq My,Vy!'), INVALID);
  t[0xf0] = mod(V(undefined, undefined, undefined, 'vlddqu Vy,Myn'), INVALID);
  t[0xf7] = mod(INVALID, V66('vmaskmovdqu Vx,Ux'));
  // AVX-512 opmask instructions (VEX-encoded): suffix by pp/W (none: w/q, 66: b/d)
  const K = (text: string, x: Facts = {}): Row => [`avx512:${text}`, { touch: Touch.SIMD, mem: R, ...x }];
  const KF: Facts = { w: OSZAPC };
  const k2 = (name: string, ops: string, x?: Facts): Node => {
    const k = (t: string): Row => K(t, x);
    return V(vw(k(`${name}w ${ops}`), k(`${name}q ${ops}`)), vw(k(`${name}b ${ops}`), k(`${name}d ${ops}`)));
  };
  for (const [op, name] of [[0x41, 'kand'], [0x42, 'kandn'], [0x45, 'kor'], [0x46, 'kxnor'], [0x47, 'kxor'], [0x4a, 'kadd']] as const) {
    t[op] = mod(INVALID, k2(name, 'KG,KH,KU'));
  }
  t[0x4b] = mod(INVALID, V(vw(K('kunpckwd KG,KH,KU'), K('kunpckdq KG,KH,KU')), vw(K('kunpckbw KG,KH,KU'), undefined)));
  t[0x44] = mod(INVALID, k2('knot', 'KG,KU'));
  t[0x90] = V(vw(K('kmovw KG,KWw'), K('kmovq KG,KWq')), vw(K('kmovb KG,KWb'), K('kmovd KG,KWd')));
  t[0x91] = mod(V(vw(K('kmovw KWw,KG!'), K('kmovq KWq,KG!')), vw(K('kmovb KWb,KG!'), K('kmovd KWd,KG!'))), INVALID);
  t[0x92] = mod(INVALID, V(vw(K('kmovw KG,Rv'), undefined), vw(K('kmovb KG,Rv'), undefined), undefined, K('kmovd KG,Rv')));
  t[0x93] = mod(INVALID, V(vw(K('kmovw Gd,KU'), undefined), vw(K('kmovb Gd,KU'), undefined), undefined, K('kmovd Gd,KU')));
  // KORTEST/KTEST set ZF and CF from the masks and clear the other status flags.
  t[0x98] = mod(INVALID, k2('kortest', 'KG,KU', KF));
  t[0x99] = mod(INVALID, k2('ktest', 'KG,KU', KF));
  return t;
}

function vex0F38(): Node[] {
  const t = new Array<Node>(256).fill(INVALID);
  const I3 = [
    'pshufb', 'phaddw', 'phaddd', 'phaddsw', 'pmaddubsw', 'phsubw', 'phsubd', 'phsubsw', 'psignb', 'psignw',
    'psignd', 'pmulhrsw',
  ];
  I3.forEach((n, i) => (t[i] = V66(`v${n} Vy,Hy,Wy`)));
  t[0x0c] = V66(vw('vpermilps Vy,Hy,Wy', undefined));
  t[0x0d] = V66(vw('vpermilpd Vy,Hy,Wy', undefined));
  t[0x0e] = V66(vw(['vtestps Vy,Wy', CMPF], undefined));
  t[0x0f] = V66(vw(['vtestpd Vy,Wy', CMPF], undefined));
  t[0x13] = V66(vw('f16c:vcvtph2ps Vy,Whq', undefined));
  t[0x16] = V66(vw(vl(undefined, 'avx2:vpermps Vy,Hy,Wy'), undefined));
  t[0x17] = V66(['vptest Vy,Wy', CMPF]);
  t[0x18] = V66(vw('vbroadcastss Vy,Wd', undefined));
  t[0x19] = V66(vw(vl(undefined, 'vbroadcastsd Vy,Wq'), undefined));
  t[0x1a] = V66(vw(vl(undefined, mod(row('avx:vbroadcastf128 Vy,Mx'), INVALID)), undefined));
  t[0x1c] = V66('vpabsb Vy,Wy');
  t[0x1d] = V66('vpabsw Vy,Wy');
  t[0x1e] = V66('vpabsd Vy,Wy');
  const MOVX = ['bw Vy,Whq', 'bd Vy,Whd', 'bq Vy,Whw', 'wd Vy,Whq', 'wq Vy,Whd', 'dq Vy,Whq'];
  MOVX.forEach((s, i) => {
    t[0x20 + i] = V66(`vpmovsx${s}`);
    t[0x30 + i] = V66(`vpmovzx${s}`);
  });
  t[0x28] = V66('vpmuldq Vy,Hy,Wy');
  t[0x29] = V66('vpcmpeqq Vy,Hy,Wy');
  t[0x2a] = mod(V66('vmovntdqa Vy,My'), INVALID);
  t[0x2b] = V66('vpackusdw Vy,Hy,Wy');
  t[0x2c] = mod(V66(vw('vmaskmovps Vy,Hy,My', undefined)), INVALID);
  t[0x2d] = mod(V66(vw('vmaskmovpd Vy,Hy,My', undefined)), INVALID);
  t[0x2e] = mod(V66(vw('vmaskmovps My,Hy,Vy!', undefined)), INVALID);
  t[0x2f] = mod(V66(vw('vmaskmovpd My,Hy,Vy!', undefined)), INVALID);
  t[0x36] = V66(vw(vl(undefined, 'avx2:vpermd Vy,Hy,Wy'), undefined));
  t[0x37] = V66('vpcmpgtq Vy,Hy,Wy');
  ['pminsb', 'pminsd', 'pminuw', 'pminud', 'pmaxsb', 'pmaxsd', 'pmaxuw', 'pmaxud', 'pmulld']
    .forEach((n, i) => (t[0x38 + i] = V66(`v${n} Vy,Hy,Wy`)));
  t[0x41] = V66(vl('vphminposuw Vx,Wx', undefined));
  t[0x45] = V66(vw('avx2:vpsrlvd Vy,Hy,Wy', 'avx2:vpsrlvq Vy,Hy,Wy'));
  t[0x46] = V66(vw('avx2:vpsravd Vy,Hy,Wy', undefined));
  t[0x47] = V66(vw('avx2:vpsllvd Vy,Hy,Wy', 'avx2:vpsllvq Vy,Hy,Wy'));
  t[0x58] = V66(vw('avx2:vpbroadcastd Vy,Wd', undefined));
  t[0x59] = V66(vw('avx2:vpbroadcastq Vy,Wq', undefined));
  t[0x5a] = V66(vw(vl(undefined, mod(row('avx2:vbroadcasti128 Vy,Mx'), INVALID)), undefined));
  t[0x78] = V66(vw('avx2:vpbroadcastb Vy,Wb', undefined));
  t[0x79] = V66(vw('avx2:vpbroadcastw Vy,Ww', undefined));
  t[0x8c] = mod(V66(vw('avx2:vpmaskmovd Vy,Hy,My', 'avx2:vpmaskmovq Vy,Hy,My')), INVALID);
  t[0x8e] = mod(V66(vw('avx2:vpmaskmovd My,Hy,Vy!', 'avx2:vpmaskmovq My,Hy,Vy!')), INVALID);
  // gathers: [dest, VSIB, mask]; index xmm/ymm by L (1) or always xmm (2)
  const gather = (name: string, el: 'Vsd' | 'Vsq', dest: string, kind: number): Node => {
    const n = row(`avx2:${name} ${dest},${el},${dest === 'Vx' ? 'Hx' : 'Hy'}`);
    VSIB.set(n.form, kind);
    return n;
  };
  t[0x90] = mod(V66(vw(gather('vpgatherdd', 'Vsd', 'Vy', 1), gather('vpgatherdq', 'Vsq', 'Vy', 2))), INVALID);
  t[0x91] = mod(V66(vw(gather('vpgatherqd', 'Vsd', 'Vx', 1), gather('vpgatherqq', 'Vsq', 'Vy', 1))), INVALID);
  t[0x92] = mod(V66(vw(gather('vgatherdps', 'Vsd', 'Vy', 1), gather('vgatherdpd', 'Vsq', 'Vy', 2))), INVALID);
  t[0x93] = mod(V66(vw(gather('vgatherqps', 'Vsd', 'Vx', 1), gather('vgatherqpd', 'Vsq', 'Vy', 1))), INVALID);
  // FMA: 96-9F, A6-AF, B6-BF; W selects ps/pd (ss/sd)
  const FMA: Record<number, string> = {
    6: 'fmaddsub', 7: 'fmsubadd', 8: 'fmadd', 9: 'fmadd', 10: 'fmsub', 11: 'fmsub', 12: 'fnmadd', 13: 'fnmadd',
    14: 'fnmsub', 15: 'fnmsub',
  };
  for (const [order, base] of [['132', 0x90], ['213', 0xa0], ['231', 0xb0]] as const) {
    for (const [lo, name] of Object.entries(FMA)) {
      const l = Number(lo);
      const scalar = l >= 8 && (l & 1) === 1;
      t[base + l] = V66(scalar
        ? vw(`fma:v${name}${order}ss Vx,Hx,Wd`, `fma:v${name}${order}sd Vx,Hx,Wq`)
        : vw(`fma:v${name}${order}ps Vy,Hy,Wy`, `fma:v${name}${order}pd Vy,Hy,Wy`));
    }
  }
  t[0xcf] = V66(vw('gfni:vgf2p8mulb Vy,Hy,Wy', undefined));
  // AVX-VNNI, AVX-IFMA (objdump marks them "{vex}"), AVX-VNNI-INT8
  t[0x50] = V('other:vpdpbuud Vy,Hy,Wy', 'other:{vex}~vpdpbusd Vy,Hy,Wy', 'other:vpdpbsud Vy,Hy,Wy', 'other:vpdpbssd Vy,Hy,Wy');
  t[0x51] = V('other:vpdpbuuds Vy,Hy,Wy', 'other:{vex}~vpdpbusds Vy,Hy,Wy', 'other:vpdpbsuds Vy,Hy,Wy', 'other:vpdpbssds Vy,Hy,Wy');
  t[0x52] = V66('other:{vex}~vpdpwssd Vy,Hy,Wy');
  // AVX-NE-CONVERT
  t[0x72] = V(undefined, undefined, vw('other:{vex}~vcvtneps2bf16 Vx,Wy', undefined));
  t[0xb0] = mod(V(vw('other:vcvtneoph2ps Vy,My', undefined), vw('other:vcvtneeph2ps Vy,My', undefined),
    vw('other:vcvtneebf162ps Vy,My', undefined), vw('other:vcvtneobf162ps Vy,My', undefined)), INVALID);
  t[0xb1] = mod(V(undefined, vw('other:vbcstnesh2ps Vy,Mw', undefined), vw('other:vbcstnebf162ps Vy,Mw', undefined)), INVALID);
  t[0x53] = V66('other:{vex}~vpdpwssds Vy,Hy,Wy');
  t[0xb4] = V66(vw(undefined, 'other:{vex}~vpmadd52luq Vy,Hy,Wy'));
  t[0xb5] = V66(vw(undefined, 'other:{vex}~vpmadd52huq Vy,Hy,Wy'));
  t[0xdb] = V66(vl('aes:vaesimc Vx,Wx', undefined));
  t[0xdc] = V66('aes:vaesenc Vy,Hy,Wy');
  t[0xdd] = V66('aes:vaesenclast Vy,Hy,Wy');
  t[0xde] = V66('aes:vaesdec Vy,Hy,Wy');
  t[0xdf] = V66('aes:vaesdeclast Vy,Hy,Wy');
  // BMI1/BMI2 (VEX.L = 0)
  const B = (text: string, x: Facts = {}): Node => vl([`bmi:${text}`, { touch: 0, ...x }], undefined);
  const LOG: Facts = { w: OSZAPC, u: FL.AF | FL.PF };
  /** BEXTR sets ZF, clears CF/OF and leaves SF as well as AF/PF undefined. */
  const BEXTR: Facts = { w: OSZAPC, u: FL.SF | FL.AF | FL.PF };
  t[0xf2] = V(B('andn Gd,Bd,Ed', LOG));
  t[0xf3] = V(group([INVALID, B('blsr Bd,Ed', LOG), B('blsmsk Bd,Ed', LOG), B('blsi Bd,Ed', LOG)]));
  t[0xf5] = V(B('bzhi Gd,Ed,Bd', LOG), undefined, B('pext Gd,Bd,Ed'), B('pdep Gd,Bd,Ed'));
  t[0xf6] = V(undefined, undefined, undefined, B('mulx Gd,Bd,Ed'));
  t[0xf7] = V(B('bextr Gd,Ed,Bd', BEXTR), B('shlx Gd,Ed,Bd'), B('sarx Gd,Ed,Bd'), B('shrx Gd,Ed,Bd'));
  void SZP;
  return t;
}

function vex0F3A(): Node[] {
  const t = new Array<Node>(256).fill(INVALID);
  t[0x00] = V66(vw(undefined, vl(undefined, 'avx2:vpermq Vy,Wy,Ib')));
  t[0x01] = V66(vw(undefined, vl(undefined, 'avx2:vpermpd Vy,Wy,Ib')));
  t[0x02] = V66(vw('avx2:vpblendd Vy,Hy,Wy,Ib', undefined));
  t[0x04] = V66(vw('vpermilps Vy,Wy,Ib', undefined));
  t[0x05] = V66(vw('vpermilpd Vy,Wy,Ib', undefined));
  t[0x06] = V66(vw(vl(undefined, 'vperm2f128 Vy,Hy,Wy,Ib'), undefined));
  t[0x08] = V66('vroundps Vy,Wy,Ib');
  t[0x09] = V66('vroundpd Vy,Wy,Ib');
  t[0x0a] = V66('vroundss Vx,Hx,Wd,Ib');
  t[0x0b] = V66('vroundsd Vx,Hx,Wq,Ib');
  t[0x0c] = V66('vblendps Vy,Hy,Wy,Ib');
  t[0x0d] = V66('vblendpd Vy,Hy,Wy,Ib');
  t[0x0e] = V66('vpblendw Vy,Hy,Wy,Ib');
  t[0x0f] = V66('vpalignr Vy,Hy,Wy,Ib');
  t[0x14] = V66(vl('vpextrb EdMb,Vx,Ib!', undefined));
  t[0x15] = V66(vl('vpextrw EdMw,Vx,Ib!', undefined));
  t[0x16] = V66(vl('vpextrd Ed,Vx,Ib!', undefined));
  t[0x17] = V66(vl('vextractps Ed,Vx,Ib!', undefined));
  t[0x18] = V66(vw(vl(undefined, 'vinsertf128 Vy,Hy,Wx,Ib'), undefined));
  t[0x19] = V66(vw(vl(undefined, 'vextractf128 Wx,Vy,Ib!'), undefined));
  t[0x1d] = V66(vw('f16c:vcvtps2ph Whq,Vy,Ib!', undefined));
  t[0x20] = V66(vl('vpinsrb Vx,Hx,EdMb,Ib', undefined));
  t[0x21] = V66(vl('vinsertps Vx,Hx,Wd,Ib', undefined));
  t[0x22] = V66(vl('vpinsrd Vx,Hx,Ed,Ib', undefined));
  t[0x38] = V66(vw(vl(undefined, 'avx2:vinserti128 Vy,Hy,Wx,Ib'), undefined));
  t[0x39] = V66(vw(vl(undefined, 'avx2:vextracti128 Wx,Vy,Ib!'), undefined));
  t[0x40] = V66('vdpps Vy,Hy,Wy,Ib');
  t[0x41] = V66(vl('vdppd Vx,Hx,Wx,Ib', undefined));
  t[0x42] = V66('vmpsadbw Vy,Hy,Wy,Ib');
  t[0x44] = V66(named(row('pclmul:vpclmulqdq Vy,Hy,Wy,Ib'), TextKind.PCLMUL, 'vpclmul', 'qdq'));
  t[0x46] = V66(vw(vl(undefined, 'avx2:vperm2i128 Vy,Hy,Wy,Ib'), undefined));
  const pm2 = (n: string): Node => vw(named(row(`amd:${n} Vy,Hy,Wy,Ly`), TextKind.PERMIL2, '', ''),
    named(row(`amd:${n} Vy,Hy,Ly,Wy`), TextKind.PERMIL2, '', ''));
  t[0x48] = V66(pm2('vpermil2ps'));
  t[0x49] = V66(pm2('vpermil2pd'));
  t[0x30] = mod(INVALID, V66(vw('avx512:kshiftrb KG,KU,Ib', 'avx512:kshiftrw KG,KU,Ib')));
  t[0x31] = mod(INVALID, V66(vw('avx512:kshiftrd KG,KU,Ib', 'avx512:kshiftrq KG,KU,Ib')));
  t[0x32] = mod(INVALID, V66(vw('avx512:kshiftlb KG,KU,Ib', 'avx512:kshiftlw KG,KU,Ib')));
  t[0x33] = mod(INVALID, V66(vw('avx512:kshiftld KG,KU,Ib', 'avx512:kshiftlq KG,KU,Ib')));
  t[0x4a] = V66(vw('vblendvps Vy,Hy,Wy,Ly', undefined));
  t[0x4b] = V66(vw('vblendvpd Vy,Hy,Wy,Ly', undefined));
  t[0x4c] = V66(vw('vpblendvb Vy,Hy,Wy,Ly', undefined));
  t[0x60] = V66(vl(['sse4.2:vpcmpestrm Vx,Wx,Ib', CMPF], undefined));
  t[0x61] = V66(vl(['sse4.2:vpcmpestri Vx,Wx,Ib', CMPF], undefined));
  t[0x62] = V66(vl(['sse4.2:vpcmpistrm Vx,Wx,Ib', CMPF], undefined));
  t[0x63] = V66(vl(['sse4.2:vpcmpistri Vx,Wx,Ib', CMPF], undefined));
  // FMA4 (AMD): W0 puts the memory operand third, W1 fourth
  const FMA4: Record<number, string> = {
    0x5c: 'vfmaddsubps', 0x5d: 'vfmaddsubpd', 0x5e: 'vfmsubaddps', 0x5f: 'vfmsubaddpd', 0x68: 'vfmaddps',
    0x69: 'vfmaddpd', 0x6a: 'vfmaddss', 0x6b: 'vfmaddsd', 0x6c: 'vfmsubps', 0x6d: 'vfmsubpd', 0x6e: 'vfmsubss',
    0x6f: 'vfmsubsd', 0x78: 'vfnmaddps', 0x79: 'vfnmaddpd', 0x7a: 'vfnmaddss', 0x7b: 'vfnmaddsd', 0x7c: 'vfnmsubps',
    0x7d: 'vfnmsubpd', 0x7e: 'vfnmsubss', 0x7f: 'vfnmsubsd',
  };
  for (const [op, name] of Object.entries(FMA4)) {
    const ss = name.endsWith('ss') ? 'Wd' : name.endsWith('sd') ? 'Wq' : '';
    const v = ss ? 'Vx,Hx' : 'Vy,Hy';
    const w = ss || 'Wy';
    const l = ss ? 'Lx' : 'Ly';
    t[Number(op)] = V66(vw(`amd:${name} ${v},${w},${l}`, `amd:${name} ${v},${l},${w}`));
  }
  t[0xce] = V66(vw(undefined, 'gfni:vgf2p8affineqb Vy,Hy,Wy,Ib'));
  t[0xcf] = V66(vw(undefined, 'gfni:vgf2p8affineinvqb Vy,Hy,Wy,Ib'));
  t[0xdf] = V66(vl('aes:vaeskeygenassist Vx,Wx,Ib', undefined));
  t[0xf0] = V(undefined, undefined, undefined, vl(['bmi:rorx Gd,Ed,Ib', { touch: 0 }], undefined));
  return t;
}

// ---- XOP (AMD, 8F escape): opMap 8, 9, 10 ---------------------------------------------

export function buildXopMaps(): Record<number, Node[]> {
  const m8 = new Array<Node>(256).fill(INVALID);
  const m9 = new Array<Node>(256).fill(INVALID);
  const mA = new Array<Node>(256).fill(INVALID);
  const X = (r: Row): Node => P(r, undefined, undefined, undefined, 'xop');
  const MACS: Record<number, string> = {
    0x85: 'vpmacssww', 0x86: 'vpmacsswd', 0x87: 'vpmacssdql', 0x8e: 'vpmacssdd', 0x8f: 'vpmacssdqh',
    0x95: 'vpmacsww', 0x96: 'vpmacswd', 0x97: 'vpmacsdql', 0x9e: 'vpmacsdd', 0x9f: 'vpmacsdqh',
    0xa6: 'vpmadcsswd', 0xb6: 'vpmadcswd',
  };
  for (const [op, n] of Object.entries(MACS)) m8[Number(op)] = X(`${n} Vx,Hx,Wx,Lx`);
  m8[0xa2] = X(vw('xop:vpcmov Vy,Hy,Wy,Ly', 'xop:vpcmov Vy,Hy,Ly,Wy'));
  m8[0xa3] = X(vw('xop:vpperm Vx,Hx,Wx,Lx', 'xop:vpperm Vx,Hx,Lx,Wx'));
  ['b', 'w', 'd', 'q'].forEach((s, i) => {
    m8[0xc0 + i] = X(`vprot${s} Vx,Wx,Ib`);
    m8[0xcc + i] = X(named(row(`xop:vpcom${s} Vx,Hx,Wx,Ib`), TextKind.VPCOM, 'vpcom', s));
    m8[0xec + i] = X(named(row(`xop:vpcomu${s} Vx,Hx,Wx,Ib`), TextKind.VPCOM, 'vpcom', `u${s}`));
    m9[0x90 + i] = X(vw(`xop:vprot${s} Vx,Wx,Hx`, `xop:vprot${s} Vx,Hx,Wx`));
    m9[0x94 + i] = X(vw(`xop:vpshl${s} Vx,Wx,Hx`, `xop:vpshl${s} Vx,Hx,Wx`));
    m9[0x98 + i] = X(vw(`xop:vpsha${s} Vx,Wx,Hx`, `xop:vpsha${s} Vx,Hx,Wx`));
  });
  // TBM: CF/ZF/SF from the result, OF cleared, AF/PF undefined; its BEXTR leaves SF undefined too.
  const T: Facts = { touch: 0, w: OSZAPC, u: FL.AF | FL.PF };
  const tbm = (n: string): Row => [`amd:${n} Bd,Ed`, T];
  m9[0x01] = X(group([undefined, tbm('blcfill'), tbm('blsfill'), tbm('blcs'), tbm('tzmsk'), tbm('blcic'), tbm('blsic'),
    tbm('t1mskc')].map((r) => row(r))));
  m9[0x02] = X(group([INVALID, row(tbm('blcmsk')), INVALID, INVALID, INVALID, INVALID, row(tbm('blci'))]));
  m9[0x12] = X(mod(INVALID, group([row(['amd:llwpcb Rv', { touch: 0 }]), row(['amd:slwpcb Rv', { touch: 0 }])])));
  m9[0x80] = X('vfrczps Vy,Wy');
  m9[0x81] = X('vfrczpd Vy,Wy');
  m9[0x82] = X('vfrczss Vx,Wd');
  m9[0x83] = X('vfrczsd Vx,Wq');
  const HADD: Record<number, string> = {
    0xc1: 'vphaddbw', 0xc2: 'vphaddbd', 0xc3: 'vphaddbq', 0xc6: 'vphaddwd', 0xc7: 'vphaddwq', 0xcb: 'vphadddq',
    0xd1: 'vphaddubw', 0xd2: 'vphaddubd', 0xd3: 'vphaddubq', 0xd6: 'vphadduwd', 0xd7: 'vphadduwq', 0xdb: 'vphaddudq',
    0xe1: 'vphsubbw', 0xe2: 'vphsubwd', 0xe3: 'vphsubdq',
  };
  for (const [op, n] of Object.entries(HADD)) m9[Number(op)] = X(`${n} Vx,Wx`);
  mA[0x10] = X(['amd:bextr Gd,Ed,Id', { ...T, u: FL.SF | FL.AF | FL.PF }]);
  mA[0x12] = X(group([row(['amd:lwpins Bd,Ed,Id', { touch: 0, w: FL.CF }]), row(['amd:lwpval Bd,Ed,Id', { touch: 0 }])]));
  return { 8: m8, 9: m9, 10: mA };
}
