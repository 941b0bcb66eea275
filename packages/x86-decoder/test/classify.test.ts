// The classification later packages rely on: control-flow kind, privilege class, what an
// instruction touches, implicit operands and memory access. Expected classes come from the
// SDM's descriptions of each instruction.

import { describe, expect, it } from 'vitest';
import { CF_NAMES, decode, DecodeStatus, FORM, Imp, MemAcc, Priv, Touch, type Instruction } from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const d = (s: string): Instruction => {
  const i = decode(hex(s), { bits: 32 });
  expect(i.status, s).toBe(DecodeStatus.Ok);
  return i;
};
const cf = (s: string): string => CF_NAMES[FORM.cf[d(s).form] as number] as string;
const priv = (s: string): number => FORM.priv[d(s).form] as number;
const touch = (s: string): number => FORM.touch[d(s).form] as number;

describe('control-flow kind', () => {
  const cases: [string, string][] = [
    ['90', 'none'], ['01 c0', 'none'],
    ['eb 00', 'jmp'], ['e9 00 00 00 00', 'jmp'],
    ['74 00', 'jcc'], ['0f 85 00 00 00 00', 'jcc'],
    ['e8 00 00 00 00', 'call'],
    ['c3', 'ret'], ['c2 04 00', 'ret'],
    ['ff e0', 'jmp-indirect'], ['ff 20', 'jmp-indirect'],
    ['ff d0', 'call-indirect'], ['ff 10', 'call-indirect'],
    ['ea 00 00 00 00 08 00', 'jmp-far'], ['9a 00 00 00 00 08 00', 'call-far'],
    ['ff 28', 'jmp-far-indirect'], ['ff 18', 'call-far-indirect'],
    ['cb', 'ret-far'], ['ca 08 00', 'ret-far'],
    ['cd 80', 'int'], ['cc', 'int'], ['ce', 'int'], ['f1', 'int'],
    ['cf', 'iret'],
    ['e2 fe', 'loop'], ['e0 fe', 'loop'], ['e1 fe', 'loop'], ['e3 fe', 'loop'],
    ['0f 34', 'syscall'], ['0f 35', 'syscall'],
    ['f4', 'halt'],
  ];
  for (const [bytes, kind] of cases) it(`${bytes} is ${kind}`, () => expect(cf(bytes)).toBe(kind));
  it('UD2 decodes as a form that raises #UD', () => {
    const i = decode(hex('0f 0b'), { bits: 32 });
    expect(i.status).toBe(DecodeStatus.Invalid);
    expect(CF_NAMES[FORM.cf[i.form] as number]).toBe('ud');
  });
});

describe('privilege class', () => {
  const privileged = [
    '0f 01 10', '0f 01 18', '0f 00 10', '0f 00 18', '0f 01 30', '0f 20 c0', '0f 22 c0', '0f 21 c0',
    '0f 23 c0', '0f 06', '0f 01 38', '0f 08', '0f 09', 'f4', '0f 30', '0f 32',
  ];
  for (const s of privileged) it(`${s} is privileged`, () => expect(priv(s) & Priv.PRIVILEGED).toBeTruthy());
  const iopl = ['fa', 'fb', 'e4 60', 'e6 60', 'ec', 'ee', 'e5 60', 'ef', '6c', '6d', '6e', '6f'];
  for (const s of iopl) it(`${s} is IOPL-sensitive`, () => expect(priv(s) & Priv.IOPL).toBeTruthy());
  const sensitive = [
    '0f 01 00', // sgdt
    '0f 01 08', // sidt
    '0f 00 00', // sldt
    '0f 00 08', // str
    '0f 01 e0', // smsw
    '0f 02 c0', // lar
    '0f 03 c0', // lsl
    '0f 00 e0', // verr
    '0f 00 e8', // verw
    '9c', '9d', // pushf, popf
    '06', '07', '0e', '16', '17', '1e', '1f', '0f a0', '0f a1', '0f a8', '0f a9', // push/pop sreg
    '8c d8', '8e d8', // mov sreg
  ];
  for (const s of sensitive) {
    it(`${s} is sensitive but unprivileged`, () => {
      expect(priv(s) & Priv.SENSITIVE).toBeTruthy();
      expect(priv(s) & Priv.PRIVILEGED).toBe(0);
    });
  }
  // RDTSC is left out on purpose: with CR4.TSD it faults at CPL > 0 and it reads time, so
  // the table marks it sensitive.
  const plain = ['90', '01 c0', '8b 00', 'e8 00 00 00 00', '0f a2', 'cd 80'];
  for (const s of plain) {
    it(`${s} is neither privileged nor sensitive`, () => expect(priv(s) & (Priv.PRIVILEGED | Priv.SENSITIVE)).toBe(0));
  }
  it('marks v8086 IOPL-sensitivity', () => {
    for (const s of ['9c', '9d', 'cd 80', 'cf']) expect(priv(s) & Priv.IOPL_V86, s).toBeTruthy();
  });
});

describe('what an instruction touches', () => {
  const cases: [string, number, string][] = [
    ['8e d8', Touch.SREG_WRITE, 'mov ds'],
    ['8c d8', Touch.SREG_READ, 'mov from ds'],
    ['1f', Touch.SREG_WRITE, 'pop ds'],
    ['0f a0', Touch.SREG_READ, 'push fs'],
    ['c5 00', Touch.SREG_WRITE, 'lds'],
    ['0f b2 00', Touch.SREG_WRITE, 'lss'],
    ['ea 00 00 00 00 08 00', Touch.SREG_WRITE, 'jmp far'],
    ['0f 22 d8', Touch.CR, 'mov cr3'],
    ['0f 20 c0', Touch.CR, 'mov from cr0'],
    ['0f 06', Touch.CR, 'clts'],
    ['0f 01 f0', Touch.CR, 'lmsw'],
    ['0f 23 f8', Touch.DR, 'mov dr7'],
    ['e4 60', Touch.IO, 'in'],
    ['ee', Touch.IO, 'out'],
    ['6c', Touch.IO, 'ins'],
    ['0f 30', Touch.MSR, 'wrmsr'],
    ['0f 32', Touch.MSR, 'rdmsr'],
    ['0f 01 10', Touch.DESC_TABLE, 'lgdt'],
    ['0f 00 18', Touch.TASK, 'ltr'],
    ['0f 31', Touch.TSC, 'rdtsc'],
    ['0f a2', Touch.CPUID, 'cpuid'],
    ['0f 01 38', Touch.TLB, 'invlpg'],
    ['9d', Touch.EFLAGS_CONTROL, 'popf'],
    ['fa', Touch.EFLAGS_CONTROL, 'cli'],
    ['d9 c0', Touch.FPU, 'fld'],
  ];
  for (const [bytes, bit, name] of cases) it(`${name} touches its class`, () => expect(touch(bytes) & bit).toBeTruthy());
  it('ordinary arithmetic touches nothing special', () => {
    expect(touch('01 c0')).toBe(0);
    expect(touch('8b 44 24 04')).toBe(0);
  });
});

describe('implicit operands and memory access', () => {
  it('records stack and string registers', () => {
    expect(FORM.imp[d('50').form]! & Imp.PUSH).toBeTruthy();
    expect(FORM.imp[d('58').form]! & Imp.POP).toBeTruthy();
    expect(FORM.imp[d('e8 00 00 00 00').form]! & Imp.PUSH).toBeTruthy();
    expect(FORM.imp[d('c3').form]! & Imp.POP).toBeTruthy();
    expect(FORM.imp[d('a5').form]! & (Imp.RSI | Imp.RDI)).toBe(Imp.RSI | Imp.RDI);
    expect(FORM.imp[d('aa').form]! & (Imp.RSI | Imp.RDI)).toBe(Imp.RDI);
    expect(FORM.imp[d('f7 e1').form]! & (Imp.RAX | Imp.RDX)).toBe(Imp.RAX | Imp.RDX);
  });
  it('records memory access direction and size', () => {
    const st = d('89 03');
    expect(FORM.mem[st.form]).toBe(MemAcc.WRITE);
    expect(st.opBytes[0]).toBe(4);
    const ld = d('66 8b 03');
    expect(FORM.mem[ld.form]).toBe(MemAcc.READ);
    expect(ld.opBytes[1]).toBe(2);
    expect(FORM.mem[d('01 03').form]).toBe(MemAcc.RW);
    expect(FORM.mem[d('8d 03').form]).toBe(MemAcc.NONE); // LEA computes, never accesses
    expect(FORM.mem[d('39 03').form]).toBe(MemAcc.READ); // CMP only reads its destination
    expect(d('0f 01 03').opBytes[0]).toBe(6); // SGDT stores a 6-byte pseudo-descriptor
    expect(d('ff 1b').opBytes[0]).toBe(6); // far pointer m16:32
    expect(d('dd 03').opBytes[0]).toBe(8); // fld m64
    expect(d('db 2b').opBytes[0]).toBe(10); // fld m80
  });
});
