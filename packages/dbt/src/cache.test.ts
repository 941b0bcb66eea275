import { Instruction, decodeInto } from '@vmm86/x86-decoder';
import { describe, expect, it } from 'vitest';
import { FakeGuest, VECTOR, disasm, ports } from '../test/fakes.ts';
import { Ccf, TranslationCache, type CalloutSite, type FetchFault, type TranslationContext } from './cache.ts';
import { CalloutKind } from './translate.ts';
import { Reason } from './unit.ts';

const CTX: TranslationContext = { csBase: 0, bits: 32, mode: 0, cliInTc: true };
const BASE = 0xffc00000;

function setup(code: [number, number[]][], tcSize = 0x10000) {
  const g = new FakeGuest();
  for (const [at, b] of code) g.load(at, b);
  const p = ports(g, tcSize);
  return { p, g, cache: new TranslationCache(p) };
}

function ccf(x: Ccf | FetchFault): Ccf {
  if (!(x instanceof Ccf)) throw new Error('fetch fault');
  return x;
}

/** The decoded instruction at a TC linear address. */
function at(p: ReturnType<typeof ports>, linear: number): Instruction {
  const insn = new Instruction();
  const off = linear - BASE;
  decodeInto(insn, p.tcm.bytes, off, p.tcm.bytes.length, 32, linear);
  return insn;
}

/** The exit sites of a CCF, in stub order. */
function exits(cache: TranslationCache, c: Ccf): CalloutSite[] {
  return c.exits.map((e) => cache.callout(BASE + e.at + 2) as CalloutSite);
}

describe('TranslationCache', () => {
  it('translates on a miss, hits afterwards, and places the CCF at the linear base', () => {
    const { p, cache } = setup([[0x1000, [0x01, 0xd8, 0xc3]]]);
    expect(cache.entry(0x1000, CTX)).toBe(BASE);
    expect(cache.entry(0x1000, CTX)).toBe(BASE);
    expect(cache.stats).toMatchObject({ translations: 1, misses: 1, guestInstructions: 2, live: 1 });
    expect(disasm(p.tcm.bytes.subarray(0, cache.stats.used))).toEqual(['add eax,ebx', 'pop DWORD PTR gs:0xc', 'int 0x81']);
    expect(p.tcm.writes[0]).toEqual([0, cache.stats.used]);
    expect(p.tr.log).toEqual(['+1']);
  });

  it('keys translations by mode, code size and CS base', () => {
    const { cache } = setup([[0x1000, [0x90, 0xc3]], [0x3000, [0x90, 0xc3]]]);
    const a = ccf(cache.get(0x1000, CTX));
    expect(cache.lookup(0x1000, { ...CTX, mode: 1 })).toBeUndefined();
    expect(cache.lookup(0x1000, { ...CTX, bits: 16 })).toBeUndefined();
    expect(cache.lookup(0x1000, { ...CTX, cliInTc: false })).toBeUndefined();
    expect(cache.lookup(0x1000, { ...CTX, csBase: 0x2000 })).toBeUndefined();
    const b = ccf(cache.get(0x1000, { ...CTX, csBase: 0x2000, mode: 1 }));
    expect(b).not.toBe(a);
    expect(b.mapEip[0]).toBe(0x1000);
    expect(cache.stats.translations).toBe(2);
  });

  it('drops a translation whose linear page now maps another physical page (remapped code)', () => {
    const { g, cache } = setup([[0x1000, [0x01, 0xd8, 0xc3]]]);
    const a = ccf(cache.get(0x1000, CTX));
    expect(a.pages).toEqual([1]);
    // The guest points linear page 1 at physical page 7 holding other code (no write to
    // page 1 happens, so no trace fires): the lookup must not return the old translation.
    const physPage = g.physPage.bind(g);
    g.physPage = (linear: number): number => (linear >>> 12 === 1 ? 7 : physPage(linear));
    g.load(0x1000, [0x29, 0xd8, 0xc3]); // the bytes the new mapping shows
    expect(cache.lookup(0x1000, CTX)).toBeUndefined();
    expect(cache.stats.remapped).toBe(1);
    expect(a.valid).toBe(false);
    const b = ccf(cache.get(0x1000, CTX));
    expect(b.pages).toEqual([7]);
    expect(cache.lookup(0x1000, CTX)).toBe(b);
  });

  it('reports a fetch fault for a TU whose first instruction cannot be fetched', () => {
    const { g, cache } = setup([]);
    g.unmapped.add(5);
    expect(cache.entry(0x5000, CTX)).toEqual({ fetchFault: true, eip: 0x5000, linear: 0x5000 });
    expect(cache.stats.translations).toBe(0);
  });

  it('maps TC addresses back to guest EIPs for precise faults', () => {
    const { cache } = setup([[0x1000, [0x90, 0x8b, 0x06, 0x65, 0x89, 0x03, 0xfa, 0xc3]]]);
    const c = ccf(cache.get(0x1000, CTX));
    const loc = (k: number) => cache.locate(BASE + k);
    expect(loc(0)).toMatchObject({ guestEip: 0x1000, index: 0, fsHoldsGs: false });
    expect(loc(1)).toMatchObject({ guestEip: 0x1001, guestLength: 2 });
    expect(loc(2)).toMatchObject({ guestEip: 0x1001 });
    // The GS store runs with FS switched: its whole sequence maps to it, flagged.
    expect(loc(c.mapTc[2]!)).toMatchObject({ guestEip: 0x1003, fsHoldsGs: true });
    expect(loc(c.mapTc[2]! + 7)).toMatchObject({ guestEip: 0x1003, fsHoldsGs: true });
    expect(loc(c.mapTc[3]!)).toMatchObject({ guestEip: 0x1006, fsHoldsGs: false });
    expect(loc(c.mapTc[3]!)).toMatchObject({ seqStart: BASE + c.mapTc[3]!, seqEnd: BASE + c.mapTc[3]! + 11 });
    expect(loc(0)).toMatchObject({ seqStart: BASE, seqEnd: BASE + 1 });
    expect(cache.locate(BASE + c.size + 100)).toBeUndefined();
    expect(cache.locate(BASE - 1)).toBeUndefined();
  });

  it('finds callout sites by trap EIP, with the decoded instruction', () => {
    const { cache } = setup([[0x1000, [0xe4, 0x60, 0x90, 0xcd, 0x80]]]);
    const c = ccf(cache.get(0x1000, CTX));
    const io = cache.callout(BASE + c.mapTc[0]! + 2);
    expect(io).toMatchObject({ kind: CalloutKind.INSN, reason: Reason.IO, guestEip: 0x1000, nextEip: 0x1002, resume: BASE + 2 });
    expect(io?.insn?.imm).toBe(0x60);
    expect(cache.callout(BASE + c.mapTc[2]! + 2)).toMatchObject({ reason: Reason.INTERRUPT, guestEip: 0x1003 });
    expect(cache.callout(BASE + 1)).toBeUndefined();
  });

  it('chains an exit: translates the target and patches the stub into a direct jump', () => {
    const { p, cache } = setup([[0x1000, [0x75, 0x10]], [0x1012, [0x90, 0xc3]], [0x1002, [0xf4]]]);
    const a = ccf(cache.get(0x1000, CTX));
    const [fall, taken] = exits(cache, a);
    expect(taken).toMatchObject({ kind: CalloutKind.EXIT, target: 0x1012 });
    const resume = cache.chain(taken!);
    const b = ccf(cache.get(0x1012, CTX));
    expect(resume).toBe(BASE + b.start);
    const j = at(p, BASE + a.exits[1]!.at);
    expect(j.opcode).toBe(0xe9);
    expect(j.target).toBe(BASE + b.start);
    expect(b.incoming).toHaveLength(1);
    expect(cache.stats.chainPatches).toBe(1);
    // The jcc itself now jumps to the target; unchaining would send it back to the stub.
    expect(at(p, BASE + a.start).target).toBe(BASE + b.start);
    cache.invalidate(b);
    expect(at(p, BASE + a.start).target).toBe(BASE + a.exits[1]!.at);
    expect(at(p, BASE + a.exits[1]!.at).opcode).toBe(0xcd);
    // The fall-through stub is still a callout until it runs.
    expect(at(p, BASE + a.exits[0]!.at).opcode).toBe(0xcd);
    cache.chain(fall!);
    expect(at(p, BASE + a.exits[0]!.at).target).toBe(BASE + ccf(cache.get(0x1002, CTX)).start);
  });

  it('chains at translation time when the successor is already translated (a self-loop too)', () => {
    const { p, cache } = setup([[0x1000, [0x90, 0xeb, 0xfd]], [0x2000, [0xe9, 0xfb, 0xef, 0xff, 0xff]]]);
    const a = ccf(cache.get(0x1000, CTX));
    expect(at(p, BASE + a.exits[0]!.at).target).toBe(BASE + a.start);
    const b = ccf(cache.get(0x2000, CTX));
    expect(at(p, BASE + b.exits[0]!.at).target).toBe(BASE + a.start);
    expect(a.incoming).toHaveLength(2);
    expect(cache.stats.chainPatches).toBe(2);
  });

  it('invalidates every CCF from a written page, unchains the jumps into them, and retranslates lazily', () => {
    const { p, g, cache } = setup([[0x1000, [0xeb, 0x0e]], [0x1010, [0x90, 0xc3]], [0x2000, [0xe9, 0x0b, 0xf0, 0xff, 0xff]]]);
    const t = ccf(cache.get(0x1010, CTX));
    const a = ccf(cache.get(0x1000, CTX));
    const b = ccf(cache.get(0x2000, CTX));
    expect(at(p, BASE + b.exits[0]!.at).target).toBe(BASE + t.start);
    expect(p.tr.traced).toEqual(new Set([1, 2]));
    expect(cache.onCodeWrite(1)).toBe(2);
    expect(a.valid || t.valid).toBe(false);
    expect(b.valid).toBe(true);
    // b's stub is a callout again, b's site findable again.
    const stub = at(p, BASE + b.exits[0]!.at);
    expect(stub.opcode).toBe(0xcd);
    expect(stub.imm).toBe(VECTOR);
    expect(exits(cache, b)[0]?.exit?.chained).toBeNull();
    expect(cache.lookup(0x1010, CTX)).toBeUndefined();
    expect(cache.callout(BASE + a.exits[0]!.at + 2)).toBeUndefined();
    expect(p.tr.traced).toEqual(new Set([2]));
    expect(cache.stats).toMatchObject({ invalidations: 2, invalidatedPages: 1, unchains: 1, live: 1 });
    expect(cache.onCodeWrite(7)).toBe(0);
    // The guest rewrote its code: the next execution sees the new bytes.
    g.load(0x1010, [0xfa, 0xc3]);
    const t2 = ccf(cache.get(0x1010, CTX));
    expect(disasm(p.tcm.bytes.subarray(t2.start, t2.start + t2.size))[0]).toBe('mov DWORD PTR gs:0x0,0x0');
    expect(p.tr.traced).toEqual(new Set([1, 2]));
    // Stale CCFs can still be located (the hardware may be inside one).
    expect(cache.locate(BASE + a.start)).toMatchObject({ guestEip: 0x1000 });
  });

  it('traces both pages of a TU whose instruction straddles, and invalidates through either', () => {
    const { p, cache } = setup([[0x1ffd, [0x90, 0xb8, 1, 2, 3, 4, 0xc3]]]);
    const c = ccf(cache.get(0x1ffd, CTX));
    expect(c.pages).toEqual([1, 2]);
    expect(p.tr.traced).toEqual(new Set([1, 2]));
    expect(cache.onCodeWrite(2)).toBe(1);
    expect(p.tr.traced.size).toBe(0);
  });

  it('flushes everything when the arena is full', () => {
    const code: [number, number[]][] = [];
    for (let i = 0; i < 64; i++) code.push([0x1000 + i * 0x40, [0x90, 0x90, 0x90, 0x90, 0xc3]]);
    const { p, cache } = setup(code, 256);
    const first = ccf(cache.get(0x1000, CTX));
    let n = 1;
    while (cache.stats.flushes === 0) {
      cache.get(0x1000 + n * 0x40, CTX);
      n++;
    }
    expect(first.valid).toBe(false);
    expect(cache.lookup(0x1000, CTX)).toBeUndefined();
    expect(cache.stats.live).toBe(1);
    expect(cache.stats.used).toBeLessThan(64);
    expect(p.tr.log.filter((x) => x === '-1')).toHaveLength(1);
    expect(p.tr.traced).toEqual(new Set([1]));
    expect(cache.stats.capacity).toBe(256);
  });

  it('does not patch a stub whose CCF a flush removed while its target was translated', () => {
    const { p, cache } = setup([[0x1000, [0xeb, 0x7e]], [0x1080, new Array<number>(11).fill(0x90)]], 20);
    const a = ccf(cache.get(0x1000, CTX));
    const site = exits(cache, a)[0]!;
    const before = p.tcm.bytes.slice();
    const r = cache.chain(site);
    expect(cache.stats.flushes).toBe(1);
    expect(a.valid).toBe(false);
    expect(r).toBe(BASE);
    expect(cache.stats.chainPatches).toBe(0);
    expect(before[a.exits[0]!.at]).toBe(0xcd);
  });

  it('requestExit turns every chained jump back into a callout, and chains return lazily', () => {
    const { p, cache } = setup([[0x1000, [0x90, 0xeb, 0xfd]], [0x2000, [0x75, 0x0e]], [0x2002, [0xeb, 0xfc]], [0x2010, [0xc3]]]);
    const a = ccf(cache.get(0x1000, CTX));
    const b = ccf(cache.get(0x2000, CTX));
    for (const s of exits(cache, b)) cache.chain(s);
    expect(cache.stats.chainPatches).toBe(4); // a's self-loop, b's two exits, 0x2002 -> b
    expect(cache.requestExit()).toBe(4);
    for (const c of [a, b, ccf(cache.get(0x2002, CTX))]) {
      for (const e of c.exits) expect(at(p, BASE + e.at).opcode).toBe(0xcd);
      expect(c.incoming).toHaveLength(0);
    }
    const self = exits(cache, a)[0]!;
    expect(self.target).toBe(0x1000);
    cache.chain(self);
    expect(at(p, BASE + a.exits[0]!.at).target).toBe(BASE + a.start);
  });

  it('indirect exits leave through a site whose target the monitor looks up in the hash', () => {
    const { cache } = setup([[0x1000, [0xff, 0xd0]], [0x3000, [0xc3]]]);
    const c = ccf(cache.get(0x1000, CTX));
    const site = cache.callout(BASE + c.size);
    expect(site).toMatchObject({ kind: CalloutKind.INDIRECT, guestEip: 0x1000, nextEip: 0x1002 });
    expect(cache.lookup(0x3000, CTX)).toBeUndefined();
    const t = ccf(cache.get(0x3000, CTX));
    expect(cache.lookup(0x3000, CTX)).toBe(t);
  });
});

describe('TranslationCache: random programs', () => {
  it('every CCF decodes, every map entry locates its instruction, exits chain to their targets', () => {
    let s = 99;
    const next = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 4294967296;
    };
    const g = new FakeGuest(0x8000);
    for (let i = 0x1000; i < 0x8000; i++) g.mem[i] = Math.floor(next() * 256);
    const p = ports(g, 0x4000);
    const cache = new TranslationCache(p);
    for (let round = 0; round < 3000; round++) {
      const eip = 0x1000 + Math.floor(next() * 0x6f00);
      const c = cache.get(eip, CTX);
      if (!(c instanceof Ccf)) continue;
      expect(() => disasm(p.tcm.bytes.subarray(c.start, c.start + c.size))).not.toThrow();
      for (let i = 0; i < c.mapTc.length; i++) {
        expect(cache.locate(BASE + c.mapTc[i]!)?.guestEip).toBe(c.mapEip[i]);
      }
      const site = c.exits[0];
      if (site !== undefined && next() < 0.5) {
        const cs = cache.callout(BASE + site.at + 2)!;
        const r = cache.chain(cs);
        if (typeof r === 'number' && c.valid) expect(at(p, BASE + site.at).target).toBe(r);
      }
      if (next() < 0.05) cache.onCodeWrite(1 + Math.floor(next() * 7));
    }
    expect(cache.stats.flushes).toBeGreaterThan(0);
    expect(cache.stats.chainPatches).toBeGreaterThan(100);
    expect(cache.stats.invalidations).toBeGreaterThan(10);
  });
});
