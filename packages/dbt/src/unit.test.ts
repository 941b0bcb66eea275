import { decode } from '@vmm86/x86-decoder';
import { describe, expect, it } from 'vitest';
import { FakeGuest } from '../test/fakes.ts';
import { CLS_NAMES, Cls, MAX_UNIT, REASON_NAMES, Reason, Stop, UnitDecoder, classify } from './unit.ts';

const cls = (bytes: number[], bits: 16 | 32 = 32): string => {
  const c = classify(decode(Uint8Array.from(bytes), { bits }));
  const name = CLS_NAMES[c & 0xff] ?? '?';
  return (c & 0xff) === Cls.CALLOUT ? `${name}:${REASON_NAMES[c >> 8]}` : name;
};

describe('classify', () => {
  // The brief's IDENT / non-IDENT table, one row per class.
  it.each([
    ['add eax,ebx', [0x01, 0xd8], 'ident'],
    ['mov eax,[esi+4]', [0x8b, 0x46, 0x04], 'ident'],
    ['mov eax,fs:[0]', [0x64, 0xa1, 0, 0, 0, 0], 'ident'],
    ['rep movsd', [0xf3, 0xa5], 'ident'],
    ['fld qword [eax]', [0xdd, 0x00], 'ident'],
    ['ud2', [0x0f, 0x0b], 'callout:invalid'],
    ['(bad) 0f 04', [0x0f, 0x04], 'callout:invalid'],
    ['jmp rel8', [0xeb, 0x10], 'jmp'],
    ['jmp rel32', [0xe9, 0, 0, 0, 0], 'jmp'],
    ['jne rel8', [0x75, 0x00], 'jcc'],
    ['jg rel32', [0x0f, 0x8f, 0, 0, 0, 0], 'jcc'],
    ['loop', [0xe2, 0xfe], 'loop'],
    ['jecxz', [0xe3, 0x00], 'loop'],
    ['call rel32', [0xe8, 0, 0, 0, 0], 'call'],
    ['call [eax]', [0xff, 0x10], 'call-ind'],
    ['jmp eax', [0xff, 0xe0], 'jmp-ind'],
    ['ret', [0xc3], 'ret'],
    ['ret 8', [0xc2, 8, 0], 'ret'],
    ['mov eax,gs:[0]', [0x65, 0xa1, 0, 0, 0, 0], 'seg-gs'],
    ['cli', [0xfa], 'cli'],
    ['sti', [0xfb], 'callout:flags'],
    ['pushf', [0x9c], 'pushf'],
    ['popf', [0x9d], 'callout:flags'],
    ['mov ds,ax', [0x8e, 0xd8], 'callout:segment-load'],
    ['pop es', [0x07], 'callout:segment-load'],
    ['lss esp,[eax]', [0x0f, 0xb2, 0x20], 'callout:segment-load'],
    ['lds', [0xc5, 0x00], 'callout:segment-load'],
    ['mov eax,cs', [0x8c, 0xc8], 'sreg-read'],
    ['push ss', [0x16], 'sreg-read'],
    ['push gs', [0x0f, 0xa8], 'sreg-read'],
    ['mov [eax],ds', [0x8c, 0x18], 'callout:sensitive'],
    ['in al,dx', [0xec], 'callout:io'],
    ['out 0x80,al', [0xe6, 0x80], 'callout:io'],
    ['rep insb', [0xf3, 0x6c], 'callout:io'],
    ['sgdt', [0x0f, 0x01, 0x00], 'callout:sensitive'],
    ['str eax', [0x0f, 0x00, 0xc8], 'callout:sensitive'],
    ['lsl', [0x0f, 0x03, 0xc0], 'callout:sensitive'],
    ['smsw eax', [0x0f, 0x01, 0xe0], 'callout:sensitive'],
    ['rdtsc', [0x0f, 0x31], 'callout:sensitive'],
    ['cpuid', [0x0f, 0xa2], 'callout:cpuid'],
    ['mov cr0,eax', [0x0f, 0x22, 0xc0], 'callout:privileged'],
    ['lgdt', [0x0f, 0x01, 0x10], 'callout:privileged'],
    ['invlpg', [0x0f, 0x01, 0x38], 'callout:privileged'],
    ['wrmsr', [0x0f, 0x30], 'callout:privileged'],
    ['hlt', [0xf4], 'callout:halt'],
    ['int 0x80', [0xcd, 0x80], 'callout:interrupt'],
    ['int3', [0xcc], 'callout:interrupt'],
    ['iret', [0xcf], 'callout:interrupt'],
    ['jmp far', [0xea, 0, 0, 0, 0, 8, 0], 'callout:far'],
    ['retf', [0xcb], 'callout:far'],
    ['call far [eax]', [0xff, 0x18], 'callout:far'],
    ['sysenter', [0x0f, 0x34], 'callout:syscall'],
    ['sysexit', [0x0f, 0x35], 'callout:syscall'],
  ] as [string, number[], string][])('%s -> %s', (_n, bytes, want) => {
    expect(cls(bytes)).toBe(want);
  });
});

describe('UnitDecoder', () => {
  const nops = (n: number): number[] => new Array<number>(n).fill(0x90);

  it(`stops after ${MAX_UNIT} instructions`, () => {
    const g = new FakeGuest();
    g.load(0x1000, nops(40));
    const u = new UnitDecoder(g).decode(0x1000, 0, 32);
    expect(u.count).toBe(MAX_UNIT);
    expect(u.stop).toBe(Stop.LIMIT);
    expect(u.endEip).toBe(0x1000 + MAX_UNIT);
    expect(u.pages).toEqual([1]);
  });

  it('stops after a control transfer', () => {
    const g = new FakeGuest();
    g.load(0x1000, [0x90, 0x01, 0xd8, 0x75, 0x02, 0x90, 0x90]);
    const u = new UnitDecoder(g).decode(0x1000, 0, 32);
    expect(u.count).toBe(3);
    expect(u.stop).toBe(Stop.TRANSFER);
    expect(u.endEip).toBe(0x1005);
  });

  it('continues past callouts that do not change the decision (in, cpuid) and stops at those that may', () => {
    const g = new FakeGuest();
    g.load(0x1000, [0xec, 0x0f, 0xa2, 0x90, 0x8e, 0xd8, 0x90]);
    const u = new UnitDecoder(g).decode(0x1000, 0, 32);
    expect(u.count).toBe(4);
    expect(u.cls[3]! >> 8).toBe(Reason.SEGMENT_LOAD);
    expect(u.stop).toBe(Stop.TRANSFER);
  });

  it('stops before an instruction that starts in the next page, and records a straddling one', () => {
    const g = new FakeGuest();
    g.load(0x1ffc, [0x90, 0x90, 0xb8, 1, 2, 3, 4, 0x90]); // mov eax,imm32 straddles 0x2000
    const u = new UnitDecoder(g).decode(0x1ffc, 0, 32);
    expect(u.count).toBe(3);
    expect(u.stop).toBe(Stop.PAGE);
    expect(u.endEip).toBe(0x2003);
    expect(u.pages).toEqual([1, 2]);
  });

  it('stops before an instruction whose bytes cannot be fetched', () => {
    const g = new FakeGuest();
    g.unmapped.add(2);
    g.load(0x1ffd, [0x90, 0x90, 0xb8, 1, 2, 3, 4]);
    const u = new UnitDecoder(g).decode(0x1ffd, 0, 32);
    expect(u.count).toBe(2);
    expect(u.stop).toBe(Stop.FETCH);
    expect(u.faultLinear).toBe(-1);
    const v = new UnitDecoder(g).decode(0x1fff, 0, 32);
    expect(v.count).toBe(0);
    expect(v.faultLinear).toBe(0x2000);
  });

  it('fetches at CS base + EIP and decodes 16-bit code with EIP wrapping at 64 KiB', () => {
    const g = new FakeGuest(0x30000);
    g.load(0x2fffe, [0x90, 0x90]);
    const u = new UnitDecoder(g).decode(0xfffe, 0x20000, 16);
    expect(u.count).toBe(2);
    expect(u.insns[0]!.ip).toBe(0xfffe);
    expect(u.endEip).toBe(0);
    expect(u.pages).toEqual([0x2f]);
  });
});
