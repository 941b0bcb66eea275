import { FORMS, Instruction, OpKind, Reg, decodeInto } from '@vmm86/x86-decoder';
import { describe, expect, it } from 'vitest';
import { FakeGuest, VECTOR, disasm, ports } from '../test/fakes.ts';
import { Ccf, TranslationCache, type TranslationContext } from './cache.ts';
import { CalloutKind } from './translate.ts';
import { VCPU } from './vcpu-area.ts';

const CTX: TranslationContext = { csBase: 0, bits: 32, mode: 0, cliInTc: true };
const BASE = 0xffc00000;
/** The probe's miss path lies in its first 0x40 bytes; CCFs start after the whole probe (~0x65). */
const PROBE_BYTES = 0x40;

function setup(code: [number, number[]][]) {
  const g = new FakeGuest();
  for (const [at, b] of code) g.load(at, b);
  const area = new Uint8Array(VCPU.SIZE);
  const p = { ...ports(g, 0x4000), area };
  return { p, area: new DataView(area.buffer), cache: new TranslationCache(p) };
}

/**
 * Runs the indirect-target probe on a model of just the forms it uses, from its first byte
 * until it leaves (int -> 'callout', jmp -> the TC address). Returns where it went, EAX,
 * ECX and whether it touched anything but EAX, ECX and the vCPU area.
 */
function runProbe(tc: Uint8Array, area: DataView, eax: number, ecx: number): { to: number | 'callout'; eax: number; ecx: number } {
  const r = [eax >>> 0, ecx >>> 0];
  const insn = new Instruction();
  let pc = 0;
  const reg = (id: number): number => {
    const k = id & 7;
    if (k > 1) throw new Error(`probe uses ${id}`);
    return r[k] as number;
  };
  const ea = (): number => {
    if (insn.memSeg !== 5) throw new Error('probe touches memory outside the vCPU area');
    return (insn.memDisp + (insn.memIndex === Reg.NONE ? 0 : reg(insn.memIndex) * insn.memScale)) >>> 0;
  };
  for (let steps = 0; steps < 100; steps++) {
    decodeInto(insn, tc, pc, tc.length, 32, BASE + pc);
    const name = FORMS[insn.form]?.name;
    pc += insn.length;
    const mem0 = insn.opKind[0] === OpKind.MEM;
    switch (name) {
      case 'Mov_Ev_Gv':
        if (!mem0) throw new Error('unexpected');
        area.setUint32(ea(), reg(insn.opReg[1]!), true);
        break;
      case 'Mov_Gv_Ev':
        r[insn.opReg[0]! & 7] = area.getUint32(ea(), true);
        break;
      case 'Movzx_Gv_Eb':
        r[insn.opReg[0]! & 7] = insn.opKind[1] === OpKind.MEM ? area.getUint8(ea()) : reg(insn.opReg[1]!) & 0xff;
        break;
      case 'Lea_Gv_M':
        r[insn.opReg[0]! & 7] = (reg(insn.memBase) + reg(insn.memIndex)) >>> 0;
        break;
      case 'Jecxz_Jb':
        if (r[1] === 0) pc = insn.target - BASE;
        break;
      case 'Int_Ib':
        expect(insn.imm).toBe(VECTOR);
        return { to: 'callout', eax: r[0]!, ecx: r[1]! };
      case 'Jmp_Ev': {
        // An empty slot points back into the probe (its miss path).
        const to = area.getUint32(ea(), true);
        if (to - BASE < PROBE_BYTES) {
          pc = to - BASE;
          break;
        }
        return { to, eax: r[0]!, ecx: r[1]! };
      }
      default:
        throw new Error(`probe uses ${name}`);
    }
  }
  throw new Error('probe did not leave');
}

describe('indirect-target probe', () => {
  it('ends indirect transfers in a jump to the probe, which is flag-free', () => {
    const { p, cache } = setup([[0x1000, [0xc3]]]);
    const c = cache.get(0x1000, CTX) as Ccf;
    const code = disasm(p.tcm.bytes.subarray(c.start, c.start + c.size), BASE + c.start);
    expect(code).toEqual(['pop DWORD PTR gs:0xc', 'jmp 0xffc00000']);
    const probe = disasm(p.tcm.bytes.subarray(0, c.start), BASE);
    expect(probe.some((t) => t.startsWith('jecxz '))).toBe(true);
    expect(probe.at(-1)).toBe('jmp DWORD PTR gs:0x1c');
    // No instruction of the probe writes the arithmetic flags.
    expect(probe.filter((t) => /^(add|sub|and|or|xor|cmp|test|inc|dec|neg|shl|shr)\b/.test(t))).toEqual([]);
  });

  it('misses to a callout on an empty table, then hits once the monitor filled the entry', () => {
    const { p, area, cache } = setup([[0x1000, [0xc3]], [0x2345, [0x90, 0xc3]]]);
    expect(cache.entry(0x1000, CTX)).toBeTypeOf('number');
    area.setUint32(VCPU.TARGET, 0x2345, true);
    const miss = runProbe(p.tcm.bytes, area, 0x11111111, 0x22222222);
    expect(miss).toEqual({ to: 'callout', eax: 0x11111111, ecx: 0x22222222 });
    const site = [...Array(64).keys()].map((k) => cache.callout(BASE + k)).find((s) => s !== undefined);
    expect(site).toMatchObject({ kind: CalloutKind.INDIRECT, ccf: null });
    const to = cache.indirect(0x2345, CTX);
    const t = cache.lookup(0x2345, CTX)!;
    expect(to).toBe(BASE + t.start);
    const hit = runProbe(p.tcm.bytes, area, 0x11111111, 0x22222222);
    expect(hit).toEqual({ to: BASE + t.start, eax: 0x11111111, ecx: 0x22222222 });
    // A target sharing the low byte misses (the key is the whole EIP) ...
    area.setUint32(VCPU.TARGET, 0x9945, true);
    expect(runProbe(p.tcm.bytes, area, 1, 2).to).toBe('callout');
    // ... and EIP 0 on an empty slot reaches the miss path too.
    area.setUint32(VCPU.TARGET, 0, true);
    expect(runProbe(p.tcm.bytes, area, 1, 2).to).toBe('callout');
  });

  it('forgets entries of invalidated CCFs, of a flushed cache, and of another context', () => {
    const { p, area, cache } = setup([[0x1000, [0xc3]], [0x2345, [0x90, 0xc3]]]);
    cache.entry(0x1000, CTX);
    cache.indirect(0x2345, CTX);
    area.setUint32(VCPU.TARGET, 0x2345, true);
    expect(runProbe(p.tcm.bytes, area, 0, 0).to).not.toBe('callout');
    cache.onCodeWrite(2);
    expect(runProbe(p.tcm.bytes, area, 0, 0).to).toBe('callout');
    cache.indirect(0x2345, CTX);
    cache.entry(0x1000, { ...CTX, mode: 3 });
    expect(runProbe(p.tcm.bytes, area, 0, 0).to).toBe('callout');
    cache.indirect(0x2345, { ...CTX, mode: 3 });
    expect(runProbe(p.tcm.bytes, area, 0, 0).to).not.toBe('callout');
    cache.flush();
    expect(runProbe(p.tcm.bytes, area, 0, 0).to).toBe('callout');
    expect(cache.stats.used).toBeGreaterThan(0); // the probe is back at the arena start
  });
});
