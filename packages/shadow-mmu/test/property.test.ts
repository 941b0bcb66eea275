// Property tests over random guest page tables (vmware-monitor.md §7, invariant 5 and the
// memory side of invariant 1): random address spaces whose tables map anything —
// themselves, each other, the monitor region, 4 MiB pages over the tables — random traces,
// guest stores to the tables, INVLPG, control-register changes and pmap changes, with
// random accesses in DE, BT and BT-user mode. After every step, for every cached root:
// the monitor PDE is in place; every shadow mapping points at guest RAM (never at monitor
// memory), grants no more than the guest's tables (U/S, R/W, dirty) allow and nothing
// on traced pages; and every access behaves as the hardware would natively: same fault,
// same error code, same A/D bits in guest memory.

import { describe, expect, it } from 'vitest';
import {
  CR0_PG,
  CR0_WP,
  CR4_PGE,
  CR4_PSE,
  FAULT_MMIO,
  FAULT_MONITOR,
  FAULT_TRACE,
  FAULT_TRUE,
  MONITOR_PDI,
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
  type TraceOwner,
} from '../src/index.js';
import { HOST_RAM_OFFSET, MONITOR_PDE, MONITOR_PT_HPN, ref, refWalk, rng, setup, type Setup } from './fakes.js';
import { access, type Mode } from './helpers.js';

const GUEST_PAGES = 1024; // 4 MiB of guest RAM
const TABLE_PAGES = 12; // guest pages 1..12 hold directories and page tables
const DIRS = [0x1000, 0x2000, 0x3000];
const REGIONS = [0, 1, 2, 0x300, MONITOR_PDI]; // directory indices the guest uses

const nobody: TraceOwner = { onWrite: () => undefined };

interface World {
  s: Setup;
  r: () => number;
  cr0: number;
  cr4: number;
  traces: { handle: number; gpn: number; kind: number }[];
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function randomEntry(r: () => number, leaf: boolean): number {
  if (r() < 0.15) return 0;
  const frame = r() < 0.4 ? 1 + Math.floor(r() * TABLE_PAGES) : Math.floor(r() * GUEST_PAGES);
  let v = (frame << 12) | PTE_P;
  if (r() < 0.7) v |= PTE_RW;
  if (r() < 0.7) v |= PTE_US;
  if (r() < 0.5) v |= PTE_A;
  if (r() < 0.5) v |= PTE_D;
  if (leaf && r() < 0.3) v |= PTE_G;
  if (!leaf && r() < 0.25) v = (v & 0x3ff) | PTE_PS; // a 4 MiB page over all of guest RAM
  return v;
}

function build(seed: number): World {
  const r = rng(seed);
  const s = setup(GUEST_PAGES, { maxTables: 24, maxRoots: 5 });
  for (let t = 1; t <= TABLE_PAGES; t++) for (let i = 0; i < 64; i++) s.fake.s32(t * 0x1000 + i * 4, randomEntry(r, true));
  for (const d of DIRS) for (const pdi of REGIONS) s.fake.s32(d + pdi * 4, randomEntry(r, false));
  const cr0 = (CR0_PG | (r() < 0.7 ? CR0_WP : 0)) >>> 0;
  const cr4 = (r() < 0.6 ? CR4_PSE : 0) | (r() < 0.5 ? CR4_PGE : 0);
  s.mmu.setGuestControl(cr0, cr4);
  return { s, r, cr0, cr4, traces: [] };
}

function randomLin(w: World): number {
  const pdi = pick(w.r, REGIONS);
  return ((pdi << 22) | (Math.floor(w.r() * 64) << 12) | Math.floor(w.r() * 4096)) >>> 0;
}

function step(w: World): void {
  const { s, r } = w;
  const x = r();
  if (x < 0.55) {
    const cr3 = pick(r, DIRS);
    const mode = pick<Mode>(r, ['de', 'bt', 'btu']);
    const lin = randomLin(w);
    const write = r() < 0.4;
    checkAccess(w, cr3, lin, write, mode);
  } else if (x < 0.75) {
    // The guest edits a table (its stores are traced, so they come through the monitor).
    const t = 1 + Math.floor(r() * TABLE_PAGES);
    const isDir = DIRS.includes(t << 12);
    const idx = isDir ? pick(r, REGIONS) : Math.floor(r() * 64);
    const size = pick<1 | 2 | 4>(r, [4, 4, 4, 2, 1]);
    const v = size === 4 ? randomEntry(r, !isDir) : Math.floor(r() * 256);
    s.mmu.writeGuestPhys(t * 0x1000 + idx * 4 + (size === 4 ? 0 : size === 2 ? 2 * Math.floor(r() * 2) : Math.floor(r() * 4)), size, v);
  } else if (x < 0.85) {
    if (w.traces.length > 0 && r() < 0.5) {
      const t = w.traces.splice(Math.floor(r() * w.traces.length), 1)[0];
      if (t !== undefined) s.mmu.untrace(t.handle);
    } else {
      const gpn = r() < 0.3 ? 1 + Math.floor(r() * TABLE_PAGES) : Math.floor(r() * GUEST_PAGES);
      const kind = r() < 0.7 ? TRACE_WRITE : TRACE_RW;
      w.traces.push({ handle: s.mmu.trace(gpn, kind, nobody), gpn, kind });
    }
  } else if (x < 0.92) {
    s.mmu.activate(pick(r, DIRS), r() < 0.5);
    s.mmu.invlpg(randomLin(w));
  } else if (x < 0.96) {
    const gpn = TABLE_PAGES + 1 + Math.floor(r() * 32);
    if (s.mmu.pmap.hostOf(gpn) >= 0) s.mmu.unmapGuestPage(gpn);
    else s.mmu.mapGuestPage(gpn, gpn + HOST_RAM_OFFSET);
  } else {
    w.cr0 = (CR0_PG | (r() < 0.7 ? CR0_WP : 0)) >>> 0;
    w.cr4 = (r() < 0.6 ? CR4_PSE : 0) | (r() < 0.5 ? CR4_PGE : 0);
    if (r() < 0.2) w.cr0 = w.cr0 & ~CR0_PG;
    s.mmu.setGuestControl(w.cr0, w.cr4);
  }
}

function checkAccess(w: World, cr3: number, lin: number, write: boolean, mode: Mode): void {
  const { s } = w;
  const paging = (w.cr0 & CR0_PG) !== 0;
  const user = mode !== 'bt';
  const native = new DataView(s.fake.guest.slice().buffer);
  const gpa = paging
    ? refWalk(native, cr3, lin, write, user, (w.cr0 & CR0_WP) !== 0, (w.cr4 & CR4_PSE) !== 0)
    : lin;
  const out = access(s, cr3, lin, write, mode);
  const where = `${mode} ${write ? 'write' : 'read'} ${lin.toString(16)} cr3 ${cr3.toString(16)}`;
  if (lin >>> 22 === MONITOR_PDI) {
    expect(out.result, where).toBe(FAULT_MONITOR);
    return;
  }
  if (gpa < 0) {
    expect(out.result, where).toBe(FAULT_TRUE);
    expect(s.mmu.fault.error, where).toBe(ref.error);
  } else {
    const gpn = gpa >>> 12;
    const state = s.mmu.traceState(gpn);
    if (gpn >= GUEST_PAGES || s.mmu.pmap.hostOf(gpn) < 0) {
      expect([FAULT_MMIO, FAULT_TRACE], where).toContain(out.result);
    } else if ((state & TRACE_RW) !== 0 || (write && (state & TRACE_WRITE) !== 0)) {
      expect(out.result, where).toBe(FAULT_TRACE);
      expect(s.mmu.fault.gpa, where).toBe(gpa);
    } else {
      expect(out.result, where).toBe('ok');
      expect(out.hpa, where).toBe((((gpn + HOST_RAM_OFFSET) << 12) | (gpa & 0xfff)) >>> 0);
    }
  }
  // Guest A/D bits exactly as the native walk left them.
  expect(Buffer.compare(new Uint8Array(native.buffer), s.fake.guest), `${where}: A/D bits`).toBe(0);
}

function checkInvariants(w: World): void {
  const { s } = w;
  const view = new DataView(s.fake.guest.buffer);
  const wp = (w.cr0 & CR0_WP) !== 0;
  const pse = (w.cr4 & CR4_PSE) !== 0;
  for (const root of s.mmu.listRoots()) {
    const dir = root.address >>> 2;
    expect((s.fake.host[dir + MONITOR_PDI] as number) >>> 0).toBe(MONITOR_PDE);
    for (let pdi = 0; pdi < MONITOR_PDI; pdi++) {
      const pde = s.fake.host[dir + pdi] as number;
      if ((pde & PTE_P) === 0) continue;
      expect(pde & PTE_PS).toBe(0);
      expect(s.fake.allocated.has(pde >>> 12), 'shadow page tables live in monitor memory').toBe(true);
      for (let i = 0; i < 1024; i++) {
        const e = s.fake.host[(pde & ~0xfff) / 4 + i] as number;
        if ((e & PTE_P) === 0) continue;
        const lin = ((pdi << 22) | (i << 12)) >>> 0;
        const hpn = e >>> 12;
        const where = `root ${root.kind}/${root.cr3.toString(16)} lin ${lin.toString(16)} pte ${(e >>> 0).toString(16)}`;
        // Invariant 1 (memory): never monitor memory.
        expect(s.fake.allocated.has(hpn) || hpn === MONITOR_PT_HPN, where).toBe(false);
        const gpn = s.mmu.pmap.guestOf(hpn);
        expect(gpn, where).toBeGreaterThanOrEqual(0);
        expect(hpn - HOST_RAM_OFFSET, where).toBe(gpn);
        // Traced pages are never writable; read/write-traced pages never mapped.
        const state = s.mmu.traceState(gpn);
        expect(state & TRACE_RW, where).toBe(0);
        if ((state & TRACE_WRITE) !== 0) expect(e & PTE_RW, where).toBe(0);
        if (root.kind === ROOT_PHYSICAL) {
          expect(lin >>> 12, where).toBe(gpn);
          expect(e & PTE_G, where).toBe(0);
          continue;
        }
        // Invariant 5: no more than the guest's tables allow.
        const kernelRoot = root.kind === ROOT_KERNEL;
        const reach = (write: boolean, user: boolean): boolean => {
          const g = refWalk(view, root.cr3, lin, write, user, wp, pse, false);
          if (g >= 0) expect(g >>> 12, where).toBe(gpn);
          return g >= 0;
        };
        expect(reach(false, !kernelRoot), where).toBe(true);
        if ((e & PTE_US) !== 0 && kernelRoot) expect(reach(false, true), where).toBe(true);
        if ((e & PTE_RW) !== 0) {
          expect(reach(false, !kernelRoot) && ref.dirty, `${where}: writable before dirty`).toBe(true);
          expect(reach(true, !kernelRoot), where).toBe(true);
          if ((e & PTE_US) !== 0) expect(reach(true, true), where).toBe(true);
        }
        if (root.kind === ROOT_USER) expect(e & PTE_G, where).toBe(0);
        if ((e & PTE_G) !== 0) expect(w.cr4 & CR4_PGE, where).not.toBe(0);
      }
    }
  }
}

describe('random guest page tables', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}: shadows stay within guest rights, traces and RAM; accesses behave natively`, () => {
      const w = build(seed * 7919);
      for (let n = 0; n < 200; n++) {
        step(w);
        checkInvariants(w);
      }
    });
  }
});
