// The shadow MMU: caching shadow page tables, fault triage, guest A/D bits and the trace
// service (vmware-monitor.md §4).
//
// Structures. Shadow tables (directories and page tables) come from one fixed pool of
// slots; slot s owns a host page of monitor memory and a mirror of its 1024 entries in
// `mirror[s * 1024 ...]`, so the fault path never reads host memory back. A root is one
// shadow directory for (guest CR3, kind); its page tables belong to it alone (no sharing
// between roots: simpler coherency, at the price of re-filling kernel mappings once per
// address space). Directory slot 1023 of every root holds the caller's monitor PDE.
//
// Coherency. Every guest page that a root uses as its directory, and every guest page
// table that a shadow page table mirrors, carries a write trace held by the shadow MMU
// itself, so guest mappings of those pages are read-only and the guest's stores come back
// through writeGuestPhys, which drops the affected shadow entries (vmware-monitor.md §4.4,
// "drop; the next access refills"). Stores that only set A or D are ignored: the shadow
// never depends on them being clear.
//
// Backmap. Each present shadow PTE (index e = slot * 1024 + i) is on a doubly linked list
// headed at bmHead[guest page it maps], so installing a trace downgrades (write trace) or
// drops (read/write trace) every mapping of that page at once.
//
// Composition of a shadow PTE (invariant 5: never more than the guest, pmap and traces allow):
// - present only if the guest walk allows the faulting access; A is preset so the hardware
//   never writes back into the shadow;
// - U/S copied from the guest path (kernel roots), so DE code at CPL 3 meets the guest's
//   user/supervisor split while CPL-1 translated kernel code reaches everything;
// - RW only if the guest path allows writes, the guest dirty bit is already set (dirty-bit
//   emulation: the first write faults and sets D) and no trace is on the page;
// - guest CR0.WP = 0 lets the guest kernel write read-only pages. The hardware must run
//   with CR0.WP = 1 (or traces and dirty emulation would not stop CPL-1 writes), so a
//   supervisor write to such a page is filled writable but supervisor-only: user code
//   then takes a hidden fault and gets the read-only user mapping back;
// - G only in kernel roots with guest CR4.PGE. Leaving a kernel root for a user-only or
//   physical root flushes the whole hardware TLB so no global entry leaks across;
// - guest 4 MiB pages are shadowed by 4 KiB shadow pages in a page table private to the
//   directory entry (the guest PDE is traced through the directory page).
//
// Pool exhaustion evicts the least recently used root other than the current one; with
// none left, the current root's page tables are dropped.

import {
  CR0_PG,
  CR0_WP,
  CR4_PGE,
  CR4_PSE,
  FAULT_HIDDEN,
  FAULT_MMIO,
  FAULT_MONITOR,
  FAULT_TRACE,
  FAULT_TRUE,
  MONITOR_BASE,
  MONITOR_PDI,
  PF_P,
  PF_U,
  PF_W,
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_P,
  PTE_PS,
  PTE_RW,
  PTE_US,
  ROOT_KERNEL,
  ROOT_PHYSICAL,
  ROOT_USER,
  TRACE_RW,
  TRACE_WRITE,
  type FaultClass,
  type RootKind,
  type TraceKind,
} from './constants.js';
import { Pmap } from './pmap.js';
import type { ShadowMmuPorts, TraceOwner } from './ports.js';

export interface ShadowMmuOptions {
  /**
   * The value of directory entry 1023 in every root: a PDE pointing at the monitor's page
   * table (host-physical). Must be present and supervisor-only.
   */
  monitorPde: number;
  /** Guest-physical pages the guest may address (default 2^20: all of 4 GiB). */
  guestPages?: number;
  /** Host-physical pages (default 2^20). */
  hostPages?: number;
  /** Shadow tables in the pool, directories included (default 1024, i.e. 4 MiB of monitor memory). */
  maxTables?: number;
  /** Cached roots (default 32). */
  maxRoots?: number;
}

/** Filled by triage(); reused, never reallocated. */
export interface FaultInfo {
  cls: FaultClass;
  /** The faulting linear address (CR2 to reflect on a true fault). */
  lin: number;
  /** The guest-physical address of the access (trace and MMIO faults). */
  gpa: number;
  /** The guest's #PF error code (true faults). */
  error: number;
}

export interface ShadowMmuStats {
  hidden: number;
  true: number;
  trace: number;
  mmio: number;
  monitor: number;
  /** Shadow PTEs dropped because a traced guest page-table entry or directory entry changed. */
  coherencyDrops: number;
  /** Shadow page tables given up because the guest kept writing them without using them. */
  unshadowed: number;
  rootSwitches: number;
  rootEvictions: number;
}

interface Root {
  kind: RootKind;
  /** Guest CR3 page frame (address & ~0xfff); -1 for the physical root. */
  cr3: number;
  dirSlot: number;
  /** PT slot per directory index, -1 when the shadow PDE is empty. */
  child: Int32Array;
  stamp: number;
}

interface TraceRecord {
  gpn: number;
  kind: TraceKind;
  owner: TraceOwner;
}

const SLOT_FREE = 0;
const SLOT_DIR = 1;
const SLOT_PT = 2;

/** Guest stores to a shadowed page table, with no fill through it in between, before it is unshadowed. */
const UNSHADOW_AFTER_WRITES = 64;

const SHADOW_PDE_BITS = PTE_P | PTE_RW | PTE_US | PTE_A;

export class ShadowMmu {
  readonly pmap: Pmap;
  readonly fault: FaultInfo = { cls: FAULT_HIDDEN, lin: 0, gpa: 0, error: 0 };
  readonly stats: ShadowMmuStats = {
    hidden: 0,
    true: 0,
    trace: 0,
    mmio: 0,
    monitor: 0,
    coherencyDrops: 0,
    unshadowed: 0,
    rootSwitches: 0,
    rootEvictions: 0,
  };
  /** The #PF error code of the last guestTranslate that returned -1. */
  walkError = 0;

  private readonly ports: ShadowMmuPorts;
  private readonly monitorPde: number;
  private readonly guestPages: number;
  private readonly maxTables: number;

  // Slot pool.
  private readonly mirror: Int32Array;
  private readonly slotHost: Int32Array;
  private readonly slotKind: Uint8Array;
  private readonly slotRoot: Int32Array;
  private readonly slotPdi: Int32Array;
  private readonly slotGpn: Int32Array;
  private readonly slotNext: Int32Array; // free list, or the per-guest-page list of PT shadows
  private readonly slotPrev: Int32Array;
  private readonly slotWrites: Uint16Array;
  private freeHead: number;
  /** Host pages that hold shadow tables: the pmap must never hand them to the guest. */
  private readonly isShadowHost: Uint8Array;

  // Backmap.
  private readonly bmHead: Int32Array;
  private readonly bmNext: Int32Array;
  private readonly bmPrev: Int32Array;
  private readonly bmGpn: Int32Array;

  // Per guest page.
  private readonly wCount: Uint16Array; // write traces, internal ones included
  private readonly rwCount: Uint16Array;
  private readonly extCount: Uint16Array; // traces with an external owner
  private readonly ptHead: Int32Array; // PT slots that shadow this guest page table
  private readonly pdUse: Uint16Array; // roots whose guest directory is this page
  private readonly owners = new Map<number, TraceRecord[]>();
  private readonly traces = new Map<number, TraceRecord>();
  private nextTraceId = 1;

  // Roots.
  private readonly roots: (Root | undefined)[];
  private cur = -1;
  private clock = 0;

  // Guest control state.
  private paging = false;
  private wp = false;
  private pse = false;
  private pge = false;

  // Results of the last guest walk (no allocation on the fault path).
  private wRights = 0;
  private wDirty = false;
  private wGlobal = false;
  private wPtGpn = -1;

  constructor(ports: ShadowMmuPorts, options: ShadowMmuOptions) {
    const pde = options.monitorPde | 0;
    // The monitor's table must never be reachable from CPL 3 or be absent from a root.
    if ((pde & PTE_P) === 0) throw new Error('monitorPde must be present');
    if ((pde & PTE_US) !== 0) throw new Error('monitorPde must be supervisor-only');
    if ((pde & PTE_PS) !== 0) throw new Error('monitorPde must point at a page table');
    this.ports = ports;
    this.monitorPde = pde;
    this.guestPages = options.guestPages ?? 1 << 20;
    const hostPages = options.hostPages ?? 1 << 20;
    this.maxTables = Math.max(2, options.maxTables ?? 1024);
    const n = this.maxTables;
    this.pmap = new Pmap(this.guestPages, hostPages);
    this.mirror = new Int32Array(n * 1024);
    this.slotHost = new Int32Array(n).fill(-1);
    this.slotKind = new Uint8Array(n);
    this.slotRoot = new Int32Array(n).fill(-1);
    this.slotPdi = new Int32Array(n);
    this.slotGpn = new Int32Array(n).fill(-1);
    this.slotNext = new Int32Array(n);
    this.slotPrev = new Int32Array(n).fill(-1);
    this.slotWrites = new Uint16Array(n);
    for (let s = 0; s < n; s++) this.slotNext[s] = s + 1 < n ? s + 1 : -1;
    this.freeHead = 0;
    this.isShadowHost = new Uint8Array(hostPages);
    this.bmHead = new Int32Array(this.guestPages).fill(-1);
    this.bmNext = new Int32Array(n * 1024).fill(-1);
    this.bmPrev = new Int32Array(n * 1024).fill(-1);
    this.bmGpn = new Int32Array(n * 1024).fill(-1);
    this.wCount = new Uint16Array(this.guestPages);
    this.rwCount = new Uint16Array(this.guestPages);
    this.extCount = new Uint16Array(this.guestPages);
    this.ptHead = new Int32Array(this.guestPages).fill(-1);
    this.pdUse = new Uint16Array(this.guestPages);
    this.roots = new Array<Root | undefined>(Math.max(1, options.maxRoots ?? 32)).fill(undefined);
  }

  // ---------------------------------------------------------------- guest control, roots

  /**
   * The guest's CR0 and CR4 (PG, WP, PSE, PGE). A change of WP, PSE or PGE changes how
   * shadows are composed, so every root is dropped; call activate() before resuming.
   */
  setGuestControl(cr0: number, cr4: number): void {
    const wp = (cr0 & CR0_WP) !== 0;
    const pse = (cr4 & CR4_PSE) !== 0;
    const pge = (cr4 & CR4_PGE) !== 0;
    this.paging = (cr0 & CR0_PG) !== 0;
    if (wp === this.wp && pse === this.pse && pge === this.pge) return;
    this.wp = wp;
    this.pse = pse;
    this.pge = pge;
    this.dropAllRoots();
  }

  /**
   * Selects the shadow root for the guest's address space and returns its host-physical
   * address, for the caller to load into the hardware CR3. `userOnly` asks for the root
   * that holds only user-accessible mappings (CPL-3 guest code under BT). With guest
   * paging off, the physical root is returned whatever the arguments.
   */
  activate(guestCr3: number, userOnly: boolean): number {
    let kind: RootKind;
    let cr3: number;
    if (!this.paging) {
      kind = ROOT_PHYSICAL;
      cr3 = -1;
    } else {
      kind = userOnly ? ROOT_USER : ROOT_KERNEL;
      cr3 = (guestCr3 & ~0xfff) >>> 0;
    }
    let idx = this.findRoot(kind, cr3);
    if (idx < 0) idx = this.createRoot(kind, cr3);
    const root = this.roots[idx] as Root;
    root.stamp = ++this.clock;
    if (idx !== this.cur) {
      const prev = this.cur >= 0 ? this.roots[this.cur] : undefined;
      // Global shadow entries exist only in kernel roots; anything else must not inherit them.
      if (prev !== undefined && prev.kind === ROOT_KERNEL && this.pge && kind !== ROOT_KERNEL) this.ports.flushTlb();
      this.cur = idx;
      this.stats.rootSwitches++;
    }
    return this.hostAddr(root.dirSlot);
  }

  /** The host-physical address of the current root (for hardware CR3), or -1 before activate(). */
  currentRootAddress(): number {
    const root = this.cur >= 0 ? this.roots[this.cur] : undefined;
    return root === undefined ? -1 : this.hostAddr(root.dirSlot);
  }

  /** The cached roots (for statistics, debugging and tests). Allocates: not for the fault path. */
  listRoots(): { kind: RootKind; cr3: number; address: number; current: boolean }[] {
    const out: { kind: RootKind; cr3: number; address: number; current: boolean }[] = [];
    for (let r = 0; r < this.roots.length; r++) {
      const root = this.roots[r];
      if (root !== undefined) {
        out.push({ kind: root.kind, cr3: root.cr3, address: this.hostAddr(root.dirSlot), current: r === this.cur });
      }
    }
    return out;
  }

  /** Guest INVLPG: drops the shadow entry of that page in the current address space's roots. */
  invlpg(lin: number): void {
    lin >>>= 0;
    if (lin >= MONITOR_BASE) return;
    const root = this.cur >= 0 ? this.roots[this.cur] : undefined;
    if (root !== undefined && root.kind !== ROOT_PHYSICAL) {
      const pdi = lin >>> 22;
      const i = (lin >>> 12) & 1023;
      for (let r = 0; r < this.roots.length; r++) {
        const other = this.roots[r];
        if (other === undefined || other.cr3 !== root.cr3) continue;
        const s = other.child[pdi] as number;
        if (s >= 0) this.dropPte(s, i);
      }
    }
    this.ports.invalidatePage(lin);
  }

  /** Drops every root and flushes the hardware TLB (e.g. on reset). */
  dropAllRoots(): void {
    for (let r = 0; r < this.roots.length; r++) if (this.roots[r] !== undefined) this.destroyRoot(r);
    this.cur = -1;
    this.ports.flushTlb();
  }

  // ---------------------------------------------------------------- pmap

  /** Backs guest page `gpn` with host page `hpn`, dropping shadows of any previous backing. */
  mapGuestPage(gpn: number, hpn: number): void {
    if (hpn >= 0 && hpn < this.isShadowHost.length && this.isShadowHost[hpn] !== 0) {
      throw new Error(`host page ${hpn} holds a shadow table`);
    }
    if (this.pmap.hostOf(gpn) >= 0) this.unmapGuestPage(gpn);
    this.pmap.set(gpn, hpn);
  }

  /** Removes the backing of a guest page and every shadow entry that maps it. */
  unmapGuestPage(gpn: number): void {
    if (gpn < 0 || gpn >= this.guestPages) return;
    this.dropBackmap(gpn);
    this.pmap.clear(gpn);
  }

  // ---------------------------------------------------------------- fault triage

  /**
   * Classifies a hardware #PF taken on the current root, fills the shadow on a hidden
   * fault and sets the guest's A/D bits as the hardware would. Returns the class; details
   * are in `this.fault`. The guest access is a user access when the hardware error code
   * says so (DE at CPL 3) or when the user-only root is active (CPL-3 code under BT).
   */
  triage(linear: number, errorCode: number): FaultClass {
    const lin = linear >>> 0;
    const f = this.fault;
    f.lin = lin;
    f.gpa = 0;
    f.error = 0;
    if (lin >= MONITOR_BASE) return this.classify(FAULT_MONITOR);
    const root = this.cur >= 0 ? this.roots[this.cur] : undefined;
    if (root === undefined) throw new Error('triage before activate');
    const write = (errorCode & PF_W) !== 0;

    if (root.kind === ROOT_PHYSICAL) {
      f.gpa = lin;
      const gpn = lin >>> 12;
      if (gpn >= this.guestPages) return this.classify(FAULT_MMIO);
      if (this.rwCount[gpn] !== 0 || (write && this.wCount[gpn] !== 0)) return this.classify(FAULT_TRACE);
      const hpn = this.hostFor(gpn);
      if (hpn < 0) return this.classify(FAULT_MMIO);
      this.fill(root, lin, gpn, -1, (hpn << 12) | PTE_P | PTE_US | PTE_A | PTE_RW | PTE_D);
      return this.classify(FAULT_HIDDEN);
    }

    const user = (errorCode & PF_U) !== 0 || root.kind === ROOT_USER;
    const gpa = this.walkGuest(root.cr3, lin, write, user);
    if (gpa < 0) {
      f.error = this.walkError;
      return this.classify(FAULT_TRUE);
    }
    f.gpa = gpa;
    const gpn = gpa >>> 12;
    if (gpn >= this.guestPages) return this.classify(FAULT_MMIO);
    if (this.rwCount[gpn] !== 0 || (write && this.wCount[gpn] !== 0)) return this.classify(FAULT_TRACE);
    const hpn = this.hostFor(gpn);
    if (hpn < 0) return this.classify(FAULT_MMIO);

    const rights = this.wRights;
    let pte = (hpn << 12) | PTE_P | PTE_A;
    if (root.kind === ROOT_USER) {
      pte |= PTE_US;
      if ((rights & PTE_RW) !== 0 && this.wDirty) pte |= PTE_RW | PTE_D;
    } else {
      if ((rights & PTE_US) !== 0) pte |= PTE_US;
      if ((rights & PTE_RW) !== 0) {
        if (this.wDirty) pte |= PTE_RW | PTE_D;
      } else if (write && !user && !this.wp) {
        // Guest WP = 0: the kernel may write a read-only page; users must not.
        pte = (pte & ~PTE_US) | PTE_RW | PTE_D;
      }
      if (this.wGlobal && this.pge) pte |= PTE_G;
    }
    this.fill(root, lin, gpn, this.wPtGpn, pte);
    return this.classify(FAULT_HIDDEN);
  }

  /**
   * Translates a guest linear address with the guest's own tables for an access the
   * monitor emulates (instruction fetch for the translator, interrupt frames, emulated
   * instructions), setting A/D as the hardware would. Returns the guest-physical address,
   * or -1 with the guest's #PF error code in `walkError`. Does not touch shadows.
   */
  guestTranslate(lin: number, write: boolean, user: boolean): number {
    lin >>>= 0;
    const root = this.cur >= 0 ? this.roots[this.cur] : undefined;
    if (!this.paging || root === undefined || root.kind === ROOT_PHYSICAL) return lin;
    return this.walkGuest(root.cr3, lin, write, user);
  }

  /** The guest walk for an explicit CR3 (for callers that emulate before activate()). */
  guestTranslateWith(guestCr3: number, lin: number, write: boolean, user: boolean): number {
    if (!this.paging) return lin >>> 0;
    return this.walkGuest((guestCr3 & ~0xfff) >>> 0, lin >>> 0, write, user);
  }

  // ---------------------------------------------------------------- traces

  /**
   * Traces guest page `gpn` for `owner`: TRACE_WRITE (writes fault; mappings become
   * read-only at once) or TRACE_RW (every access faults; mappings are dropped at once).
   * Returns a handle for untrace().
   */
  trace(gpn: number, kind: TraceKind, owner: TraceOwner): number {
    if (gpn < 0 || gpn >= this.guestPages) throw new RangeError(`guest page ${gpn} out of range`);
    const rec: TraceRecord = { gpn, kind, owner };
    const id = this.nextTraceId++;
    this.traces.set(id, rec);
    let list = this.owners.get(gpn);
    if (list === undefined) {
      list = [];
      this.owners.set(gpn, list);
    }
    list.push(rec);
    this.extCount[gpn] = (this.extCount[gpn] as number) + 1;
    if (kind === TRACE_RW) {
      this.rwCount[gpn] = (this.rwCount[gpn] as number) + 1;
      this.dropBackmap(gpn);
      this.ports.traceChanged?.(gpn);
    } else {
      this.addWriteTrace(gpn);
    }
    return id;
  }

  /** Removes a trace. Mappings are upgraded lazily, by the next hidden fault. */
  untrace(handle: number): void {
    const rec = this.traces.get(handle);
    if (rec === undefined) return;
    this.traces.delete(handle);
    const list = this.owners.get(rec.gpn);
    if (list !== undefined) {
      const at = list.indexOf(rec);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.owners.delete(rec.gpn);
    }
    this.extCount[rec.gpn] = (this.extCount[rec.gpn] as number) - 1;
    if (rec.kind === TRACE_RW) this.rwCount[rec.gpn] = (this.rwCount[rec.gpn] as number) - 1;
    else this.wCount[rec.gpn] = (this.wCount[rec.gpn] as number) - 1;
    this.ports.traceChanged?.(rec.gpn);
  }

  /** TRACE_WRITE and/or TRACE_RW bits for a guest page (internal page-table traces count as write). */
  traceState(gpn: number): number {
    if (gpn < 0 || gpn >= this.guestPages) return 0;
    return (this.wCount[gpn] !== 0 ? TRACE_WRITE : 0) | (this.rwCount[gpn] !== 0 ? TRACE_RW : 0);
  }

  /**
   * The monitor's emulated guest store (trace faults, emulated instructions, DMA): writes
   * guest memory, keeps shadows of traced page tables coherent, then tells the owners.
   */
  writeGuestPhys(gpa: number, size: 1 | 2 | 4, value: number): void {
    gpa >>>= 0;
    if ((gpa & 0xfff) + size > 0x1000) {
      // Straddles two pages: each byte is its own traced store.
      for (let k = 0; k < size; k++) this.writeGuestPhys((gpa + k) >>> 0, 1, (value >>> (8 * k)) & 0xff);
      return;
    }
    const gpn = gpa >>> 12;
    if (gpn >= this.guestPages || (this.wCount[gpn] === 0 && this.rwCount[gpn] === 0)) {
      this.ports.writeGuestPhys(gpa, size, value);
      return;
    }
    const mask = size === 4 ? -1 : (1 << (size * 8)) - 1;
    const tables = this.ptHead[gpn] !== -1 || this.pdUse[gpn] !== 0;
    const first = (gpa & 0xfff) >>> 2;
    const last = ((gpa & 0xfff) + size - 1) >>> 2;
    const base = (gpa & ~0xfff) >>> 0;
    let old0 = 0;
    let old1 = 0;
    if (tables) {
      old0 = this.ports.readGuestPhys(base + first * 4, 4);
      if (last !== first) old1 = this.ports.readGuestPhys(base + last * 4, 4);
    }
    const old = this.ports.readGuestPhys(gpa, size);
    this.ports.writeGuestPhys(gpa, size, value);
    if (tables) {
      this.entryWritten(gpn, first, old0, this.ports.readGuestPhys(base + first * 4, 4));
      if (last !== first) this.entryWritten(gpn, last, old1, this.ports.readGuestPhys(base + last * 4, 4));
    }
    if (this.extCount[gpn] !== 0) this.notifyWrite(gpn, gpa, size, old & mask, value & mask);
  }

  /** The monitor's emulated guest load: tells read/write-trace owners first, then reads. */
  readGuestPhys(gpa: number, size: 1 | 2 | 4): number {
    gpa >>>= 0;
    const gpn = gpa >>> 12;
    if (gpn < this.guestPages && this.rwCount[gpn] !== 0) {
      const list = this.owners.get(gpn);
      if (list !== undefined) for (const rec of list) if (rec.kind === TRACE_RW) rec.owner.onRead?.(gpa, size);
    }
    return this.ports.readGuestPhys(gpa, size);
  }

  // ---------------------------------------------------------------- internals: walk

  /** The hardware's walk (cpu-core paging.ts) on the guest's tables, A/D included. */
  private walkGuest(cr3: number, lin: number, write: boolean, user: boolean): number {
    const code = (write ? PF_W : 0) | (user ? PF_U : 0);
    const pdeAddr = (cr3 + ((lin >>> 22) << 2)) >>> 0;
    let pde = this.ports.readGuestPhys(pdeAddr, 4);
    if ((pde & PTE_P) === 0) {
      this.walkError = code;
      return -1;
    }
    if ((pde & PTE_PS) !== 0 && this.pse) {
      const rights = pde & (PTE_RW | PTE_US);
      if (!allowed(rights, write, user, this.wp)) {
        this.walkError = code | PF_P;
        return -1;
      }
      const set = PTE_A | (write ? PTE_D : 0);
      if ((pde & set) !== set) {
        const old = pde;
        pde |= set;
        this.adWrite(pdeAddr, old, pde);
      }
      this.wRights = rights;
      this.wDirty = (pde & PTE_D) !== 0;
      this.wGlobal = (pde & PTE_G) !== 0;
      this.wPtGpn = -1;
      return ((pde & 0xffc00000) | (lin & 0x3fffff)) >>> 0;
    }
    const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
    let pte = this.ports.readGuestPhys(pteAddr, 4);
    if ((pte & PTE_P) === 0) {
      this.walkError = code;
      return -1;
    }
    const rights = pde & pte & (PTE_RW | PTE_US);
    if (!allowed(rights, write, user, this.wp)) {
      this.walkError = code | PF_P;
      return -1;
    }
    if ((pde & PTE_A) === 0) {
      const old = pde;
      pde |= PTE_A;
      this.adWrite(pdeAddr, old, pde);
    }
    const set = PTE_A | (write ? PTE_D : 0);
    if ((pte & set) !== set) {
      const old = pte;
      pte |= set;
      this.adWrite(pteAddr, old, pte);
    }
    this.wRights = rights;
    this.wDirty = (pte & PTE_D) !== 0;
    this.wGlobal = (pte & PTE_G) !== 0;
    this.wPtGpn = pde >>> 12;
    return ((pte & 0xfffff000) | (lin & 0xfff)) >>> 0;
  }

  /**
   * An A/D update on the guest's behalf. Shadows never depend on A or D being clear, so
   * the shadow MMU's own page-table traces ignore it; other owners still hear of it,
   * since the hardware's store would have changed their page too.
   */
  private adWrite(gpa: number, old: number, value: number): void {
    this.ports.writeGuestPhys(gpa, 4, value);
    const gpn = gpa >>> 12;
    if (gpn < this.guestPages && this.extCount[gpn] !== 0) this.notifyWrite(gpn, gpa, 4, old, value);
  }

  private notifyWrite(gpn: number, gpa: number, size: number, old: number, value: number): void {
    const list = this.owners.get(gpn);
    if (list === undefined) return;
    // Unsigned, whatever the memory port returns, so owners compare values without care.
    const o = old >>> 0;
    const v = value >>> 0;
    for (let k = 0; k < list.length; k++) (list[k] as TraceRecord).owner.onWrite(gpa, size, o, v);
  }

  // ---------------------------------------------------------------- internals: coherency

  /** A traced guest page-table or directory entry changed from `old` to `now`. */
  private entryWritten(gpn: number, index: number, old: number, now: number): void {
    if (old === now) return;
    // Setting A or D (only) leaves every shadow valid.
    if (((old ^ now) & ~(PTE_A | PTE_D)) === 0 && (old & now) === old) return;
    let s = this.ptHead[gpn] as number;
    while (s >= 0) {
      const next = this.slotNext[s] as number;
      if ((this.mirror[s * 1024 + index] as number) !== 0) {
        this.dropPte(s, index);
        this.stats.coherencyDrops++;
      }
      // A table written again and again with no access through it in between has most
      // likely been recycled as data (vmware-monitor.md §4.4): stop shadowing and tracing it.
      const writes = (this.slotWrites[s] as number) + 1;
      this.slotWrites[s] = writes;
      if (writes >= UNSHADOW_AFTER_WRITES) {
        this.freeTable(s);
        this.stats.unshadowed++;
      }
      s = next;
    }
    if (this.pdUse[gpn] !== 0 && index !== MONITOR_PDI) {
      for (let r = 0; r < this.roots.length; r++) {
        const root = this.roots[r];
        if (root === undefined || root.kind === ROOT_PHYSICAL || root.cr3 >>> 12 !== gpn) continue;
        const s = root.child[index] as number;
        if (s >= 0) {
          this.freeTable(s);
          this.stats.coherencyDrops++;
        }
      }
    }
  }

  private addWriteTrace(gpn: number): void {
    const before = this.wCount[gpn] as number;
    this.wCount[gpn] = before + 1;
    if (before === 0) {
      this.downgradeBackmap(gpn);
      this.ports.traceChanged?.(gpn);
    }
  }

  private downgradeBackmap(gpn: number): void {
    for (let e = this.bmHead[gpn] as number; e >= 0; e = this.bmNext[e] as number) {
      const m = this.mirror[e] as number;
      if ((m & PTE_RW) === 0) continue;
      const v = m & ~(PTE_RW | PTE_D);
      this.mirror[e] = v;
      const s = e >>> 10;
      this.ports.writeHost32(this.hostAddr(s) + (e & 1023) * 4, v);
      this.invalidateIfCached(s, e & 1023, m);
    }
  }

  private dropBackmap(gpn: number): void {
    let e = this.bmHead[gpn] as number;
    while (e >= 0) {
      const next = this.bmNext[e] as number;
      this.dropPte(e >>> 10, e & 1023);
      e = next;
    }
  }

  /** A changed entry may sit in the hardware TLB if its root is loaded or it is global. */
  private invalidateIfCached(s: number, i: number, oldEntry: number): void {
    if (this.slotRoot[s] === this.cur || (oldEntry & PTE_G) !== 0) {
      this.ports.invalidatePage(((this.slotPdi[s] as number) << 22) | (i << 12));
    }
  }

  // ---------------------------------------------------------------- internals: tables

  private classify(cls: FaultClass): FaultClass {
    this.fault.cls = cls;
    switch (cls) {
      case FAULT_HIDDEN:
        this.stats.hidden++;
        break;
      case FAULT_TRUE:
        this.stats.true++;
        break;
      case FAULT_TRACE:
        this.stats.trace++;
        break;
      case FAULT_MMIO:
        this.stats.mmio++;
        break;
      case FAULT_MONITOR:
        this.stats.monitor++;
        break;
    }
    return cls;
  }

  private hostFor(gpn: number): number {
    let h = this.pmap.hostOf(gpn);
    if (h < 0 && this.ports.resolveGuestPage !== undefined) {
      h = this.ports.resolveGuestPage(gpn);
      if (h >= 0) this.mapGuestPage(gpn, h);
    }
    return h;
  }

  private hostAddr(s: number): number {
    return ((this.slotHost[s] as number) << 12) >>> 0;
  }

  /** Installs `pte` for `lin` in `root`, creating the page table (shadow of guest table `ptGpn`) if needed. */
  private fill(root: Root, lin: number, gpn: number, ptGpn: number, pte: number): void {
    const pdi = lin >>> 22;
    const i = (lin >>> 12) & 1023;
    let s = root.child[pdi] as number;
    if (s < 0) s = this.newTable(root, pdi, ptGpn);
    // Shadowing a guest table may just have traced the very page being mapped.
    if (this.wCount[gpn] !== 0) pte &= ~(PTE_RW | PTE_D);
    this.slotWrites[s] = 0;
    const e = s * 1024 + i;
    const old = this.mirror[e] as number;
    if ((old & PTE_P) !== 0) this.unlink(e);
    this.mirror[e] = pte;
    this.ports.writeHost32(this.hostAddr(s) + i * 4, pte);
    const head = this.bmHead[gpn] as number;
    this.bmNext[e] = head;
    this.bmPrev[e] = -1;
    if (head >= 0) this.bmPrev[head] = e;
    this.bmHead[gpn] = e;
    this.bmGpn[e] = gpn;
    if ((old & PTE_P) !== 0) this.ports.invalidatePage(lin & ~0xfff);
  }

  private unlink(e: number): void {
    const gpn = this.bmGpn[e] as number;
    const next = this.bmNext[e] as number;
    const prev = this.bmPrev[e] as number;
    if (prev >= 0) this.bmNext[prev] = next;
    else this.bmHead[gpn] = next;
    if (next >= 0) this.bmPrev[next] = prev;
    this.bmNext[e] = -1;
    this.bmPrev[e] = -1;
    this.bmGpn[e] = -1;
  }

  private dropPte(s: number, i: number): void {
    const e = s * 1024 + i;
    const m = this.mirror[e] as number;
    if ((m & PTE_P) === 0) return;
    this.unlink(e);
    this.mirror[e] = 0;
    this.ports.writeHost32(this.hostAddr(s) + i * 4, 0);
    this.invalidateIfCached(s, i, m);
  }

  private newTable(root: Root, pdi: number, ptGpn: number): number {
    const s = this.allocSlot(root);
    this.slotKind[s] = SLOT_PT;
    this.slotRoot[s] = this.roots.indexOf(root);
    this.slotPdi[s] = pdi;
    this.slotGpn[s] = ptGpn;
    this.slotWrites[s] = 0;
    this.slotPrev[s] = -1;
    this.slotNext[s] = -1;
    if (ptGpn >= 0 && ptGpn < this.guestPages) {
      const head = this.ptHead[ptGpn] as number;
      this.slotNext[s] = head;
      if (head >= 0) this.slotPrev[head] = s;
      this.ptHead[ptGpn] = s;
      this.addWriteTrace(ptGpn);
    } else {
      this.slotGpn[s] = -1;
    }
    root.child[pdi] = s;
    const v = (this.hostAddr(s) | SHADOW_PDE_BITS) | 0;
    this.mirror[root.dirSlot * 1024 + pdi] = v;
    this.ports.writeHost32(this.hostAddr(root.dirSlot) + pdi * 4, v);
    return s;
  }

  /** Frees a page table: clears its entries (leaving its host page zero) and its directory entry. */
  private freeTable(s: number): void {
    for (let i = 0; i < 1024; i++) this.dropPte(s, i);
    const g = this.slotGpn[s] as number;
    if (g >= 0) {
      const next = this.slotNext[s] as number;
      const prev = this.slotPrev[s] as number;
      if (prev >= 0) this.slotNext[prev] = next;
      else this.ptHead[g] = next;
      if (next >= 0) this.slotPrev[next] = prev;
      this.wCount[g] = (this.wCount[g] as number) - 1;
      this.ports.traceChanged?.(g);
    }
    const root = this.roots[this.slotRoot[s] as number];
    if (root !== undefined) {
      const pdi = this.slotPdi[s] as number;
      root.child[pdi] = -1;
      this.mirror[root.dirSlot * 1024 + pdi] = 0;
      this.ports.writeHost32(this.hostAddr(root.dirSlot) + pdi * 4, 0);
    }
    this.releaseSlot(s);
  }

  private releaseSlot(s: number): void {
    this.slotKind[s] = SLOT_FREE;
    this.slotRoot[s] = -1;
    this.slotGpn[s] = -1;
    this.slotPrev[s] = -1;
    this.slotNext[s] = this.freeHead;
    this.freeHead = s;
  }

  /** A free slot with a zeroed host page; evicts when the pool or monitor memory runs out. */
  private allocSlot(keep: Root | undefined): number {
    for (;;) {
      const s = this.freeHead;
      if (s >= 0) {
        if (this.slotHost[s] === -1) {
          const h = this.ports.allocHostPage();
          if (h >= 0) {
            if (this.pmap.guestOf(h) >= 0) throw new Error(`monitor host page ${h} backs guest memory`);
            this.slotHost[s] = h;
            if (h < this.isShadowHost.length) this.isShadowHost[h] = 1;
          }
        }
        if (this.slotHost[s] !== -1) {
          this.freeHead = this.slotNext[s] as number;
          return s;
        }
      }
      if (!this.evict(keep)) throw new Error('shadow MMU: no monitor memory for a shadow table');
    }
  }

  private evict(keep: Root | undefined): boolean {
    let victim = -1;
    let oldest = Infinity;
    for (let r = 0; r < this.roots.length; r++) {
      const root = this.roots[r];
      if (root === undefined || r === this.cur || root === keep) continue;
      if (root.stamp < oldest) {
        oldest = root.stamp;
        victim = r;
      }
    }
    if (victim >= 0) {
      this.destroyRoot(victim);
      this.stats.rootEvictions++;
      return true;
    }
    // Only the roots in use are left: empty their page tables.
    let freed = false;
    for (const root of [this.cur >= 0 ? this.roots[this.cur] : undefined, keep]) {
      if (root === undefined) continue;
      for (let pdi = 0; pdi < MONITOR_PDI; pdi++) {
        const s = root.child[pdi] as number;
        if (s >= 0) {
          this.freeTable(s);
          freed = true;
        }
      }
    }
    return freed;
  }

  private findRoot(kind: RootKind, cr3: number): number {
    for (let r = 0; r < this.roots.length; r++) {
      const root = this.roots[r];
      if (root !== undefined && root.kind === kind && root.cr3 === cr3) return r;
    }
    return -1;
  }

  private createRoot(kind: RootKind, cr3: number): number {
    let idx = this.roots.indexOf(undefined);
    if (idx < 0) {
      this.evict(undefined);
      idx = this.roots.indexOf(undefined);
      if (idx < 0) {
        // Every root is current: only possible with maxRoots = 1.
        this.destroyRoot(this.cur);
        this.cur = -1;
        idx = this.roots.indexOf(undefined);
      }
    }
    const root: Root = { kind, cr3, dirSlot: -1, child: new Int32Array(1024).fill(-1), stamp: ++this.clock };
    this.roots[idx] = root;
    const s = this.allocSlot(root);
    this.slotKind[s] = SLOT_DIR;
    this.slotRoot[s] = idx;
    this.slotGpn[s] = -1;
    root.dirSlot = s;
    this.mirror[s * 1024 + MONITOR_PDI] = this.monitorPde;
    this.ports.writeHost32(this.hostAddr(s) + MONITOR_PDI * 4, this.monitorPde);
    if (kind !== ROOT_PHYSICAL) {
      const gpn = cr3 >>> 12;
      if (gpn < this.guestPages) {
        this.pdUse[gpn] = (this.pdUse[gpn] as number) + 1;
        this.addWriteTrace(gpn);
      }
    }
    return idx;
  }

  private destroyRoot(r: number): void {
    const root = this.roots[r];
    if (root === undefined) return;
    for (let pdi = 0; pdi < MONITOR_PDI; pdi++) {
      const s = root.child[pdi] as number;
      if (s >= 0) this.freeTable(s);
    }
    const d = root.dirSlot;
    this.mirror[d * 1024 + MONITOR_PDI] = 0;
    this.ports.writeHost32(this.hostAddr(d) + MONITOR_PDI * 4, 0);
    this.releaseSlot(d);
    if (root.kind !== ROOT_PHYSICAL) {
      const gpn = root.cr3 >>> 12;
      if (gpn < this.guestPages) {
        this.pdUse[gpn] = (this.pdUse[gpn] as number) - 1;
        this.wCount[gpn] = (this.wCount[gpn] as number) - 1;
        this.ports.traceChanged?.(gpn);
      }
    }
    this.roots[r] = undefined;
    if (this.cur === r) this.cur = -1;
  }

  /** Host pages of every slot back to monitor memory (the pool is empty afterwards). */
  dispose(): void {
    this.dropAllRoots();
    for (let s = 0; s < this.maxTables; s++) {
      const h = this.slotHost[s] as number;
      if (h < 0) continue;
      this.ports.freeHostPage(h);
      if (h < this.isShadowHost.length) this.isShadowHost[h] = 0;
      this.slotHost[s] = -1;
    }
  }
}

/** The protection rule: user pages for CPL 3; writes need RW for users (and, with CR0.WP, for supervisors). */
function allowed(rights: number, write: boolean, user: boolean, wp: boolean): boolean {
  if (user && (rights & PTE_US) === 0) return false;
  if (write && (rights & PTE_RW) === 0 && (user || wp)) return false;
  return true;
}
