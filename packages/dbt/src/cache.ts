// The translation cache: CCFs in a byte arena at a linear base in the monitor region.
//
// Allocation is a bump pointer; when a CCF does not fit, the whole cache is flushed (no
// source describes an eviction policy, brief §2.3). Invalidated CCFs keep their bytes until
// the next flush, so a trap EIP inside a stale CCF can still be located.
//
// Lookup key: guest EIP plus the translation context (code size and the caller's mode
// word: CPL, flat-segment assumptions…). CS base is checked on a hit, so a lookup under a
// different assumption misses (brief §2.1: every assumption is part of the key).
//
// Exits: every direct successor is a 5-byte stub `int v; nop3`. Chaining rewrites the stub
// into `jmp rel32` to the target CCF and records the stub in the target's `incoming`, so
// invalidating the target restores the stub. Callout sites are found by trap EIP in one Map.

import type { Instruction } from '@vmm86/x86-decoder';
import type { DbtPorts } from './ports.js';
import { CalloutKind, Translator } from './translate.js';
import { UnitDecoder } from './unit.js';
import type { Reason } from './unit.js';

export interface TranslationContext {
  /** Guest CS base (fetch address = csBase + eip). */
  csBase: number;
  /** Guest code size. */
  bits: 16 | 32;
  /**
   * Everything else the translation may assume, as a small non-negative integer chosen by
   * the caller (virtual CPL, flat data segments…). Must be < 2^19.
   */
  mode: number;
}

/** One translated TU. */
export class Ccf {
  valid = true;
  /** Stubs (in other CCFs or this one) patched to jump here. */
  readonly incoming: ExitSite[] = [];
  readonly exits: ExitSite[] = [];
  /** TC offsets (trap EIPs) of this CCF's callout sites. */
  readonly siteOffs: number[] = [];

  constructor(
    readonly key: number,
    readonly eip: number,
    readonly ctx: TranslationContext,
    /** TC offset of the first byte; `start + size` is the end. */
    readonly start: number,
    readonly size: number,
    /** Per guest instruction: TC offset, guest EIP, length, map flags. */
    readonly mapTc: Int32Array,
    readonly mapEip: Int32Array,
    readonly mapLen: Uint8Array,
    readonly mapFlags: Uint8Array,
    readonly pages: readonly number[],
    readonly guestInstructions: number,
  ) {}
}

export interface ExitSite {
  readonly from: Ccf;
  /** TC offset of the 5-byte stub. */
  readonly at: number;
  /** Guest EIP of the successor (same CS and context as `from`). */
  readonly target: number;
  chained: Ccf | null;
}

/** A callout or exit, found by the trap EIP (the TC address after its `int`). */
export interface CalloutSite {
  readonly kind: CalloutKind;
  readonly reason: Reason;
  readonly ccf: Ccf;
  readonly guestEip: number;
  readonly nextEip: number;
  /** EXIT: the guest successor. */
  readonly target: number;
  /** EXIT: the stub, for `chain`. */
  readonly exit: ExitSite | null;
  /** INSN: the decoded guest instruction. */
  readonly insn: Instruction | null;
  /** Linear address after the `int`: resume here to continue the CCF after an INSN callout. */
  readonly resume: number;
}

/** The guest instruction a TC address belongs to. */
export interface TcLocation {
  ccf: Ccf;
  index: number;
  guestEip: number;
  guestLength: number;
  /** FS holds the guest's GS at this point (a GS-rewritten instruction). */
  fsHoldsGs: boolean;
}

/** The first instruction of a requested TU cannot be fetched: raise the guest fault at `linear`. */
export interface FetchFault {
  readonly fetchFault: true;
  readonly eip: number;
  readonly linear: number;
}

export interface CacheStats {
  translations: number;
  guestInstructions: number;
  lookups: number;
  misses: number;
  chainPatches: number;
  unchains: number;
  /** CCFs invalidated by writes to their guest pages. */
  invalidations: number;
  /** Page-write notifications that hit at least one CCF. */
  invalidatedPages: number;
  flushes: number;
  /** Bytes allocated in the arena since the last flush, and the arena's size. */
  used: number;
  capacity: number;
  /** CCFs currently reachable by lookup. */
  live: number;
}

const STUB = [0xcd, 0, 0x0f, 0x1f, 0x00];
const TWO32 = 0x100000000;

export class TranslationCache {
  private readonly units: UnitDecoder;
  private readonly translator: Translator;
  private readonly byKey = new Map<number, Ccf>();
  private readonly byPage = new Map<number, Ccf[]>();
  private readonly sites = new Map<number, CalloutSite>();
  /** CCFs in allocation order (ascending `start`), for locating TC addresses. */
  private order: Ccf[] = [];
  private top = 0;
  private readonly mem: Uint8Array;
  private readonly base: number;
  readonly stats: CacheStats;

  constructor(private readonly ports: DbtPorts) {
    this.units = new UnitDecoder(ports.code);
    this.translator = new Translator({ vector: ports.callout.vector });
    this.mem = ports.tc.bytes;
    this.base = ports.tc.linearBase >>> 0;
    STUB[1] = ports.callout.vector;
    this.stats = {
      translations: 0, guestInstructions: 0, lookups: 0, misses: 0, chainPatches: 0, unchains: 0,
      invalidations: 0, invalidatedPages: 0, flushes: 0, used: 0, capacity: this.mem.length, live: 0,
    };
  }

  private static key(eip: number, ctx: TranslationContext): number {
    return ((ctx.mode * 2 + (ctx.bits === 16 ? 1 : 0)) * TWO32) + (eip >>> 0);
  }

  /** The CCF for `eip` under `ctx`, if translated (the indirect-target hash lookup). */
  lookup(eip: number, ctx: TranslationContext): Ccf | undefined {
    this.stats.lookups++;
    const c = this.byKey.get(TranslationCache.key(eip, ctx));
    return c !== undefined && c.ctx.csBase === ctx.csBase ? c : undefined;
  }

  /** The CCF for `eip`, translating on a miss. */
  get(eip: number, ctx: TranslationContext): Ccf | FetchFault {
    const hit = this.lookup(eip, ctx);
    if (hit !== undefined) return hit;
    this.stats.misses++;
    return this.translate(eip, ctx);
  }

  /** Linear address to run the translation of `eip` from (translating on a miss). */
  entry(eip: number, ctx: TranslationContext): number | FetchFault {
    const c = this.get(eip, ctx);
    return c instanceof Ccf ? (this.base + c.start) >>> 0 : c;
  }

  /** Translates `eip` now (replacing a CCF with the same key). */
  translate(eip: number, ctx: TranslationContext): Ccf | FetchFault {
    const u = this.units.decode(eip >>> 0, ctx.csBase, ctx.bits);
    if (u.count === 0) return { fetchFault: true, eip, linear: u.faultLinear };
    const t = this.translator.translate(u);
    const size = t.code.length;
    if (size > this.mem.length) throw new Error(`dbt: a CCF of ${size} bytes exceeds the translation cache`);
    if (this.top + size > this.mem.length) this.flush();
    const start = this.top;
    this.top += size;
    this.stats.used = this.top;
    this.mem.set(t.code, start);
    const mapTc = t.mapTc.map((p) => p + start);
    const key = TranslationCache.key(eip, ctx);
    const ccf = new Ccf(key, eip >>> 0, { ...ctx }, start, size, mapTc, t.mapEip, t.mapLen, t.mapFlags, [...u.pages], u.count);
    const old = this.byKey.get(key);
    if (old !== undefined) this.invalidate(old);
    this.byKey.set(key, ccf);
    this.order.push(ccf);
    for (const p of ccf.pages) {
      let list = this.byPage.get(p);
      if (list === undefined) {
        list = [];
        this.byPage.set(p, list);
        this.ports.trace.trace(p);
      }
      list.push(ccf);
    }
    const exitAt = new Map<number, ExitSite>();
    for (const e of t.exits) {
      const site: ExitSite = { from: ccf, at: start + e.at, target: e.target, chained: null };
      ccf.exits.push(site);
      exitAt.set(e.at + 2, site);
    }
    for (const s of t.callouts) {
      const resume = (this.base + start + s.after) >>> 0;
      ccf.siteOffs.push(start + s.after);
      this.sites.set(start + s.after, {
        kind: s.kind, reason: s.reason, ccf, guestEip: s.guestEip, nextEip: s.nextEip, target: s.target,
        exit: s.kind === CalloutKind.EXIT ? (exitAt.get(s.after) ?? null) : null, insn: s.insn, resume,
      });
    }
    this.ports.tc.written(start, size);
    this.stats.translations++;
    this.stats.guestInstructions += u.count;
    this.stats.live = this.byKey.size;
    // Successors translated earlier are chained at once (a self-loop chains to itself).
    for (const site of ccf.exits) {
      const target = this.lookup(site.target, ctx);
      if (target !== undefined) this.patch(site, target);
    }
    return ccf;
  }

  /** The callout or exit whose `int` the hardware trapped on, by the trap EIP (linear). */
  callout(trapEip: number): CalloutSite | undefined {
    return this.sites.get(((trapEip >>> 0) - this.base) >>> 0);
  }

  /**
   * Handles an EXIT callout: translates the successor if needed and patches the stub into a
   * direct jump. Returns the linear address to continue at, or the fetch fault of the target.
   */
  chain(site: CalloutSite): number | FetchFault {
    const exit = site.exit;
    if (exit === null) throw new Error('dbt: chain() on a callout that is not an exit');
    const target = this.get(exit.target, exit.from.ctx);
    if (!(target instanceof Ccf)) return target;
    // Translating the target may have flushed the cache, taking the source with it.
    if (exit.from.valid && exit.chained === null) this.patch(exit, target);
    return (this.base + target.start) >>> 0;
  }

  private patch(site: ExitSite, target: Ccf): void {
    const at = site.at;
    const rel = target.start - (at + 5);
    const m = this.mem;
    m[at] = 0xe9;
    m[at + 1] = rel & 0xff;
    m[at + 2] = (rel >>> 8) & 0xff;
    m[at + 3] = (rel >>> 16) & 0xff;
    m[at + 4] = (rel >>> 24) & 0xff;
    site.chained = target;
    target.incoming.push(site);
    this.ports.tc.written(at, 5);
    this.stats.chainPatches++;
  }

  private unpatch(site: ExitSite): void {
    this.mem.set(STUB, site.at);
    site.chained = null;
    this.ports.tc.written(site.at, 5);
    this.stats.unchains++;
  }

  /** Drops one CCF: unchains the stubs that enter it, forgets its key, sites and pages. */
  invalidate(ccf: Ccf): void {
    if (!ccf.valid) return;
    ccf.valid = false;
    this.drop(ccf);
  }

  private drop(ccf: Ccf): void {
    this.stats.invalidations++;
    for (const s of ccf.incoming) if (s.from.valid && s.chained === ccf) this.unpatch(s);
    ccf.incoming.length = 0;
    for (const s of ccf.exits) {
      const t = s.chained;
      if (t !== null) {
        const k = t.incoming.indexOf(s);
        if (k >= 0) t.incoming.splice(k, 1);
        s.chained = null;
      }
    }
    if (this.byKey.get(ccf.key) === ccf) this.byKey.delete(ccf.key);
    for (const off of ccf.siteOffs) if (this.sites.get(off)?.ccf === ccf) this.sites.delete(off);
    for (const p of ccf.pages) {
      const list = this.byPage.get(p);
      if (list === undefined) continue;
      const k = list.indexOf(ccf);
      if (k >= 0) list.splice(k, 1);
      if (list.length === 0) {
        this.byPage.delete(p);
        this.ports.trace.untrace(p);
      }
    }
    this.stats.live = this.byKey.size;
  }

  /**
   * The trace port's notification: guest-physical page `page` was written. Every CCF taken
   * from it is invalidated; retranslation happens on the next execution. Returns how many.
   */
  onCodeWrite(page: number): number {
    const list = this.byPage.get(page);
    if (list === undefined) return 0;
    const victims = [...list];
    // All of them die before any is dropped, so jumps between victims are not unchained
    // one by one only to be discarded.
    for (const c of victims) c.valid = false;
    for (const c of victims) this.drop(c);
    this.stats.invalidatedPages++;
    return victims.length;
  }

  /** Empties the cache: every CCF, chain, site and trace goes. */
  flush(): void {
    for (const p of this.byPage.keys()) this.ports.trace.untrace(p);
    for (const c of this.order) c.valid = false;
    this.byPage.clear();
    this.byKey.clear();
    this.sites.clear();
    this.order = [];
    this.top = 0;
    this.stats.flushes++;
    this.stats.used = 0;
    this.stats.live = 0;
  }

  /** The guest instruction executing at TC linear address `eip` (for precise faults). */
  locate(eip: number): TcLocation | undefined {
    const off = ((eip >>> 0) - this.base) >>> 0;
    const o = this.order;
    let lo = 0;
    let hi = o.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = o[mid] as Ccf;
      if (off < c.start) hi = mid - 1;
      else if (off >= c.start + c.size) lo = mid + 1;
      else {
        const m = c.mapTc;
        let a = 0;
        let b = m.length - 1;
        while (a < b) {
          const k = (a + b + 1) >> 1;
          if ((m[k] as number) <= off) a = k;
          else b = k - 1;
        }
        return {
          ccf: c, index: a, guestEip: c.mapEip[a] as number, guestLength: c.mapLen[a] as number,
          fsHoldsGs: (c.mapFlags[a] as number) !== 0,
        };
      }
    }
    return undefined;
  }

  /** Guest-physical pages that currently hold translated code. */
  tracedPages(): number[] {
    return [...this.byPage.keys()];
  }
}
