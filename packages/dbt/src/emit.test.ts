import { DecodeStatus, FORMS, Instruction, OpKind, Reg, Seg, decodeInto, formatIntel } from '@vmm86/x86-decoder';
import { describe, expect, it } from 'vitest';
import { Emitter } from './emit.ts';

// Each emitted form is read back by the decoder: the whole buffer must be one instruction
// of the expected form and text (objdump's Intel syntax), decoded at 0x1000.
const CASES: [string, (e: Emitter) => unknown, string, string][] = [
  ['jmp rel32', (e) => e.jmp(0x100), 'Jmp_Jz', 'jmp    0x1100'],
  ['jcc rel32', (e) => e.jcc(5, 0), 'Jne_Jz', 'jne    0x1000'],
  ['jcc o', (e) => e.jcc(0, 0x20), 'Jo_Jz', 'jo     0x1020'],
  ['call rel32', (e) => e.call(0), 'Call_Jz', 'call   0x1000'],
  ['ret', (e) => e.ret(), 'Ret', 'ret'],
  ['ret n', (e) => e.retImm(8), 'Ret_Iw', 'ret    0x8'],
  ['jmp gs:[]', (e) => e.jmpGs(0x40), 'Jmp_Ev', 'jmp    DWORD PTR gs:0x40'],
  ['int', (e) => e.int(0x81), 'Int_Ib', 'int    0x81'],
  ['nop3', (e) => e.nop3(), 'Nop_Ev', 'nop    DWORD PTR [eax]'],
  ['mov gs:[],r32', (e) => e.movGsReg(0x10, 3), 'Mov_Ev_Gv', 'mov    DWORD PTR gs:0x10,ebx'],
  ['mov gs:[],r16', (e) => e.movGsReg(0x10, 3, true), 'Mov_Ev_Gv', 'mov    WORD PTR gs:0x10,bx'],
  ['mov r32,gs:[]', (e) => e.movRegGs(1, 0x14), 'Mov_Gv_Ev', 'mov    ecx,DWORD PTR gs:0x14'],
  ['mov gs:[],imm32', (e) => e.movGsImm(0, 0x200), 'Mov_Ev_Iz', 'mov    DWORD PTR gs:0x0,0x200'],
  ['mov gs:[],imm16', (e) => e.movGsImm16(0xe, 0), 'Mov_Ev_Iz', 'mov    WORD PTR gs:0xe,0x0'],
  ['movzx r32,gs:[]', (e) => e.movzxRegGs16(2, 0x24), 'Movzx_Gv_Ew', 'movzx  edx,WORD PTR gs:0x24'],
  ['mov fs,gs:[]', (e) => e.movSregGs(4, 0x3c), 'Mov_Sw_EvMw', 'mov    fs,WORD PTR gs:0x3c'],
  ['push gs:[]', (e) => e.pushGs(0x20), 'Push_Ev', 'push   DWORD PTR gs:0x20'],
  ['push word gs:[]', (e) => e.pushGs(0x20, true), 'Push_Ev', 'push   WORD PTR gs:0x20'],
  ['pop gs:[]', (e) => e.popGs(0xc), 'Pop_Ev', 'pop    DWORD PTR gs:0xc'],
  ['pop word gs:[]', (e) => e.popGs(0xc, true), 'Pop_Ev', 'pop    WORD PTR gs:0xc'],
  ['or r32,gs:[]', (e) => e.orRegGs(0, 4), 'Or_Gv_Ev', 'or     eax,DWORD PTR gs:0x4'],
  ['cmp gs:[],imm8', (e) => e.cmpGsImm8(8, 0), 'Cmp_Ev_sIb', 'cmp    DWORD PTR gs:0x8,0x0'],
  ['push r32', (e) => e.push(5), 'Push_Zv', 'push   ebp'],
  ['pop r32', (e) => e.pop(6), 'Pop_Zv', 'pop    esi'],
  ['push imm32', (e) => e.pushImm(0x12345678), 'Push_Iz', 'push   0x12345678'],
  ['push imm16', (e) => e.pushImm(0x1234, true), 'Push_Iz', 'pushw  0x1234'],
  ['pushf', (e) => e.pushf(), 'Pushf', 'pushf'],
  ['popfw', (e) => e.popf(true), 'Popf', 'popfw'],
  ['lahf', (e) => e.lahf(), 'Lahf', 'lahf'],
  ['sahf', (e) => e.sahf(), 'Sahf', 'sahf'],
  ['seto', (e) => e.seto(0), 'Seto_Eb', 'seto   al'],
  ['add al,imm8', (e) => e.addAlImm(0x7f), 'Add_AL_Ib', 'add    al,0x7f'],
  ['and r32,imm32', (e) => e.andRegImm(0, 0xdd5), 'And_Ev_Iz', 'and    eax,0xdd5'],
  ['and r16,imm16', (e) => e.andRegImm(0, 0xdd5, true), 'And_Ev_Iz', 'and    ax,0xdd5'],
  ['mov r32,[esp]', (e) => e.movRegEsp(0), 'Mov_Gv_Ev', 'mov    eax,DWORD PTR [esp]'],
  ['mov [esp],r16', (e) => e.movEspReg(0, true), 'Mov_Ev_Gv', 'mov    WORD PTR [esp],ax'],
  ['lea esp,[esp+d]', (e) => e.lea(4, 4, 8), 'Lea_Gv_M', 'lea    esp,[esp+0x8]'],
  ['lea eax,[ebx+d]', (e) => e.lea(0, 3, -4), 'Lea_Gv_M', 'lea    eax,[ebx-0x4]'],
  ['cmp r32,imm32', (e) => e.cmpRegImm(1, 7), 'Cmp_Ev_Iz', 'cmp    ecx,0x7'],
  ['movzx r32,r8', (e) => e.movzxRegReg8(0, 1), 'Movzx_Gv_Eb', 'movzx  eax,cl'],
  ['movzx r32,gs:[] byte', (e) => e.movzxRegGs8(0, 0xc), 'Movzx_Gv_Eb', 'movzx  eax,BYTE PTR gs:0xc'],
  ['mov r32,gs:[d+i*8]', (e) => e.movRegGsIndex8(0, 0x100, 0), 'Mov_Gv_Ev', 'mov    eax,DWORD PTR gs:[eax*8+0x100]'],
  ['lea r32,[a+b]', (e) => e.leaAdd(1, 1, 0), 'Lea_Gv_M', 'lea    ecx,[ecx+eax*1]'],
  ['jecxz', (e) => e.jecxz(0x10), 'Jecxz_Jb', 'jecxz  0x1010'],
  ['test r32,r32', (e) => e.testRegReg(0, 3), 'Test_Ev_Gv', 'test   eax,ebx'],
];

function decodeAll(b: Uint8Array, ip: number): Instruction {
  const insn = new Instruction();
  expect(decodeInto(insn, b, 0, b.length, 32, ip)).toBe(DecodeStatus.Ok);
  expect(insn.length).toBe(b.length);
  return insn;
}

describe('Emitter', () => {
  it.each(CASES)('%s decodes as %s / %s', (_name, emit, form, text) => {
    const e = new Emitter(4);
    emit(e);
    const insn = decodeAll(e.bytes(), 0x1000);
    expect(FORMS[insn.form]?.name).toBe(form);
    expect(formatIntel(insn)).toBe(text);
  });

  it('addresses the per-vCPU area as gs:[disp32] with no base or index', () => {
    const e = new Emitter();
    e.movGsReg(0x12345, 7);
    const insn = decodeAll(e.bytes(), 0);
    expect(insn.opKind[0]).toBe(OpKind.MEM);
    expect(insn.memSeg).toBe(Seg.GS);
    expect(insn.memBase).toBe(Reg.NONE);
    expect(insn.memIndex).toBe(Reg.NONE);
    expect(insn.memDisp).toBe(0x12345);
    expect(insn.memDispSize).toBe(4);
    expect(insn.opReg[1]).toBe(Reg.EDI);
  });

  it('computes relative targets between buffer positions and patches them', () => {
    const e = new Emitter();
    e.nop3();
    const rel = e.jmp(0);
    e.patch32(rel, 40 - (rel + 4));
    const b = e.bytes().subarray(3);
    expect(decodeAll(b, 3).target).toBe(40);
  });

  it('grows past its initial capacity and copies guest bytes verbatim', () => {
    const e = new Emitter(2);
    const src = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    e.copy(src, 10, 290);
    expect(e.pos).toBe(280);
    expect([...e.bytes()]).toEqual([...src.subarray(10, 290)]);
  });
});
