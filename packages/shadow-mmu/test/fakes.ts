// Fakes of the shadow MMU's ports: guest RAM as bytes, host memory as 32-bit words, a TLB
// that records what it was told, and a hardware walker over the shadow tables written to
// host memory (so tests judge what the hardware would do, not the package's internals).

import {
  MONITOR_PDI,
  PF_P,
  PF_U,
  PF_W,
  PTE_A,
  PTE_D,
  PTE_P,
  PTE_PS,
  PTE_RW,
  PTE_US,
  ShadowMmu,
  type ShadowMmuOptions,
  type PmapResolver,
  type ShadowMmuPorts,
} from '../src/index.js';

/** Guest page gpn lives in host page gpn + HOST_RAM_OFFSET; monitor pages come from MONITOR_HOST_BASE up. */
export const HOST_RAM_OFFSET = 0x40;
export const MONITOR_HOST_BASE = 0x2000;
export const HOST_PAGES = 0x3000;
/** Host page holding the monitor region's page table. */
export const MONITOR_PT_HPN: number = MONITOR_HOST_BASE - 1;
export const MONITOR_PDE: number = ((MONITOR_PT_HPN << 12) | PTE_P | PTE_RW | PTE_A) >>> 0;

export class Fake implements ShadowMmuPorts {
  readonly guest: Uint8Array;
  readonly view: DataView;
  readonly host: Int32Array = new Int32Array(HOST_PAGES * 1024);
  readonly allocated: Set<number> = new Set<number>();
  private nextHost = MONITOR_HOST_BASE;
  private readonly freed: number[] = [];
  hostLimit: number = HOST_PAGES;
  flushes = 0;
  invalidated: number[] = [];
  guestWrites = 0;
  resolveGuestPage?: PmapResolver;

  constructor(readonly guestPages: number) {
    this.guest = new Uint8Array(guestPages * 4096);
    this.view = new DataView(this.guest.buffer);
  }

  readGuestPhys(gpa: number, size: 1 | 2 | 4): number {
    if (gpa + size > this.guest.length) return size === 4 ? -1 : (1 << (size * 8)) - 1;
    if (size === 1) return this.view.getUint8(gpa);
    if (size === 2) return this.view.getUint16(gpa, true);
    return this.view.getInt32(gpa, true);
  }

  writeGuestPhys(gpa: number, size: 1 | 2 | 4, value: number): void {
    this.guestWrites++;
    if (gpa + size > this.guest.length) return;
    if (size === 1) this.view.setUint8(gpa, value & 0xff);
    else if (size === 2) this.view.setUint16(gpa, value & 0xffff, true);
    else this.view.setInt32(gpa, value | 0, true);
  }

  allocHostPage(): number {
    const reused = this.freed.pop();
    if (reused !== undefined) {
      this.allocated.add(reused);
      return reused;
    }
    if (this.nextHost >= this.hostLimit) return -1;
    const h = this.nextHost++;
    this.allocated.add(h);
    return h;
  }

  freeHostPage(hpn: number): void {
    for (let i = 0; i < 1024; i++) if (this.host[hpn * 1024 + i] !== 0) throw new Error(`freed page ${hpn} not zero`);
    this.allocated.delete(hpn);
    this.freed.push(hpn);
  }

  writeHost32(hpa: number, value: number): void {
    if ((hpa & 3) !== 0) throw new Error('unaligned host write');
    const hpn = hpa >>> 12;
    if (!this.allocated.has(hpn)) throw new Error(`write to host page ${hpn} that is not a shadow table`);
    this.host[hpa >>> 2] = value;
  }

  flushTlb(): void {
    this.flushes++;
  }

  invalidatePage(lin: number): void {
    this.invalidated.push(lin >>> 0);
  }

  g32(gpa: number): number {
    return this.view.getInt32(gpa, true) >>> 0;
  }

  s32(gpa: number, v: number): void {
    this.view.setInt32(gpa, v | 0, true);
  }
}

export interface Setup {
  fake: Fake;
  mmu: ShadowMmu;
}

export function setup(guestPages = 1024, options: Partial<ShadowMmuOptions> = {}): Setup {
  const fake = new Fake(guestPages);
  const mmu = new ShadowMmu(fake, { monitorPde: MONITOR_PDE, guestPages, hostPages: HOST_PAGES, ...options });
  for (let g = 0; g < guestPages; g++) mmu.mapGuestPage(g, g + HOST_RAM_OFFSET);
  return { fake, mmu };
}

export const hw: { error: number } = { error: 0 };

/**
 * The hardware's view: walk the shadow tables in host memory from `root` with CR0.WP = 1
 * (the monitor's setting). Returns the host-physical address or -1 (error code in hw.error).
 */
export function shadowWalk(fake: Fake, root: number, lin: number, write: boolean, user: boolean): number {
  lin >>>= 0;
  const code = (write ? PF_W : 0) | (user ? PF_U : 0);
  const pde = fake.host[(root >>> 2) + (lin >>> 22)] as number;
  if ((pde & PTE_P) === 0) {
    hw.error = code;
    return -1;
  }
  if ((pde & PTE_PS) !== 0) throw new Error('shadow uses a 4 MiB page');
  const pte = fake.host[((pde & ~0xfff) >>> 2) + ((lin >>> 12) & 1023)] as number;
  if ((pte & PTE_P) === 0) {
    hw.error = code;
    return -1;
  }
  const rights = pde & pte;
  if ((user && (rights & PTE_US) === 0) || (write && (rights & PTE_RW) === 0)) {
    hw.error = code | PF_P;
    return -1;
  }
  return ((pte & ~0xfff) | (lin & 0xfff)) >>> 0;
}

export const ref: { error: number; rights: number; dirty: boolean } = { error: 0, rights: 0, dirty: false };

/** An independent reference for the guest's hardware walk (A/D included), on a DataView. */
export function refWalk(
  mem: DataView,
  cr3: number,
  lin: number,
  write: boolean,
  user: boolean,
  wp: boolean,
  pse: boolean,
  commit = true,
): number {
  lin >>>= 0;
  const code = (write ? PF_W : 0) | (user ? PF_U : 0);
  const pdeAddr = ((cr3 & ~0xfff) >>> 0) + (lin >>> 22) * 4;
  const rd = (a: number): number => (a + 4 <= mem.byteLength ? mem.getInt32(a, true) : -1);
  const wr = (a: number, v: number): void => {
    if (commit && a + 4 <= mem.byteLength) mem.setInt32(a, v, true);
  };
  const ok = (r: number): boolean =>
    !((user && (r & PTE_US) === 0) || (write && (r & PTE_RW) === 0 && (user || wp)));
  const pde = rd(pdeAddr);
  if ((pde & PTE_P) === 0) {
    ref.error = code;
    return -1;
  }
  if (pse && (pde & PTE_PS) !== 0) {
    if (!ok(pde)) {
      ref.error = code | PF_P;
      return -1;
    }
    wr(pdeAddr, pde | PTE_A | (write ? PTE_D : 0));
    ref.rights = pde & (PTE_RW | PTE_US);
    ref.dirty = write || (pde & PTE_D) !== 0;
    return ((pde & 0xffc00000) | (lin & 0x3fffff)) >>> 0;
  }
  const pteAddr = ((pde & ~0xfff) >>> 0) + ((lin >>> 12) & 1023) * 4;
  const pte = rd(pteAddr);
  if ((pte & PTE_P) === 0) {
    ref.error = code;
    return -1;
  }
  if (!ok(pde & pte)) {
    ref.error = code | PF_P;
    return -1;
  }
  wr(pdeAddr, pde | PTE_A);
  wr(pteAddr, pte | PTE_A | (write ? PTE_D : 0));
  ref.rights = pde & pte & (PTE_RW | PTE_US);
  ref.dirty = write || (pte & PTE_D) !== 0;
  return ((pte & ~0xfff) | (lin & 0xfff)) >>> 0;
}

/** Every present shadow mapping of a root in host memory, as [lin, pte]. */
export function shadowMappings(fake: Fake, root: number): [number, number][] {
  const out: [number, number][] = [];
  for (let pdi = 0; pdi < MONITOR_PDI; pdi++) {
    const pde = fake.host[(root >>> 2) + pdi] as number;
    if ((pde & PTE_P) === 0) continue;
    for (let i = 0; i < 1024; i++) {
      const pte = fake.host[((pde & ~0xfff) >>> 2) + i] as number;
      if ((pte & PTE_P) !== 0) out.push([((pdi << 22) | (i << 12)) >>> 0, pte]);
    }
  }
  return out;
}

/** A small seeded PRNG (mulberry32), so property failures are reproducible by seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
