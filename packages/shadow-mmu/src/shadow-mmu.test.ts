import { describe, expect, it } from 'vitest';
import {
  FAULT_MMIO,
  FAULT_MONITOR,
  FAULT_TRACE,
  FAULT_TRUE,
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
  ShadowMmu,
  TRACE_RW,
  TRACE_WRITE,
  type TraceOwner,
} from './index.js';
import { Fake, HOST_RAM_OFFSET, MONITOR_PDE, setup, shadowMappings, type Setup } from '../test/fakes.js';
import { access, CR0_ON, CR4_ON, PD, pde, PT0, pte } from '../test/helpers.js';

const P = PTE_P;
const RW = PTE_RW;
const US = PTE_US;
const DATA = 0x10000; // guest-physical 64 KiB: data pages from here

/** A guest with PD at 0x1000, PT0 for 0-4 MiB at 0x2000, paging on with WP, PSE and PGE. */
function guest(cr0 = CR0_ON, cr4 = CR4_ON): Setup {
  const s = setup();
  pde(s, PD, 0, PT0 | P | RW | US);
  s.mmu.setGuestControl(cr0, cr4);
  return s;
}

function shadowPte(s: Setup, lin: number): number {
  const root = s.mmu.currentRootAddress();
  const d = s.fake.host[(root >>> 2) + (lin >>> 22)] as number;
  if ((d & P) === 0) return 0;
  return s.fake.host[((d & ~0xfff) >>> 2) + ((lin >>> 12) & 1023)] as number;
}

function recorder(): TraceOwner & { writes: number[][]; reads: number[][] } {
  const writes: number[][] = [];
  const reads: number[][] = [];
  return {
    writes,
    reads,
    onWrite: (gpa, size, o, n) => void writes.push([gpa, size, o, n]),
    onRead: (gpa, size) => void reads.push([gpa, size]),
  };
}

describe('construction and the monitor region', () => {
  it('refuses a monitor PDE that users could reach or that is absent', () => {
    const f = new Fake(16);
    expect(() => new ShadowMmu(f, { monitorPde: MONITOR_PDE | US, guestPages: 16, hostPages: 0x3000 })).toThrow();
    expect(() => new ShadowMmu(f, { monitorPde: 0, guestPages: 16, hostPages: 0x3000 })).toThrow();
  });

  it('puts the monitor PDE in slot 1023 of every root, kernel, user and physical', () => {
    const s = guest();
    const roots = [s.mmu.activate(PD, false), s.mmu.activate(PD, true), s.mmu.activate(0x3000, false)];
    s.mmu.setGuestControl(1 << 16, CR4_ON); // paging off, nothing else changes: roots stay cached
    roots.push(s.mmu.activate(0, false));
    for (const r of roots) expect((s.fake.host[(r >>> 2) + MONITOR_PDI] as number) >>> 0).toBe(MONITOR_PDE);
  });

  it('never fills the monitor region, whatever the guest maps there', () => {
    const s = guest();
    const pt = 0x5000;
    pde(s, PD, 0xffc00000, pt | P | RW | US);
    pte(s, pt, 0xffc01000, (DATA | P | RW | US | PTE_D) >>> 0);
    s.mmu.activate(PD, false);
    expect(s.mmu.triage(0xffc01000, PF_U)).toBe(FAULT_MONITOR);
    const root = s.mmu.currentRootAddress();
    expect((s.fake.host[(root >>> 2) + MONITOR_PDI] as number) >>> 0).toBe(MONITOR_PDE);
  });

  it('refuses to back guest memory with a shadow table page', () => {
    const s = guest();
    const root = s.mmu.activate(PD, false);
    expect(() => s.mmu.mapGuestPage(5, root >>> 12)).toThrow(/shadow table/);
  });
});

describe('composition', () => {
  it('copies U/S and maps dirty writable pages writable', () => {
    const s = guest();
    pte(s, PT0, 0x400000 - 0x1000, 0); // keep unrelated entries absent
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    pte(s, PT0, 0x11000, (DATA + 0x1000) | P | RW | PTE_D); // supervisor
    expect(access(s, PD, 0x10004, false, 'de')).toMatchObject({ result: 'ok', hidden: 1 });
    expect(shadowPte(s, 0x10000) & (US | RW | P)).toBe(US | RW | P);
    expect(shadowPte(s, 0x10000) >>> 12).toBe((DATA >>> 12) + HOST_RAM_OFFSET);
    expect(access(s, PD, 0x11000, false, 'bt').result).toBe('ok');
    expect(shadowPte(s, 0x11000) & US).toBe(0);
    expect(access(s, PD, 0x11000, false, 'de').result).toBe(FAULT_TRUE);
    expect(s.mmu.fault.error).toBe(PF_P | PF_U);
  });

  it('dirty-bit emulation: a clean page is read-only until the first write, which sets D', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US);
    expect(access(s, PD, 0x10000, false, 'de').result).toBe('ok');
    expect(shadowPte(s, 0x10000) & RW).toBe(0);
    expect(s.fake.g32(PT0 + 0x10 * 4) & (PTE_A | PTE_D)).toBe(PTE_A);
    const w = access(s, PD, 0x10000, true, 'de');
    expect(w).toMatchObject({ result: 'ok', hidden: 1 });
    expect(s.fake.g32(PT0 + 0x10 * 4) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    expect(shadowPte(s, 0x10000) & RW).toBe(RW);
    // A refill of an existing entry drops the stale hardware TLB entry.
    expect(s.fake.invalidated).toContain(0x10000);
  });

  it('sets A in the PDE and PTE on a fill, and no A/D on a true fault', () => {
    const s = guest();
    pde(s, PD, 0, PT0 | P | RW); // supervisor directory entry
    pte(s, PT0, 0x10000, DATA | P | RW | US);
    expect(access(s, PD, 0x10000, true, 'de').result).toBe(FAULT_TRUE);
    expect(s.mmu.fault).toMatchObject({ lin: 0x10000, error: PF_P | PF_W | PF_U });
    expect(s.fake.g32(PD) & PTE_A).toBe(0);
    expect(s.fake.g32(PT0 + 0x40) & PTE_A).toBe(0);
    expect(access(s, PD, 0x10000, false, 'bt').result).toBe('ok');
    expect(s.fake.g32(PD) & PTE_A).toBe(PTE_A);
    expect(s.fake.g32(PT0 + 0x40) & (PTE_A | PTE_D)).toBe(PTE_A);
  });

  it('reports not-present guest entries with the guest error code', () => {
    const s = guest();
    expect(access(s, PD, 0x30000, true, 'bt').result).toBe(FAULT_TRUE);
    expect(s.mmu.fault.error).toBe(PF_W);
    expect(access(s, PD, 0x800000, false, 'de').result).toBe(FAULT_TRUE);
    expect(s.mmu.fault).toMatchObject({ error: PF_U, lin: 0x800000 });
  });

  it('guest CR0.WP = 1: a kernel write to a read-only page is a true fault', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | US | PTE_D);
    expect(access(s, PD, 0x10000, true, 'bt').result).toBe(FAULT_TRUE);
    expect(s.mmu.fault.error).toBe(PF_P | PF_W);
  });

  it('guest CR0.WP = 0: the kernel writes a read-only user page through a supervisor-only mapping', () => {
    const s = guest(CR0_ON & ~(1 << 16));
    pte(s, PT0, 0x10000, DATA | P | US);
    expect(access(s, PD, 0x10000, true, 'bt').result).toBe('ok');
    expect(shadowPte(s, 0x10000) & (RW | US)).toBe(RW);
    expect(s.fake.g32(PT0 + 0x40) & PTE_D).toBe(PTE_D);
    // The user still may not write it, but may read it (after a hidden refill).
    expect(access(s, PD, 0x10000, true, 'de').result).toBe(FAULT_TRUE);
    expect(access(s, PD, 0x10000, false, 'de')).toMatchObject({ result: 'ok', hidden: 1 });
    expect(shadowPte(s, 0x10000) & (RW | US)).toBe(US);
  });

  it('reports MMIO for guest-physical pages with no RAM behind them', () => {
    const s = guest();
    s.mmu.unmapGuestPage(DATA >>> 12);
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    expect(access(s, PD, 0x10008, false, 'bt').result).toBe(FAULT_MMIO);
    expect(s.mmu.fault.gpa).toBe(DATA + 8);
  });

  it('fills the pmap lazily through the resolver', () => {
    const f = new Fake(64);
    let asked = 0;
    f.resolveGuestPage = (g) => (asked++, g < 32 ? g + HOST_RAM_OFFSET : -1);
    const mmu = new ShadowMmu(f, { monitorPde: MONITOR_PDE, guestPages: 64, hostPages: 0x3000 });
    mmu.setGuestControl(0, 0);
    mmu.activate(0, false);
    expect(mmu.triage(0x5000, 0)).toBe(0);
    expect(mmu.pmap.hostOf(5)).toBe(5 + HOST_RAM_OFFSET);
    expect(mmu.triage(0x25000, 0)).toBe(FAULT_MMIO);
    expect(asked).toBe(2);
  });
});

describe('PSE pages and global pages', () => {
  it('splits a guest 4 MiB page into 4 KiB shadow pages, dirty per the PDE', () => {
    const s = setup(2048); // 8 MiB guest
    pde(s, PD, 0x400000, 0x400000 | P | RW | US | PTE_PS);
    s.mmu.setGuestControl(CR0_ON, CR4_ON);
    expect(access(s, PD, 0x523456, false, 'de').result).toBe('ok');
    const e = shadowPte(s, 0x523000);
    expect(e >>> 12).toBe(0x523 + HOST_RAM_OFFSET);
    expect(e & (RW | PTE_PS)).toBe(0);
    expect(s.fake.g32(PD + 4) & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(access(s, PD, 0x523456, true, 'de').result).toBe('ok');
    expect(s.fake.g32(PD + 4) & PTE_D).toBe(PTE_D);
  });

  it('ignores PS when the guest has CR4.PSE clear', () => {
    const s = guest(CR0_ON, 0);
    pde(s, PD, 0, PT0 | P | RW | US | PTE_PS);
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    expect(access(s, PD, 0x10000, false, 'de').result).toBe('ok');
    expect(shadowPte(s, 0x10000) >>> 12).toBe((DATA >>> 12) + HOST_RAM_OFFSET);
  });

  it('copies G into kernel roots only with guest PGE, never into user-only roots', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D | PTE_G);
    access(s, PD, 0x10000, false, 'bt');
    expect(shadowPte(s, 0x10000) & PTE_G).toBe(PTE_G);
    const flushes = s.fake.flushes;
    access(s, PD, 0x10000, false, 'btu');
    expect(s.fake.flushes).toBe(flushes + 1); // leaving a root with global entries
    expect(shadowPte(s, 0x10000) & PTE_G).toBe(0);
    const t = guest(CR0_ON, CR4_ON & ~(1 << 7));
    pte(t, PT0, 0x10000, DATA | P | RW | US | PTE_D | PTE_G);
    access(t, PD, 0x10000, false, 'bt');
    expect(shadowPte(t, 0x10000) & PTE_G).toBe(0);
  });
});

describe('user-only root', () => {
  it('holds only user mappings, with user write rights, for CPL-3 code under BT', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    pte(s, PT0, 0x11000, (DATA + 0x1000) | P | RW | PTE_D);
    pte(s, PT0, 0x12000, (DATA + 0x2000) | P | US | PTE_D);
    expect(access(s, PD, 0x10000, true, 'btu').result).toBe('ok');
    expect(access(s, PD, 0x11000, false, 'btu').result).toBe(FAULT_TRUE);
    expect(s.mmu.fault.error).toBe(PF_P | PF_U);
    expect(s.fake.g32(PT0 + 0x44) & PTE_A).toBe(0);
    expect(access(s, PD, 0x12000, true, 'btu').result).toBe(FAULT_TRUE);
    expect(s.mmu.fault.error).toBe(PF_P | PF_W | PF_U);
    expect(access(s, PD, 0x12000, false, 'btu').result).toBe('ok');
    expect(s.mmu.activate(PD, true)).not.toBe(s.mmu.activate(PD, false));
  });
});

describe('physical roots (guest paging off)', () => {
  it('maps linear = guest-physical through the pmap and honours traces', () => {
    const s = setup();
    s.mmu.setGuestControl(0, 0);
    expect(access(s, 0, 0x7123, true, 'bt').hpa).toBe(((7 + HOST_RAM_OFFSET) << 12) | 0x123);
    const owner = recorder();
    s.mmu.trace(7, TRACE_WRITE, owner);
    expect(shadowPte(s, 0x7000) & RW).toBe(0);
    expect(access(s, 0, 0x7123, false, 'bt').result).toBe('ok');
    expect(access(s, 0, 0x7123, true, 'bt').result).toBe(FAULT_TRACE);
    expect(s.mmu.fault.gpa).toBe(0x7123);
    expect(access(s, 0, 0x7ff000, false, 'bt').result).toBe(FAULT_MMIO); // beyond guest RAM
  });
});

describe('traces', () => {
  it('a write trace downgrades existing mappings at once and turns writes into trace faults', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    pte(s, PT0, 0x20000, DATA | P | RW | US | PTE_D); // an alias of the same page
    access(s, PD, 0x10000, true, 'de');
    access(s, PD, 0x20000, true, 'de');
    s.fake.invalidated = [];
    const owner = recorder();
    const h = s.mmu.trace(DATA >>> 12, TRACE_WRITE, owner);
    expect(shadowPte(s, 0x10000) & (P | RW)).toBe(P);
    expect(shadowPte(s, 0x20000) & (P | RW)).toBe(P);
    expect(s.fake.invalidated.sort((x, y) => x - y)).toEqual([0x10000, 0x20000]);
    expect(access(s, PD, 0x10004, false, 'de').result).toBe('ok');
    expect(access(s, PD, 0x10004, true, 'de').result).toBe(FAULT_TRACE);
    expect(s.mmu.fault.gpa).toBe(DATA + 4);
    s.mmu.writeGuestPhys(DATA + 4, 2, 0xbeef);
    expect(owner.writes).toEqual([[DATA + 4, 2, 0, 0xbeef]]);
    expect(s.fake.g32(DATA + 4)).toBe(0xbeef);
    s.mmu.untrace(h);
    expect(access(s, PD, 0x10004, true, 'de')).toMatchObject({ result: 'ok', hidden: 1 });
  });

  it('a read/write trace drops mappings; reads fault and are announced to the owner', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    access(s, PD, 0x10000, false, 'de');
    const owner = recorder();
    const h = s.mmu.trace(DATA >>> 12, TRACE_RW, owner);
    expect(shadowPte(s, 0x10000) & P).toBe(0);
    expect(access(s, PD, 0x10000, false, 'de').result).toBe(FAULT_TRACE);
    s.mmu.readGuestPhys(DATA + 8, 4);
    expect(owner.reads).toEqual([[DATA + 8, 4]]);
    s.mmu.untrace(h);
    expect(s.mmu.traceState(DATA >>> 12)).toBe(0);
    expect(access(s, PD, 0x10000, false, 'de').result).toBe('ok');
  });

  it('a true fault wins over a trace fault', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | US | PTE_D);
    s.mmu.trace(DATA >>> 12, TRACE_WRITE, recorder());
    expect(access(s, PD, 0x10000, true, 'de').result).toBe(FAULT_TRUE);
  });

  it('splits a store that straddles two pages into traced bytes', () => {
    const s = guest();
    const a = recorder();
    const b = recorder();
    s.mmu.trace(DATA >>> 12, TRACE_WRITE, a);
    s.mmu.trace((DATA >>> 12) + 1, TRACE_WRITE, b);
    s.mmu.writeGuestPhys(DATA + 0xffe, 4, 0x44332211);
    expect(a.writes.map((w) => w[3])).toEqual([0x11, 0x22]);
    expect(b.writes.map((w) => w[3])).toEqual([0x33, 0x44]);
  });

  it('tells other owners about A/D updates in their pages', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US);
    const owner = recorder();
    s.mmu.trace(PT0 >>> 12, TRACE_WRITE, owner);
    access(s, PD, 0x10000, true, 'de');
    expect(owner.writes).toEqual([[PT0 + 0x40, 4, (DATA | P | RW | US) >>> 0, (DATA | P | RW | US | PTE_A | PTE_D) >>> 0]]);
  });
});

describe('page-table coherency', () => {
  it('write-protects guest page tables and directories in every shadow', () => {
    const s = guest();
    pte(s, PT0, 0x2000, PT0 | P | RW | US | PTE_D); // the guest maps its own page table
    pte(s, PT0, 0x1000, PD | P | RW | US | PTE_D); // and its directory
    expect(access(s, PD, 0x2000, false, 'de').result).toBe('ok');
    expect(shadowPte(s, 0x2000) & RW).toBe(0);
    expect(access(s, PD, 0x1000, true, 'bt').result).toBe(FAULT_TRACE);
  });

  it('drops a shadow entry when the guest rewrites its PTE, but not for A/D-only stores', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    access(s, PD, 0x10000, true, 'de');
    const cur = s.fake.g32(PT0 + 0x40);
    s.mmu.writeGuestPhys(PT0 + 0x40, 4, cur | PTE_A | PTE_D);
    expect(shadowPte(s, 0x10000) & P).toBe(P);
    s.mmu.writeGuestPhys(PT0 + 0x40, 4, (DATA + 0x3000) | P | US | PTE_D);
    expect(shadowPte(s, 0x10000) & P).toBe(0);
    expect(access(s, PD, 0x10000, false, 'de').hpa >>> 12).toBe(((DATA + 0x3000) >>> 12) + HOST_RAM_OFFSET);
    expect(access(s, PD, 0x10000, true, 'de').result).toBe(FAULT_TRUE);
    // Clearing A (page aging) must let the next access set it again.
    s.mmu.writeGuestPhys(PT0 + 0x40, 4, (DATA + 0x3000) | P | US | PTE_D);
    expect(access(s, PD, 0x10000, false, 'de').hidden).toBe(1);
    expect(s.fake.g32(PT0 + 0x40) & PTE_A).toBe(PTE_A);
  });

  it('drops the whole shadow page table when the guest rewrites the PDE', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    access(s, PD, 0x10000, false, 'de');
    s.mmu.writeGuestPhys(PD, 4, 0);
    expect(shadowMappings(s.fake, s.mmu.currentRootAddress())).toEqual([]);
    expect(access(s, PD, 0x10000, false, 'de').result).toBe(FAULT_TRUE);
    // The guest table is no longer shadowed, hence no longer traced.
    expect(s.mmu.traceState(PT0 >>> 12)).toBe(0);
  });

  it('unshadows a page table that keeps being written without being used', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    access(s, PD, 0x10000, false, 'de');
    for (let k = 0; k < 63; k++) s.mmu.writeGuestPhys(PT0 + 0x800 + (k & 7) * 4, 4, k + 1);
    expect(s.mmu.traceState(PT0 >>> 12)).toBe(TRACE_WRITE);
    access(s, PD, 0x10000, false, 'de'); // still mapped: no fill, the count goes on
    s.mmu.writeGuestPhys(PT0 + 0x800, 4, 1);
    expect(s.mmu.traceState(PT0 >>> 12)).toBe(0);
    expect(s.mmu.stats.unshadowed).toBe(1);
    expect(access(s, PD, 0x10000, false, 'de')).toMatchObject({ result: 'ok', hidden: 1 });
    expect(s.mmu.traceState(PT0 >>> 12)).toBe(TRACE_WRITE);
  });

  it('keeps cached roots coherent while they are switched out', () => {
    const s = guest();
    const PD2 = 0x3000;
    pde(s, PD2, 0, PT0 | P | RW | US);
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    access(s, PD, 0x10000, false, 'de');
    access(s, PD2, 0x10000, false, 'de');
    s.mmu.writeGuestPhys(PT0 + 0x40, 4, 0); // unmapped while PD is switched out, no INVLPG
    expect(access(s, PD, 0x10000, false, 'de').result).toBe(FAULT_TRUE);
  });
});

describe('INVLPG and CR3 switching', () => {
  it('INVLPG drops the entry in the current address space and invalidates the hardware TLB', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    access(s, PD, 0x10000, false, 'de');
    access(s, PD, 0x10000, false, 'btu');
    s.mmu.activate(PD, false);
    s.fake.invalidated = [];
    s.mmu.invlpg(0x10abc);
    expect(shadowPte(s, 0x10000)).toBe(0);
    s.mmu.activate(PD, true);
    expect(shadowPte(s, 0x10000)).toBe(0);
    expect(s.fake.invalidated).toContain(0x10abc);
  });

  it('caches roots across CR3 switches: returning finds the mappings still there', () => {
    const s = guest();
    const PD2 = 0x3000;
    pde(s, PD2, 0, PT0 | P | RW | US);
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    const a = s.mmu.activate(PD, false);
    access(s, PD, 0x10000, false, 'de');
    const b = s.mmu.activate(PD2, false);
    expect(b).not.toBe(a);
    access(s, PD2, 0x10000, false, 'de');
    expect(s.mmu.activate(PD, false)).toBe(a);
    expect(access(s, PD, 0x10000, false, 'de')).toMatchObject({ result: 'ok', hidden: 0 });
  });

  it('evicts the least recently used root and releases its traces', () => {
    const s = setup(1024, { maxRoots: 2 });
    for (const cr3 of [0x3000, 0x4000, 0x5000]) pde(s, cr3, 0, PT0 | P | RW | US);
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    s.mmu.setGuestControl(CR0_ON, CR4_ON);
    access(s, 0x3000, 0x10000, false, 'de');
    access(s, 0x4000, 0x10000, false, 'de');
    s.mmu.activate(0x3000, false); // 0x4000 is now the least recently used
    access(s, 0x5000, 0x10000, false, 'de');
    expect(s.mmu.traceState(4)).toBe(0);
    expect(s.mmu.traceState(3)).toBe(TRACE_WRITE);
    expect(s.mmu.stats.rootEvictions).toBe(1);
    expect(access(s, 0x3000, 0x10000, false, 'de').hidden).toBe(0);
  });

  it('survives a tiny pool by evicting, and frees every host page zeroed', () => {
    const s = setup(1024, { maxTables: 3, maxRoots: 4 });
    for (let k = 0; k < 8; k++) {
      const cr3 = 0x3000 + k * 0x1000;
      pde(s, cr3, 0, PT0 | P | RW | US);
      pde(s, cr3, 0x400000, PT0 | P | RW | US);
    }
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    s.mmu.setGuestControl(CR0_ON, CR4_ON);
    for (let k = 0; k < 8; k++) {
      const cr3 = 0x3000 + k * 0x1000;
      expect(access(s, cr3, 0x10000, false, 'de').result).toBe('ok');
      expect(access(s, cr3, 0x410000, false, 'de').result).toBe('ok');
    }
    s.mmu.dispose(); // the fake checks that freed pages are zero
    expect(s.fake.allocated.size).toBe(0);
  });

  it('drops every root when guest WP, PSE or PGE change', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US | PTE_D);
    access(s, PD, 0x10000, false, 'de');
    s.mmu.setGuestControl(CR0_ON, CR4_ON & ~(1 << 4));
    s.mmu.activate(PD, false);
    expect(shadowPte(s, 0x10000)).toBe(0);
    expect(s.mmu.traceState(PT0 >>> 12)).toBe(0);
  });
});

describe('guestTranslate', () => {
  it('walks the guest tables for emulated accesses, setting A/D, without shadowing', () => {
    const s = guest();
    pte(s, PT0, 0x10000, DATA | P | RW | US);
    s.mmu.activate(PD, false);
    expect(s.mmu.guestTranslate(0x10123, true, true)).toBe(DATA + 0x123);
    expect(s.fake.g32(PT0 + 0x40) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    expect(shadowPte(s, 0x10000)).toBe(0);
    expect(s.mmu.guestTranslate(0x30000, false, false)).toBe(-1);
    expect(s.mmu.walkError).toBe(0);
  });
});

describe('traceChanged port', () => {
  it('reports every page whose trace state changes: traces, guest directories and shadowed page tables', () => {
    const changed: number[] = [];
    const fake = Object.assign(new Fake(1024), { traceChanged: (gpn: number): void => void changed.push(gpn) });
    const mmu = new ShadowMmu(fake, { monitorPde: MONITOR_PDE, guestPages: 1024, hostPages: 0x3000 });
    for (let g = 0; g < 1024; g++) mmu.mapGuestPage(g, g + HOST_RAM_OFFSET);
    const s = { fake, mmu };
    pde(s, PD, 0, PT0 | P | RW | US);
    pte(s, PT0, DATA, DATA | P | RW | US);
    mmu.setGuestControl(CR0_ON, CR4_ON);
    mmu.activate(PD, false);
    expect(changed).toContain(PD >>> 12);
    expect(mmu.traceState(PD >>> 12)).toBe(TRACE_WRITE);
    mmu.triage(DATA, PF_W);
    expect(changed).toContain(PT0 >>> 12);
    changed.length = 0;
    const h = mmu.trace(DATA >>> 12, TRACE_RW, recorder());
    expect(changed).toEqual([DATA >>> 12]);
    mmu.untrace(h);
    expect(changed).toEqual([DATA >>> 12, DATA >>> 12]);
    expect(mmu.traceState(DATA >>> 12)).toBe(0);
  });
});
