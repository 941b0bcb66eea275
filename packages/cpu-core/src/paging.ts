// Paging: the two-level page walk of a Pentium Pro without PAE (4 KiB pages, and 4 MiB
// pages with CR4.PSE), its protection rules and a TLB.
//
// The TLB has one Int32 entry per linear page (1,048,576 entries): the physical page
// base in the top 20 bits and, in the low bits, what the cached translation allows, so a
// hit is one load and one mask test. Rights are cached as "this access needs no walk":
// TLB_UR (user read), TLB_UW (user write), TLB_SW (supervisor write); supervisor reads
// need only TLB_V. A write is cached only once the dirty bit is set in memory, so the
// first write to a clean page walks again and sets D, as the hardware does. Filled
// entries are listed, so a CR3 load flushes in time proportional to what was used.
// Global pages (PTE.G with CR4.PGE) survive CR3 loads; INVLPG drops one page.
//
// Faults: #PF with CR2 = linear address and the error code P (protection, not absence),
// W/R (a write), U/S (CPL 3, for every access but the implicit supervisor ones to
// descriptor tables and the TSS).

export const TLB_V = 1;
export const TLB_UR = 2;
export const TLB_UW = 4;
export const TLB_SW = 8;
export const TLB_G = 16;

export const PTE_P = 0x001;
export const PTE_RW = 0x002;
export const PTE_US = 0x004;
export const PTE_A = 0x020;
export const PTE_D = 0x040;
export const PTE_PS = 0x080;
export const PTE_G = 0x100;

export const PF_P = 1;
export const PF_W = 2;
export const PF_U = 4;

export class Tlb {
  readonly entries: Int32Array = new Int32Array(1 << 20);
  /** Linear page numbers with a valid entry (may hold stale duplicates: cleared on flush). */
  private readonly filled = new Int32Array(1 << 20);
  private count = 0;
  /**
   * Bumped whenever a translation may change (INVLPG, flushes) and by the CPU when cached
   * code is invalidated: the CPU's fetch cache trusts an entry only from the same epoch.
   */
  epoch = 0;

  /** Caches a translation. */
  fill(page: number, entry: number): void {
    if (this.entries[page] === 0) {
      if (this.count === this.filled.length) this.flushAll();
      this.filled[this.count++] = page;
    }
    this.entries[page] = entry;
  }

  /** INVLPG. */
  invalidate(page: number): void {
    this.epoch++;
    this.entries[page] = 0;
  }

  /** A CR3 load: every entry but the global ones. */
  flushNonGlobal(): void {
    this.epoch++;
    const e = this.entries;
    let keep = 0;
    for (let i = 0; i < this.count; i++) {
      const page = this.filled[i] as number;
      const v = e[page] as number;
      if ((v & TLB_G) !== 0) this.filled[keep++] = page;
      else e[page] = 0;
    }
    this.count = keep;
  }

  /** Paging or PGE switched, CR4.PSE changed, or the list overflowed. */
  flushAll(): void {
    this.epoch++;
    const e = this.entries;
    for (let i = 0; i < this.count; i++) e[this.filled[i] as number] = 0;
    this.count = 0;
  }
}

/** Memory the walker reads and updates (physical addresses, 32-bit accesses). */
export interface WalkMemory {
  readPhys32(addr: number): number;
  writePhys32(addr: number, value: number): void;
}

/** The #PF error code of the last walk that returned -1. */
export const walkResult: { error: number } = { error: 0 };

/**
 * Walks the page tables for `lin`, setting accessed/dirty bits as the hardware does, and
 * returns the TLB entry (physical page base | rights), or -1 when the access must fault
 * (the #PF error code is then in `walkResult.error`).
 */
export function walk(
  mem: WalkMemory,
  cr3: number,
  cr0wp: boolean,
  pse: boolean,
  pge: boolean,
  lin: number,
  write: boolean,
  user: boolean,
): number {
  const code = (write ? PF_W : 0) | (user ? PF_U : 0);
  const pdeAddr = ((cr3 & ~0xfff) + ((lin >>> 22) << 2)) >>> 0;
  let pde = mem.readPhys32(pdeAddr);
  if ((pde & PTE_P) === 0) {
    walkResult.error = code;
    return -1;
  }
  let base: number;
  let rights: number; // RW and US of the whole path
  if ((pde & PTE_PS) !== 0 && pse) {
    rights = pde & (PTE_RW | PTE_US);
    if (!allowed(rights, write, user, cr0wp)) {
      walkResult.error = code | PF_P;
      return -1;
    }
    const set = PTE_A | (write ? PTE_D : 0);
    if ((pde & set) !== set) {
      pde |= set;
      mem.writePhys32(pdeAddr, pde);
    }
    base = ((pde & 0xffc00000) | (lin & 0x3ff000)) >>> 0;
    return entryFor(base, rights, (pde & PTE_D) !== 0, pge && (pde & PTE_G) !== 0, cr0wp);
  }
  const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
  let pte = mem.readPhys32(pteAddr);
  if ((pte & PTE_P) === 0) {
    walkResult.error = code;
    return -1;
  }
  rights = pde & pte & (PTE_RW | PTE_US);
  if (!allowed(rights, write, user, cr0wp)) {
    walkResult.error = code | PF_P;
    return -1;
  }
  // The hardware sets A in the directory entry and A (and D on a write) in the table entry.
  if ((pde & PTE_A) === 0) {
    pde |= PTE_A;
    mem.writePhys32(pdeAddr, pde);
  }
  const set = PTE_A | (write ? PTE_D : 0);
  if ((pte & set) !== set) {
    pte |= set;
    mem.writePhys32(pteAddr, pte);
  }
  base = (pte & 0xfffff000) >>> 0;
  return entryFor(base, rights, (pte & PTE_D) !== 0, pge && (pte & PTE_G) !== 0, cr0wp);
}

/** The protection rule: user pages for CPL 3, writes need RW for users (and with CR0.WP, for supervisors). */
function allowed(rights: number, write: boolean, user: boolean, cr0wp: boolean): boolean {
  if (user && (rights & PTE_US) === 0) return false;
  if (write && (rights & PTE_RW) === 0 && (user || cr0wp)) return false;
  return true;
}

function entryFor(base: number, rights: number, dirty: boolean, global: boolean, cr0wp: boolean): number {
  let e = TLB_V;
  const us = (rights & PTE_US) !== 0;
  const rw = (rights & PTE_RW) !== 0;
  if (us) e |= TLB_UR;
  if (dirty) {
    if (us && rw) e |= TLB_UW;
    if (rw || !cr0wp) e |= TLB_SW;
  }
  if (global) e |= TLB_G;
  return (base | e) | 0;
}
