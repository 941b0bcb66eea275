// Unit tests of SIMD decoding: legacy MMX/SSE* rows with mandatory prefixes, the 0F 38 /
// 0F 3A maps, VEX (vvvv, VEX.L), EVEX (zmm, masking, rounding, disp8*N) and XOP. Expected
// texts are objdump 2.40's (-M intel), checked by running it on the same bytes.

import { describe, expect, it } from 'vitest';
import { decode, DecodeStatus, FORM, formatIntel, ISA_NAMES, Reg, type Instruction } from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const d32 = (s: string): Instruction => decode(hex(s), { bits: 32 });
const text = (insn: Instruction): string => formatIntel(insn).replace(/\s+/g, ' ');
const isa = (insn: Instruction): string => ISA_NAMES[FORM.isa[insn.form] as number] as string;

const CASES: [string, number, string][] = [
  ['0f 10 c1', 3, 'movups xmm0,xmm1'],
  ['66 0f 58 c1', 4, 'addpd xmm0,xmm1'],
  ['f3 0f 58 08', 4, 'addss xmm1,DWORD PTR [eax]'],
  ['f2 0f 5c c1', 4, 'subsd xmm0,xmm1'],
  ['0f 6e 00', 3, 'movd mm0,DWORD PTR [eax]'],
  ['0f c4 00 90', 4, 'pinsrw mm0,WORD PTR [eax],0x90'],
  ['66 0f 38 00 c1', 5, 'pshufb xmm0,xmm1'],
  ['66 0f 38 17 c1', 5, 'ptest xmm0,xmm1'],
  ['66 0f 3a 0f c1 01', 6, 'palignr xmm0,xmm1,0x1'],
  ['0f 3a 0f c1 01', 5, 'palignr mm0,mm1,0x1'],
  ['66 0f 3a 20 00 ff', 6, 'pinsrb xmm0,BYTE PTR [eax],0xff'],
  ['66 0f 3a 44 c1 11', 6, 'pclmulhqhqdq xmm0,xmm1'],
  ['0f c2 c1 07', 4, 'cmpordps xmm0,xmm1'],
  ['0f c2 c1 08', 4, 'cmpps xmm0,xmm1,0x8'],
  ['f2 0f 78 c0 01 90', 6, 'insertq xmm0,xmm0,0x1,0x90'],
  ['0f 0f 00 b4', 4, 'pfmul mm0,QWORD PTR [eax]'],
  ['f3 0f d7 c0', 4, 'repz pmovmskb eax,mm0'],
  ['c5 f9 5c dd', 4, 'vsubpd xmm3,xmm0,xmm5'],
  ['c5 fd 60 df', 4, 'vpunpcklbw ymm3,ymm0,ymm7'],
  ['c4 e2 7d 18 c1', 5, 'vbroadcastss ymm0,xmm1'],
  ['c4 e2 79 13 00', 5, 'vcvtph2ps xmm0,QWORD PTR [eax]'],
  ['c5 f0 c2 c1 08', 5, 'vcmpeq_uqps xmm0,xmm1,xmm1'],
  ['c5 f8 77', 3, 'vzeroupper'],
  ['c5 fc 77', 3, 'vzeroall'],
  ['62 f1 74 58 58 c2', 6, 'vaddps zmm0,zmm1,zmm2{ru-sae}'],
  ['62 f1 74 49 58 40 01', 7, 'vaddps zmm0{k1},zmm1,ZMMWORD PTR [eax+0x40]'],
  ['62 f1 74 59 58 40 01', 7, 'vaddps zmm0{k1},zmm1,DWORD BCST [eax+0x4]'],
  ['62 f1 74 89 58 c2', 6, 'vaddps xmm0{k1}{z},xmm1,xmm2'],
  ['62 f1 74 08 58 c2', 6, '{evex} vaddps xmm0,xmm1,xmm2'],
  ['8f e8 70 cc 00 00', 6, 'vpcomltb xmm0,xmm1,XMMWORD PTR [eax]'],
];

describe('SIMD text and length match objdump', () => {
  for (const [bytes, len, want] of CASES) {
    it(want, () => {
      const i = d32(bytes);
      expect(i.status).toBe(DecodeStatus.Ok);
      expect(i.length).toBe(len);
      expect(text(i)).toBe(want);
    });
  }
});

describe('mandatory prefixes', () => {
  it('selects the form by none/66/F3/F2', () => {
    expect(text(d32('0f 59 c1'))).toBe('mulps xmm0,xmm1');
    expect(text(d32('66 0f 59 c1'))).toBe('mulpd xmm0,xmm1');
    expect(text(d32('f3 0f 59 c1'))).toBe('mulss xmm0,xmm1');
    expect(text(d32('f2 0f 59 c1'))).toBe('mulsd xmm0,xmm1');
  });
  it('lets F3 win over 66 and prints the 66 as unused', () => {
    expect(text(d32('66 f3 0f 58 c1'))).toBe('data16 addss xmm0,xmm1');
  });
  it('labels ISA extensions', () => {
    expect(isa(d32('0f 58 c1'))).toBe('sse');
    expect(isa(d32('66 0f 58 c1'))).toBe('sse2');
    expect(isa(d32('66 0f 38 00 c1'))).toBe('ssse3');
    expect(isa(d32('66 0f 3a 08 c1 00'))).toBe('sse4.1');
    expect(isa(d32('0f 77'))).toBe('mmx');
  });
  it('rejects a prefix the opcode has no form for', () => {
    expect(d32('f3 0f 14 c1').status).toBe(DecodeStatus.Invalid);
  });
});

describe('VEX', () => {
  it('reads vvvv and VEX.L', () => {
    const x = d32('c5 f1 58 c2'); // vaddpd xmm0,xmm1,xmm2
    expect(x.opReg[1]).toBe(Reg.XMM0 + 1);
    const y = d32('c5 f5 58 c2');
    expect(text(y)).toBe('vaddpd ymm0,ymm1,ymm2');
    expect(y.opReg[0]).toBe(Reg.YMM0);
  });
  it('sizes half-width sources by VEX.L', () => {
    expect(text(d32('c5 fc 5a 00'))).toBe('vcvtps2pd ymm0,XMMWORD PTR [eax]');
    expect(text(d32('c5 f8 5a 00'))).toBe('vcvtps2pd xmm0,QWORD PTR [eax]');
  });
});

describe('EVEX', () => {
  it('has exact lengths with disp8*N', () => {
    const i = d32('62 f1 74 48 58 40 01');
    expect(i.length).toBe(7);
    expect(i.memDisp).toBe(0x40);
  });
  it('selects zmm by L\'L', () => {
    expect(d32('62 f1 74 48 58 c2').opReg[0]).toBe(Reg.ZMM0);
    expect(d32('62 f1 74 28 58 c2').opReg[0]).toBe(Reg.YMM0);
  });
});
