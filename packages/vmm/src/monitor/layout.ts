// Where the monitor's memory lives: host-physical pages above guest RAM, and the linear
// addresses of the monitor region (top 4 MiB) that map the parts the hardware reads by
// linear address (GDT, LDT, TSS, per-vCPU area). Shadow page tables are walked by
// physical address, so they need no linear mapping.

import { DEFAULT_RESERVED_FIRST, RESERVED_LDT, RESERVED_MONITOR } from '@vmm86/segmentation';

export const MONITOR_LINEAR = 0xffc00000;
export const PAGE = 4096;

/** Page offsets inside monitor memory (host page = ramPages + offset). */
export const MON_PT = 0; // the page table behind directory slot 1023 of every root
export const MON_GDT = 1; // 16 pages: 8192 descriptors
export const MON_LDT = 17; // 16 pages
export const MON_TSS = 33;
export const MON_AREA = 34; // per-vCPU area (dbt's VCPU layout, 0x900 bytes)
/** The translation cache: 1 MiB, run by the hardware at CPL 1. */
export const MON_TC = 40;
export const TC_PAGES = 256;
/** Pages mapped into the monitor region (linear MONITOR_LINEAR + offset * 4096). */
export const MON_MAPPED: number = MON_TC + TC_PAGES;
/** Pool for shadow page tables and directories. */
export const MON_POOL: number = MON_MAPPED;
export const POOL_PAGES = 1024;
export const MONITOR_PAGES: number = MON_POOL + POOL_PAGES;

export const linearOf = (page: number): number => (MONITOR_LINEAR + page * PAGE) >>> 0;

/** Monitor GDT indices (segmentation reserves 8160.. for cached entries, the LDT and these). */
export const RESERVED_FIRST: number = DEFAULT_RESERVED_FIRST;
export const GDT_LDT: number = RESERVED_FIRST + RESERVED_LDT;
export const GDT_MON_CODE0: number = RESERVED_FIRST + RESERVED_MONITOR;
export const GDT_MON_DATA0: number = GDT_MON_CODE0 + 1;
export const GDT_MON_CODE1: number = GDT_MON_CODE0 + 2;
export const GDT_MON_DATA1: number = GDT_MON_CODE0 + 3;
export const GDT_MON_AREA: number = GDT_MON_CODE0 + 4;

/** A descriptor as (lo, hi) dwords. */
export function descriptor(base: number, limit: number, access: number, flags: number): { lo: number; hi: number } {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = ((base >>> 16) & 0xff) | (access << 8) | (((limit >>> 16) & 0xf) << 16) | (flags << 20) | (base & 0xff000000);
  return { lo: lo | 0, hi: hi | 0 };
}

/**
 * The monitor's own descriptors: flat code/data for CPL 0 (the monitor) and CPL 1
 * (translated code), and the per-vCPU area for GS. All DPL <= 1, so CPL-3 code can load
 * none of them (segmentation refuses any other kind at construction).
 */
export function monitorEntries(): { index: number; lo: number; hi: number }[] {
  const flat = 0xfffff;
  const g32 = 0xc; // G = 1, D/B = 1
  return [
    { index: GDT_MON_CODE0, ...descriptor(0, flat, 0x9b, g32) },
    { index: GDT_MON_DATA0, ...descriptor(0, flat, 0x93, g32) },
    { index: GDT_MON_CODE1, ...descriptor(0, flat, 0xbb, g32) },
    { index: GDT_MON_DATA1, ...descriptor(0, flat, 0xb3, g32) },
    { index: GDT_MON_AREA, ...descriptor(linearOf(MON_AREA), 2 * PAGE - 1, 0xb3, 0x4) },
  ];
}
