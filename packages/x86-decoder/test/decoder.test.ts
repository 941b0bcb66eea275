// Unit tests for the decoder's corners: prefixes, ModRM/SIB/displacement, immediates,
// limits, #UD conditions. Expected values come from the SDM's encoding rules (and the
// texts from objdump runs), never from the code under test.

import { describe, expect, it } from 'vitest';
import {
  decode, DecodeStatus, formatIntel, FORMS, OpKind, Pfx, Reg, Seg, UdReason, type Instruction,
} from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const d32 = (s: string, ip = 0): Instruction => decode(hex(s), { bits: 32, ip });
const d16 = (s: string, ip = 0): Instruction => decode(hex(s), { bits: 16, ip });
const text = (insn: Instruction): string => formatIntel(insn).replace(/\s+/g, ' ');

describe('prefixes', () => {
  it('accepts any order and repetition and counts every byte', () => {
    const i = d32('f3 66 2e 66 f0 67 3e 01 07');
    expect(i.status).toBe(DecodeStatus.Ok);
    expect(i.length).toBe(9);
    expect(i.prefixCount).toBe(7);
    expect(i.opSize).toBe(16); // repeated 66 still toggles once
    expect(i.adSize).toBe(16);
    expect(i.segOverride).toBe(Seg.DS); // the last segment prefix wins
    expect(i.memSeg).toBe(Seg.DS);
    expect(i.memBase).toBe(Reg.BX); // [bx] is rm=7 under 16-bit addressing
    expect(i.prefixes & (Pfx.LOCK | Pfx.REP | Pfx.OPSIZE | Pfx.ADSIZE | Pfx.SEG)).toBe(
      Pfx.LOCK | Pfx.REP | Pfx.OPSIZE | Pfx.ADSIZE | Pfx.SEG,
    );
  });

  it('takes the last of F2/F3 as the repeat prefix', () => {
    expect(d32('f3 f2 a6').prefixes & (Pfx.REP | Pfx.REPNE)).toBe(Pfx.REPNE);
    expect(d32('f2 f3 a6').prefixes & (Pfx.REP | Pfx.REPNE)).toBe(Pfx.REP);
  });

  it('flips operand and address size relative to the code size', () => {
    const a = d16('66 67 8b 00');
    expect([a.opSize, a.adSize]).toEqual([32, 32]);
    expect(a.opReg[0]).toBe(Reg.EAX);
    expect(a.memBase).toBe(Reg.EAX);
    const b = d32('66 67 8b 00');
    expect([b.opSize, b.adSize]).toEqual([16, 16]);
    expect(b.opReg[0]).toBe(Reg.AX);
    expect([b.memBase, b.memIndex]).toEqual([Reg.BX, Reg.SI]);
  });

  it('limits an instruction to 15 bytes (#GP beyond)', () => {
    expect(d32('66'.repeat(14) + '90').status).toBe(DecodeStatus.Ok);
    expect(d32('66'.repeat(14) + '90').length).toBe(15);
    const long = d32('66'.repeat(15) + '90');
    expect(long.status).toBe(DecodeStatus.TooLong);
    expect(long.length).toBe(15);
    // The limit counts displacement and immediate bytes too: 4 prefixes + 11 bytes is 15.
    expect(d32('26 26 26 26 c7 84 00 11 22 33 44 55 66 77 88').status).toBe(DecodeStatus.Ok);
    expect(d32('26 26 26 26 26 c7 84 00 11 22 33 44 55 66 77 88').status).toBe(DecodeStatus.TooLong);
  });

  it('reports truncation', () => {
    expect(d32('').status).toBe(DecodeStatus.Truncated);
    expect(d32('66').status).toBe(DecodeStatus.Truncated);
    expect(d32('0f').status).toBe(DecodeStatus.Truncated);
    expect(d32('8b').status).toBe(DecodeStatus.Truncated);
    expect(d32('8b 04').status).toBe(DecodeStatus.Truncated); // SIB missing
    expect(d32('8b 80 00 00 00').status).toBe(DecodeStatus.Truncated); // disp32 short
    expect(d32('b8 01 02 03').status).toBe(DecodeStatus.Truncated);
  });

  it('raises #UD for LOCK where it is not allowed', () => {
    expect(d32('f0 01 07').status).toBe(DecodeStatus.Ok); // lock add [edi],eax
    for (const s of ['f0 01 c0', 'f0 90', 'f0 8b 07', 'f0 89 07', 'f0 03 07', 'f0 0f a2']) {
      const i = d32(s);
      expect(i.status, s).toBe(DecodeStatus.Invalid);
      expect(i.udReason, s).toBe(UdReason.LOCK);
    }
    for (const s of ['f0 0f c7 0f', 'f0 0f c1 07', 'f0 86 07', 'f0 0f ab 07', 'f0 ff 07', 'f0 f7 17', 'f0 80 37 01']) {
      expect(d32(s).status, s).toBe(DecodeStatus.Ok);
    }
  });
});

describe('ModRM, SIB and displacement', () => {
  const regs16 = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];
  it('decodes all 16-bit forms', () => {
    for (let rm = 0; rm < 8; rm++) {
      const m0 = d16(`8b ${(rm).toString(16).padStart(2, '0')} 34 12`);
      if (rm === 6) {
        expect(m0.length).toBe(4);
        expect(text(m0)).toBe('mov ax,WORD PTR ds:0x1234');
      } else {
        expect(m0.length).toBe(2);
        expect(text(m0)).toBe(`mov ax,WORD PTR [${regs16[rm]}]`);
      }
      const m1 = d16(`8b ${(0x40 | rm).toString(16)} f0`);
      expect(m1.length).toBe(3);
      expect(text(m1)).toBe(`mov ax,WORD PTR [${regs16[rm]}-0x10]`);
      const m2 = d16(`8b ${(0x80 | rm).toString(16)} 34 12`);
      expect(m2.length).toBe(4);
      expect(m2.memDisp).toBe(0x1234);
      // BP-based forms default to SS.
      expect(m2.memSeg).toBe(rm === 2 || rm === 3 || rm === 6 ? Seg.SS : Seg.DS);
    }
  });

  it('decodes SIB forms of 32-bit addressing', () => {
    const a = d32('8b 04 8d 78 56 34 12'); // [ecx*4+0x12345678]: mod 0, base 5 -> disp32
    expect(a.length).toBe(7);
    expect([a.memBase, a.memIndex, a.memScale, a.memDisp]).toEqual([Reg.NONE, Reg.ECX, 4, 0x12345678]);
    expect(text(a)).toBe('mov eax,DWORD PTR [ecx*4+0x12345678]');
    const b = d32('8b 44 24 08'); // [esp+8]: index 4 means none, ESP base defaults to SS
    expect([b.memBase, b.memIndex, b.memSeg]).toEqual([Reg.ESP, Reg.NONE, Seg.SS]);
    expect(text(b)).toBe('mov eax,DWORD PTR [esp+0x8]');
    const c = d32('8b 45 fc'); // [ebp-4]: SS
    expect([c.memBase, c.memSeg, c.memDisp]).toEqual([Reg.EBP, Seg.SS, -4]);
    const e = d32('8b 84 c3 00 01 00 00');
    expect([e.memBase, e.memIndex, e.memScale, e.memDisp, e.length]).toEqual([Reg.EBX, Reg.EAX, 8, 0x100, 7]);
    const f = d32('8b 05 00 10 00 00'); // disp32 without SIB
    expect([f.memBase, f.memIndex, f.memDisp, f.sib]).toEqual([Reg.NONE, Reg.NONE, 0x1000, -1]);
    expect(text(f)).toBe('mov eax,DWORD PTR ds:0x1000');
    const g = d32('8b 04 60'); // index 4 with scale 2: objdump prints the pseudo-register eiz
    expect(text(g)).toBe('mov eax,DWORD PTR [eax+eiz*2]');
    const h = d32('26 8b 04 24'); // segment override on an SS-default base
    expect(h.memSeg).toBe(Seg.ES);
    expect(text(h)).toBe('mov eax,DWORD PTR es:[esp]');
  });

  it('rejects a register where memory is required', () => {
    // LEA, far CALL, LSS (LES/LDS with mod 3 are read as VEX prefixes, see below)
    for (const s of ['8d c0', 'ff d8', '0f b2 c0', '0f b4 c0', 'ff e8']) {
      const i = d16(s);
      expect(i.status, s).toBe(DecodeStatus.Invalid);
      expect(i.udReason, s).toBe(UdReason.REGISTER_OPERAND);
    }
  });
});

describe('extended prefixes', () => {
  it('reads C4/C5 with ModRM.mod = 3 as VEX in both code sizes, and LES/LDS otherwise', () => {
    for (const d of [d16, d32]) {
      expect(d('c5 f8 77').prefixes & Pfx.VEX).toBeTruthy();
      expect(text(d('c5 f8 77'))).toBe('vzeroupper');
      expect(d('c4 07').prefixes & Pfx.VEX).toBe(0);
      expect(text(d('c4 07'))).toMatch(/^les /);
    }
  });
  it('reads 8F with a map field >= 8 as XOP, and POP otherwise', () => {
    expect(d32('8f e9 78 90 c0').prefixes & Pfx.XOP).toBeTruthy();
    expect(text(d32('8f c0'))).toBe('pop eax');
    expect(text(d32('8f 40 01'))).toBe('pop DWORD PTR [eax+0x1]');
  });
});

describe('operand forms', () => {
  it('decodes moffs with the address size', () => {
    const a = d32('a1 78 56 34 12');
    expect([a.length, a.memDisp, a.memSeg]).toEqual([5, 0x12345678, Seg.DS]);
    const b = d32('67 a1 34 12');
    expect([b.length, b.memDisp, b.adSize]).toEqual([4, 0x1234, 16]);
    expect(text(d32('64 a2 00 10 00 00'))).toBe('mov fs:0x1000,al');
  });

  it('decodes far pointers by operand size', () => {
    const a = d32('ea 78 56 34 12 08 00');
    expect([a.length, a.opKind[0], a.imm, a.imm2]).toEqual([7, OpKind.FAR, 0x12345678, 8]);
    expect(text(a)).toBe('jmp 0x8:0x12345678');
    const b = d32('66 ea 34 12 08 00');
    expect([b.length, b.imm, b.imm2]).toEqual([6, 0x1234, 8]);
    const c = d16('9a 00 7c 00 00');
    expect([c.length, c.imm, c.imm2]).toEqual([5, 0x7c00, 0]);
  });

  it("decodes ENTER's two immediates", () => {
    const e = d32('c8 10 00 02');
    expect([e.length, e.opCount, e.imm, e.imm2]).toEqual([4, 2, 0x10, 2]);
    expect(text(e)).toBe('enter 0x10,0x2');
  });

  it('sign-extends imm8 to the operand size', () => {
    expect(d32('83 c0 ff').imm).toBe(0xffffffff);
    expect(d16('83 c0 ff').imm).toBe(0xffff);
    expect(d32('6a 80').imm).toBe(0xffffff80);
  });

  it('computes relative targets in the operand size', () => {
    expect(d32('e8 00 00 00 00', 0x1000).target).toBe(0x1005);
    expect(d32('eb fe', 0x2000).target).toBe(0x2000);
    expect(d16('e9 fd ff', 0x10).target).toBe(0x10);
    expect(d16('eb 80', 0x10).target).toBe(0xff92); // IP wraps in 16 bits
    expect(d32('66 e9 00 80', 0x1000).target).toBe(0x9004); // 66 truncates EIP to 16 bits
    expect(d16('0f 84 00 01', 0x100).length).toBe(4);
    expect(d16('66 0f 84 00 00 01 00', 0x100).target).toBe(0x10107);
  });

  it('rejects MOV to CS and segment registers 6 and 7', () => {
    expect(d32('8e c8').udReason).toBe(UdReason.SEGMENT_REGISTER);
    expect(d32('8e f0').udReason).toBe(UdReason.SEGMENT_REGISTER);
    expect(d32('8c f8').udReason).toBe(UdReason.SEGMENT_REGISTER);
    expect(d32('8c c8').status).toBe(DecodeStatus.Ok); // reading CS is fine
    expect(d32('8e d0').status).toBe(DecodeStatus.Ok);
  });

  it('names forms after mnemonic and operand letters', () => {
    expect(FORMS[d32('00 c0').form]?.name).toBe('Add_Eb_Gb');
    expect(FORMS[d32('0f c7 0f').form]?.name).toBe('Cmpxchg8b_Mq');
  });
});
