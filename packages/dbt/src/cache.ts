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
import { Emitter, R32, writeU32 } from './emit.js';
import { CalloutKind, Translator } from './translate.js';
import { Reason, UnitDecoder } from './unit.js';
import { VCPU } from './vcpu-area.js';

export interface TranslationContext {
  /** Guest CS base (fetch address = csBase + eip). */
  csBase: number;
  /** Guest code size. */
  bits: 16 | 32;
  /**
   * Virtual CPL <= virtual IOPL: cli runs in-TC. When false (guest user code under BT with
   * IOPL < CPL), cli is a callout so the monitor can raise #GP.
   */
  cliInTc: boolean;
  /**
   * Everything else the translation may assume, as a small non-negative integer chosen by
   * the caller (virtual CPL, flat data segments…). Must be < 2^18.
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
    /** Per guest instruction: TC offset where its sequence ends. */
    readonly mapEnd: Int32Array,
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
  /** TC offset of the rel32 of the jcc whose taken path is this stub, or -1. */
  readonly jcc: number;
  chained: Ccf | null;
}

/** A callout or exit, found by the trap EIP (the TC address after its `int`). */
export interface CalloutSite {
  readonly kind: CalloutKind;
  readonly reason: Reason;
  /** The CCF the site belongs to; null for the shared indirect-target probe's miss. */
  readonly ccf: Ccf | null;
  /** Guest EIP of the instruction (-1 for the probe's miss: the target is in gs:[TARGET]). */
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
  /** Linear TC address of the instruction's sequence start and end (stubs of a transfer included). */
  seqStart: number;
  seqEnd: number;
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
  /** CCFs dropped at lookup because their guest code pages are now mapped elsewhere. */
  remapped: number;
}

const STUB: readonly number[] = [0xcd, 0, 0x0f, 0x1f, 0x00];
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
  private readonly stub: number[];
  /** The per-vCPU area (indirect-target table), when the caller gave it. */
  private readonly area: DataView | null;
  /** TC offset of the indirect-target probe, and of its miss path (what empty slots point at). */
  private probeStart = -1;
  private probeMiss = -1;
  /** The context the indirect-target table's entries belong to. */
  private hashCtx: TranslationContext | null = null;
  readonly stats: CacheStats;

  constructor(private readonly ports: DbtPorts) {
    this.units = new UnitDecoder(ports.code);
    const a = ports.area;
    this.area = a !== undefined ? new DataView(a.buffer, a.byteOffset, a.byteLength) : null;
    if (a !== undefined && a.byteLength < VCPU.SIZE) throw new Error(`dbt: the per-vCPU area needs ${VCPU.SIZE} bytes`);
    this.translator = new Translator({ vector: ports.callout.vector, probe: this.area !== null });
    this.mem = ports.tc.bytes;
    this.base = ports.tc.linearBase >>> 0;
    this.stub = [...STUB];
    this.stub[1] = ports.callout.vector;
    this.stats = {
      translations: 0, guestInstructions: 0, lookups: 0, misses: 0, chainPatches: 0, unchains: 0,
      invalidations: 0, invalidatedPages: 0, flushes: 0, used: 0, capacity: this.mem.length, live: 0, remapped: 0,
    };
    this.installProbe();
  }

  /**
   * The shared indirect-target probe, at the start of the arena (re-emitted after a flush).
   * Flag-free: the guest's arithmetic flags are live across it. Only EAX and ECX are used,
   * saved in the vCPU area and restored on both paths.
   */
  private installProbe(): void {
    if (this.area === null) return;
    const e = new Emitter(128);
    e.movGsReg(VCPU.SAVE_EAX, R32.EAX);
    e.movGsReg(VCPU.SAVE_ECX, R32.ECX);
    e.movRegGs(R32.ECX, VCPU.TARGET);
    e.movzxRegReg8(R32.EAX, R32.ECX);
    e.movRegGsIndex8(R32.EAX, VCPU.HASH, R32.EAX);
    e.leaAdd(R32.ECX, R32.ECX, R32.EAX); // zero iff the slot's key is -target
    const hit = e.jecxz(0);
    const miss = e.pos;
    e.movRegGs(R32.ECX, VCPU.SAVE_ECX);
    e.movRegGs(R32.EAX, VCPU.SAVE_EAX);
    e.int(this.ports.callout.vector);
    const after = e.pos;
    e.buf[hit] = e.pos - (hit + 1);
    e.movzxRegGs8(R32.EAX, VCPU.TARGET);
    e.movRegGsIndex8(R32.EAX, VCPU.HASH + 4, R32.EAX);
    e.movGsReg(VCPU.JUMP, R32.EAX);
    e.movRegGs(R32.ECX, VCPU.SAVE_ECX);
    e.movRegGs(R32.EAX, VCPU.SAVE_EAX);
    e.jmpGs(VCPU.JUMP);
    const code = e.bytes();
    const start = this.top;
    this.mem.set(code, start);
    this.top += code.length;
    this.stats.used = this.top;
    this.probeStart = start;
    this.probeMiss = start + miss;
    this.sites.set(start + after, {
      kind: CalloutKind.INDIRECT, reason: Reason.NONE, ccf: null, guestEip: -1, nextEip: -1, target: 0, exit: null,
      insn: null, resume: (this.base + start + after) >>> 0,
    });
    this.ports.tc.written(start, code.length);
    this.clearHash();
  }

  private clearHash(): void {
    const a = this.area;
    if (a === null) return;
    const miss = (this.base + this.probeMiss) >>> 0;
    for (let i = 0; i < VCPU.HASH_ENTRIES; i++) {
      a.setUint32(VCPU.HASH + i * 8, 0, true);
      a.setUint32(VCPU.HASH + i * 8 + 4, miss, true);
    }
    this.hashCtx = null;
  }

  /** The indirect-target table holds entries of one context; another one empties it. */
  private useContext(ctx: TranslationContext): void {
    const h = this.hashCtx;
    if (h !== null && h.mode === ctx.mode && h.bits === ctx.bits && h.csBase === ctx.csBase && h.cliInTc === ctx.cliInTc) {
      return;
    }
    if (h !== null) this.clearHash();
    this.hashCtx = { ...ctx };
  }

  /**
   * Handles an INDIRECT callout: `target` is the guest EIP the code left for (the monitor
   * reads it from gs:[VCPU.TARGET]). Translates on a miss, enters the target in the
   * indirect-target table, and returns the linear address to continue at.
   */
  indirect(target: number, ctx: TranslationContext): number | FetchFault {
    const c = this.get(target >>> 0, ctx);
    if (!(c instanceof Ccf)) return c;
    const a = this.area;
    if (a !== null) {
      this.useContext(ctx);
      const slot = VCPU.HASH + (target & 0xff) * 8;
      a.setUint32(slot, -(target >>> 0) >>> 0, true);
      a.setUint32(slot + 4, (this.base + c.start) >>> 0, true);
    }
    return (this.base + c.start) >>> 0;
  }

  private static key(eip: number, ctx: TranslationContext): number {
    return ((ctx.mode * 4 + (ctx.cliInTc ? 2 : 0) + (ctx.bits === 16 ? 1 : 0)) * TWO32) + (eip >>> 0);
  }

  /** The CCF for `eip` under `ctx`, if translated (the indirect-target hash lookup). */
  lookup(eip: number, ctx: TranslationContext): Ccf | undefined {
    this.stats.lookups++;
    const c = this.byKey.get(TranslationCache.key(eip, ctx));
    if (c === undefined || c.ctx.csBase !== ctx.csBase) return undefined;
    if (!this.stillMapped(c, eip)) {
      // The guest remapped the code's linear pages (PTE + INVLPG, or another CR3): the
      // translation is of bytes `eip` no longer names. Chained jumps bypass this check, so
      // the caller unchains everything when the guest's mappings change (requestExit).
      this.stats.remapped++;
      this.invalidate(c);
      return undefined;
    }
    return c;
  }

  /** Whether the linear pages of `eip`'s translation still map the guest-physical pages it was made from. */
  private stillMapped(c: Ccf, eip: number): boolean {
    const pages = c.pages;
    if (pages.length === 0) return true;
    const linear = (c.ctx.csBase + eip) >>> 0;
    if (this.ports.code.physPage(linear) !== pages[0]) return false;
    return pages.length < 2 || this.ports.code.physPage(((linear & ~0xfff) + 0x1000) >>> 0) === pages[1];
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
    this.useContext(ctx);
    const c = this.get(eip, ctx);
    return c instanceof Ccf ? (this.base + c.start) >>> 0 : c;
  }

  /** Translates `eip` now (replacing a CCF with the same key). */
  translate(eip: number, ctx: TranslationContext): Ccf | FetchFault {
    const u = this.units.decode(eip >>> 0, ctx.csBase, ctx.bits);
    if (u.count === 0) return { fetchFault: true, eip, linear: u.faultLinear };
    const t = this.translator.translate(u, ctx.cliInTc);
    const size = t.code.length;
    if (size > this.mem.length) throw new Error(`dbt: a CCF of ${size} bytes exceeds the translation cache`);
    if (this.top + size > this.mem.length) this.flush();
    if (this.top + size > this.mem.length) throw new Error(`dbt: a CCF of ${size} bytes does not fit beside the probe`);
    const start = this.top;
    this.top += size;
    this.stats.used = this.top;
    this.mem.set(t.code, start);
    const mapTc = t.mapTc.map((p) => p + start);
    const key = TranslationCache.key(eip, ctx);
    const mapEnd = t.mapEnd.map((p) => p + start);
    const ccf = new Ccf(
      key, eip >>> 0, { ...ctx }, start, size, mapTc, t.mapEip, t.mapLen, t.mapFlags, mapEnd, [...u.pages], u.count,
    );
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
      const site: ExitSite = { from: ccf, at: start + e.at, target: e.target, jcc: e.jcc < 0 ? -1 : start + e.jcc, chained: null };
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
    for (const j of t.probeJumps) writeU32(this.mem, start + j, this.probeStart - (start + j + 4));
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
    const m = this.mem;
    m[at] = 0xe9;
    writeU32(m, at + 1, target.start - (at + 5));
    // A taken jcc goes straight to the target instead of through its stub.
    if (site.jcc >= 0) {
      writeU32(m, site.jcc, target.start - (site.jcc + 4));
      this.ports.tc.written(site.jcc, 4);
    }
    site.chained = target;
    target.incoming.push(site);
    this.ports.tc.written(at, 5);
    this.stats.chainPatches++;
  }

  private unpatch(site: ExitSite): void {
    this.mem.set(this.stub, site.at);
    if (site.jcc >= 0) {
      writeU32(this.mem, site.jcc, site.at - (site.jcc + 4));
      this.ports.tc.written(site.jcc, 4);
    }
    site.chained = null;
    this.ports.tc.written(site.at, 5);
    this.stats.unchains++;
  }

  /**
   * Makes running translated code reach the monitor at the next CCF boundary (brief §2.4:
   * a virtual interrupt became pending): every chained exit becomes a callout again and the
   * indirect-target table empties. The guest is then between two guest instructions: at an
   * EXIT site its EIP is the site's `target`, at an INDIRECT one it is gs:[TARGET]. Chains
   * come back lazily as exits run. Returns how many jumps were unchained.
   */
  requestExit(): number {
    let n = 0;
    for (const c of this.order) {
      if (!c.valid) continue;
      for (const s of c.exits) {
        const t = s.chained;
        if (t === null) continue;
        this.unpatch(s);
        const k = t.incoming.indexOf(s);
        if (k >= 0) t.incoming.splice(k, 1);
        n++;
      }
    }
    this.clearHash();
    return n;
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
    const a = this.area;
    if (a !== null) {
      const slot = VCPU.HASH + (ccf.eip & 0xff) * 8;
      if (a.getUint32(slot + 4, true) === ((this.base + ccf.start) >>> 0)) {
        a.setUint32(slot, 0, true);
        a.setUint32(slot + 4, (this.base + this.probeMiss) >>> 0, true);
      }
    }
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
    this.installProbe();
  }

  /**
   * The guest instruction executing at TC linear address `eip` (for precise faults).
   *
   * A fault before a sequence's first guest-visible write leaves the guest exactly before
   * `guestEip`. A trace fault on a later write of the same sequence (pushf rewriting its
   * slot) does not: emulate the faulting TC instruction and resume after it. If that write
   * invalidated this CCF, the bytes after `seqEnd` may be stale: run (or interpret) only up
   * to `seqEnd`, then re-enter at `guestEip + guestLength` through `entry`.
   */
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
          seqStart: (this.base + (m[a] as number)) >>> 0, seqEnd: (this.base + (c.mapEnd[a] as number)) >>> 0,
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
