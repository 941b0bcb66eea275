import { FORM, FORMS, Instruction, OpKind, decodeInto } from '@vmm86/x86-decoder';
import { describe, expect, it } from 'vitest';
import { FakeGuest, VECTOR, disasm } from '../test/fakes.ts';
import { CalloutKind, MAP_FS_HOLDS_GS, Translator, type Translation } from './translate.ts';
import { Cls, Reason, UnitDecoder } from './unit.ts';
import { VCPU } from './vcpu-area.ts';

function tr(bytes: number[], eip = 0x1000, bits: 16 | 32 = 32): Translation {
  const g = new FakeGuest();
  g.load(eip, bytes);
  return new Translator({ vector: VECTOR }).translate(new UnitDecoder(g).decode(eip, 0, bits));
}

const STUB = ['int 0x81', 'nop DWORD PTR [eax]'];

// Golden translations: guest bytes in, the decoder's reading of the CCF out.
describe('Translator: each class reads back as the expected forms', () => {
  it('IDENT bytes are copied and a jmp becomes an exit stub to the guest target', () => {
    const t = tr([0x01, 0xd8, 0xeb, 0x10]);
    expect(disasm(t.code)).toEqual(['add eax,ebx', ...STUB]);
    expect([...t.code.subarray(0, 2)]).toEqual([0x01, 0xd8]);
    expect(t.exits).toEqual([{ at: 2, target: 0x1014, jcc: -1 }]);
    expect(t.callouts[0]).toMatchObject({ kind: CalloutKind.EXIT, after: 4, guestEip: 0x1002, target: 0x1014 });
  });

  it('jcc: a rel32 jcc to the taken stub, then the fall-through stub', () => {
    const t = tr([0x75, 0x10]);
    expect(disasm(t.code)).toEqual(['jne 0xb', ...STUB, ...STUB]);
    expect(t.exits).toEqual([{ at: 6, target: 0x1002, jcc: -1 }, { at: 11, target: 0x1012, jcc: 2 }]);
  });

  it('loop keeps the guest condition and skips the fall-through stub when taken', () => {
    const t = tr([0x67, 0xe2, 0xfd]);
    expect(disasm(t.code)).toEqual(['addr16 loop 0x8', ...STUB, ...STUB]);
    expect(t.code[0]).toBe(0x67);
    expect(t.exits.map((e) => e.target)).toEqual([0x1003, 0x1000]);
  });

  it('call rel pushes the guest return address, not a TC address', () => {
    const t = tr([0xe8, 0x10, 0, 0, 0]);
    expect(disasm(t.code)).toEqual(['push 0x1005', ...STUB]);
    expect(t.exits).toEqual([{ at: 5, target: 0x1015, jcc: -1 }]);
    const t16 = tr([0x66, 0xe8, 0x10, 0x00], 0x1000);
    expect(disasm(t16.code)[0]).toBe('pushw 0x1004');
  });

  it('call Ev: push Ev with the same operand, pop into TARGET, push the guest return, indirect exit', () => {
    const t = tr([0xff, 0x54, 0x24, 0x04]);
    expect(disasm(t.code)).toEqual([
      'push DWORD PTR [esp+0x4]', `pop DWORD PTR gs:0x${VCPU.TARGET.toString(16)}`, 'push 0x1004', 'int 0x81',
    ]);
    expect(t.callouts[0]?.kind).toBe(CalloutKind.INDIRECT);
  });

  it('jmp Ev and ret n', () => {
    expect(disasm(tr([0xff, 0xe0]).code)).toEqual(['push eax', 'pop DWORD PTR gs:0xc', 'int 0x81']);
    expect(disasm(tr([0xc2, 8, 0]).code)).toEqual(['pop DWORD PTR gs:0xc', 'lea esp,[esp+0x8]', 'int 0x81']);
    expect(disasm(tr([0x66, 0xc3]).code)).toEqual(['pop WORD PTR gs:0xc', 'mov WORD PTR gs:0xe,0x0', 'int 0x81']);
  });

  it('GS prefixes become FS with FS switched to the guest GS, and back before FS-prefixed code and exits', () => {
    const t = tr([0x65, 0xa1, 4, 0, 0, 0, 0x65, 0x8b, 0x18, 0x90, 0x64, 0x8b, 0x00, 0xc3]);
    expect(disasm(t.code)).toEqual([
      'mov fs,WORD PTR gs:0x3c', 'mov eax,fs:0x4', 'mov ebx,DWORD PTR fs:[eax]', 'nop',
      'mov fs,WORD PTR gs:0x38', 'mov eax,DWORD PTR fs:[eax]', 'pop DWORD PTR gs:0xc', 'int 0x81',
    ]);
    expect([...t.mapFlags]).toEqual([MAP_FS_HOLDS_GS, MAP_FS_HOLDS_GS, MAP_FS_HOLDS_GS, 0, 0]);
  });

  it('cli clears the virtual IF; pushf builds the image with the flags saved and restored flag-free', () => {
    const t = tr([0xfa, 0x9c, 0xc3]);
    expect(disasm(t.code)).toEqual([
      'mov DWORD PTR gs:0x0,0x0',
      'pushf', 'mov DWORD PTR gs:0x10,eax', 'lahf', 'seto al', 'mov DWORD PTR gs:0x14,eax',
      'mov eax,DWORD PTR [esp]', 'and eax,0xdd5', 'or eax,DWORD PTR gs:0x4', 'or eax,DWORD PTR gs:0x0',
      'mov DWORD PTR [esp],eax', 'mov eax,DWORD PTR gs:0x14', 'add al,0x7f', 'sahf', 'mov eax,DWORD PTR gs:0x10',
      'pop DWORD PTR gs:0xc', 'int 0x81',
    ]);
  });

  it('cli is a callout when the virtual IOPL does not allow it (user code under BT)', () => {
    const g = new FakeGuest();
    g.load(0x1000, [0xfa, 0x90, 0xc3]);
    const t = new Translator({ vector: VECTOR }).translate(new UnitDecoder(g).decode(0x1000, 0, 32), false);
    expect(disasm(t.code)).toEqual(['int 0x81', 'nop', 'pop DWORD PTR gs:0xc', 'int 0x81']);
    expect(t.callouts[0]).toMatchObject({ kind: CalloutKind.INSN, reason: Reason.FLAGS, guestEip: 0x1000, nextEip: 0x1001 });
  });

  it('mov r,Sreg and push Sreg read the virtual selectors', () => {
    const t = tr([0x8c, 0xc8, 0x66, 0x8c, 0xd3, 0x16, 0x66, 0x0f, 0xa8, 0xc3]);
    expect(disasm(t.code)).toEqual([
      'movzx eax,WORD PTR gs:0x24', 'mov bx,WORD PTR gs:0x28', 'push DWORD PTR gs:0x28', 'push WORD PTR gs:0x34',
      'pop DWORD PTR gs:0xc', 'int 0x81',
    ]);
  });

  it('callouts carry the decoded instruction; mid-TU ones continue, TU-ending ones fall through to a stub', () => {
    const t = tr([0xec, 0x90, 0xfb, 0xcc]);
    expect(disasm(t.code)).toEqual(['int 0x81', 'nop', 'int 0x81', ...STUB]);
    const [io, sti, fall] = t.callouts;
    expect(io).toMatchObject({ kind: CalloutKind.INSN, reason: Reason.IO, after: 2, guestEip: 0x1000, nextEip: 0x1001 });
    expect(io?.insn?.opcode).toBe(0xec);
    expect(sti).toMatchObject({ kind: CalloutKind.INSN, reason: Reason.FLAGS, guestEip: 0x1002, nextEip: 0x1003 });
    expect(fall).toMatchObject({ kind: CalloutKind.EXIT, target: 0x1003 });
  });

  it('16-bit guest code runs in the 32-bit TC with its size prefixes toggled', () => {
    const t = tr([0x8b, 0x47, 0x02, 0x66, 0x50, 0x60, 0x66, 0x0f, 0x6f, 0xc1, 0xc3], 0x1000, 16);
    expect(disasm(t.code)).toEqual([
      // addr16 is harmless where no address is formed; it is added without looking.
      'mov ax,WORD PTR [bx+0x2]', 'addr16 push eax', 'addr16 pushaw', 'addr16 movdqa xmm0,xmm1',
      'pop WORD PTR gs:0xc', 'mov WORD PTR gs:0xe,0x0', 'int 0x81',
    ]);
  });

  it('the map gives each guest instruction its TC position, EIP and length', () => {
    const t = tr([0x90, 0x01, 0xd8, 0xfa, 0xc3]);
    expect([...t.mapTc]).toEqual([0, 1, 3, 14]);
    expect([...t.mapEip]).toEqual([0x1000, 0x1001, 0x1003, 0x1004]);
    expect([...t.mapLen]).toEqual([1, 2, 1, 1]);
  });
});

// Random instruction streams: every CCF decodes cleanly end to end and the IDENT
// instructions' bytes appear unchanged at their map positions.
describe('Translator: round-trip over random streams', () => {
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('5000 random units of 32- and 16-bit code', () => {
    const next = rng(12345);
    const g = new FakeGuest(0x20000);
    const ud = new UnitDecoder(g);
    const t = new Translator({ vector: VECTOR });
    const insn = new Instruction();
    let ident = 0;
    let nonIdent = 0;
    for (let round = 0; round < 5000; round++) {
      const eip = 0x1000 + Math.floor(next() * 0x1f00);
      for (let i = 0; i < 200; i++) g.mem[eip + i] = Math.floor(next() * 256);
      const bits = next() < 0.8 ? 32 : 16;
      const u = ud.decode(eip, 0, bits);
      const out = t.translate(u);
      expect(() => disasm(out.code)).not.toThrow();
      for (let i = 0; i < u.count; i++) {
        const cls = u.cls[i]! & 0xff;
        const at = out.mapTc[i]!;
        if (cls === Cls.IDENT) {
          ident++;
          const g0 = u.insns[i]!;
          const start = u.offs[i]!;
          const len = g0.length;
          decodeInto(insn, out.code, at, out.code.length, 32, 0);
          if (bits === 32) {
            expect([...out.code.subarray(at, at + len)]).toEqual([...u.bytes.subarray(start, start + len)]);
            expect(insn.length).toBe(len);
          } else {
            // 16-bit code runs in the 32-bit TC with its size prefixes toggled: same meaning.
            expect(insn.status).toBe(g0.status);
            expect(insn.form).toBe(g0.form);
            if (FORM.oszUsed[g0.form] !== 0 || FORM.sfx[g0.form] !== 0) {
              if (insn.opSize !== g0.opSize) throw new Error(`opSize of ${FORMS[g0.form]?.name}`);
            }
            expect(insn.adSize).toBe(g0.adSize);
            expect([...insn.opKind.subarray(0, g0.opCount)]).toEqual([...g0.opKind.subarray(0, g0.opCount)]);
            for (let k = 0; k < g0.opCount; k++) {
              if (g0.opKind[k] === OpKind.REG) expect(insn.opReg[k]).toBe(g0.opReg[k]);
              if (g0.opKind[k] === OpKind.REL) throw new Error(`IDENT with a relative operand: ${FORMS[g0.form]?.name}`);
            }
            // A ModRM memory operand (string forms keep stale fields there).
            if (g0.modrm >= 0 && g0.modrm < 0xc0 && g0.opKind.subarray(0, g0.opCount).includes(OpKind.MEM)) {
              expect([insn.memSeg, insn.memBase, insn.memIndex, insn.memDisp]).toEqual([g0.memSeg, g0.memBase, g0.memIndex, g0.memDisp]);
            }
          }
        } else {
          nonIdent++;
        }
      }
      // Nothing in a CCF may use GS except monitor-area accesses with a bare disp32.
      let off = 0;
      while (off < out.code.length) {
        decodeInto(insn, out.code, off, out.code.length, 32, 0);
        if (insn.segOverride === 5) expect(insn.memDispSize).toBe(4);
        off += insn.length;
      }
    }
    expect(ident).toBeGreaterThan(10000);
    expect(nonIdent).toBeGreaterThan(1000);
  });
});
