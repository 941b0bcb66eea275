// Architectural names (the SDM's, as in cpu-core's paging.ts, which this package must not
// import) and the shadow MMU's own enumerations.

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

export const CR0_WP: number = 1 << 16;
export const CR0_PG: number = 1 << 31;
export const CR4_PSE: number = 1 << 4;
export const CR4_PGE: number = 1 << 7;

/** The monitor region: the top 4 MiB of linear space, i.e. directory slot 1023 of every root. */
export const MONITOR_BASE = 0xffc00000;
export const MONITOR_PDI = 1023;

/** Hidden fault: the shadow was missing or stale; it has been filled, retry the instruction. */
export const FAULT_HIDDEN = 0;
/** True fault: the guest's own tables refuse the access; reflect #PF(fault.error) with CR2 = fault.lin. */
export const FAULT_TRUE = 1;
/** Trace fault: the guest may access the page but it is traced; emulate at fault.gpa through writeGuestPhys/readGuestPhys. */
export const FAULT_TRACE = 2;
/** The guest page has no RAM behind it (pmap says -1): emulate the access at fault.gpa against devices. */
export const FAULT_MMIO = 3;
/** The address lies in the monitor region: emulate against the guest's own mapping (segments should have caught it). */
export const FAULT_MONITOR = 4;

export type FaultClass =
  | typeof FAULT_HIDDEN
  | typeof FAULT_TRUE
  | typeof FAULT_TRACE
  | typeof FAULT_MMIO
  | typeof FAULT_MONITOR;

/** Root kinds. */
export const ROOT_KERNEL = 0;
/** Only the guest's user-accessible mappings: for CPL-3 guest code under BT (hardware CPL 1). */
export const ROOT_USER = 1;
/** Guest paging off: linear = guest-physical through the pmap. */
export const ROOT_PHYSICAL = 2;

export type RootKind = typeof ROOT_KERNEL | typeof ROOT_USER | typeof ROOT_PHYSICAL;

export const TRACE_WRITE = 1;
export const TRACE_RW = 2;

export type TraceKind = typeof TRACE_WRITE | typeof TRACE_RW;
