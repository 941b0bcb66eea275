// CLI/STI, CLD/STD, LES/LDS/LSS/LFS/LGS, BOUND, CPUID, RDTSC, RDMSR/WRMSR, UD0/UD1/UD2.
//
// The model-specific registers this CPU implements are the time-stamp counter (0x10,
// kept in `cpu.tsc`) and SYSENTER_CS/ESP/EIP (0x174-0x176, kept per CPU in a small
// array, see `sysenterMsrs`); every other MSR index raises #GP(0).

import type { Instruction } from '@vmm86/x86-decoder';
import type { Cpu, Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import {
  CR0_PE, CR4_PCE, CR4_TSD, EFLAGS_DF, EFLAGS_IF, EFLAGS_VM, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, VEC_BR,
  VEC_GP, VEC_UD,
} from '../state.js';

/** #GP(0) unless the CPU runs at privilege 0 (real mode, or protected mode at CPL 0). */
function requireCpl0(cpu: Cpu): void {
  if ((cpu.cr0 & CR0_PE) !== 0 && (cpu.cpl !== 0 || (cpu.flagsReg & EFLAGS_VM) !== 0)) cpu.fault(VEC_GP, 0);
}

/** CLI/STI permission (no VME/PVI on this CPU): protected mode needs CPL <= IOPL, v8086 IOPL = 3. */
function requireIopl(cpu: Cpu): void {
  if ((cpu.cr0 & CR0_PE) === 0) return;
  const f = cpu.flagsReg;
  const iopl = (f >> 12) & 3;
  if ((f & EFLAGS_VM) !== 0 ? iopl !== 3 : cpu.cpl > iopl) cpu.fault(VEC_GP, 0);
}

// ---- far pointer loads --------------------------------------------------------------

/** LxS r, m16:16/32: both parts are read, the segment loaded (with its checks), then the register. */
function loadFar(seg: number): Handler {
  return (cpu, insn) => {
    const bits = insn.opSize;
    const n = bits >> 3;
    const lin = cpu.memLinear(insn, n + 2);
    const off = cpu.readN(lin, bits);
    const sel = cpu.read16((lin + n) | 0);
    cpu.loadSegment(seg, sel);
    cpu.setReg(insn.opReg[0] as number, off);
  };
}

/** BOUND r, m: signed bounds; #BR (a fault) when the index is below the first or above the second. */
const bound: Handler = (cpu, insn: Instruction) => {
  const bits = insn.opSize;
  const n = bits >> 3;
  const lin = cpu.memLinear(insn, 2 * n);
  let lo = cpu.readN(lin, bits);
  let hi = cpu.readN((lin + n) | 0, bits);
  let idx = cpu.getReg(insn.opReg[0] as number);
  if (bits === 16) {
    lo = (lo << 16) >> 16;
    hi = (hi << 16) >> 16;
    idx = (idx << 16) >> 16;
  }
  if (idx < lo || idx > hi) cpu.fault(VEC_BR);
};

// ---- CPUID --------------------------------------------------------------------------

/** CPUID.1 EAX: family 6, model 3, stepping 3 (Pentium II). */
export const CPUID_SIGNATURE: number = 0x0633;
/** CPUID.1 EDX: FPU DE PSE TSC MSR CX8 SEP PGE CMOV. */
export const CPUID_FEATURES: number =
  (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 11) | (1 << 13) | (1 << 15);

/**
 * CPUID: leaf 0 gives max leaf 2 and "GenuineIntel"; leaf 1 the signature and features;
 * leaf 2 the Pentium II (512 KiB L2) cache and TLB descriptors. A leaf above the maximum
 * (extended leaves included, which this CPU lacks) returns the highest basic leaf.
 */
const cpuid: Handler = (cpu) => {
  const r = cpu.reg32;
  const leaf = (r[0] as number) >>> 0;
  if (leaf === 0) {
    r[0] = 2;
    r[3] = 0x756e6547; // "Genu"
    r[2] = 0x49656e69; // "ineI"
    r[1] = 0x6c65746e; // "ntel"
  } else if (leaf === 1) {
    r[0] = CPUID_SIGNATURE;
    r[3] = 0;
    r[1] = 0;
    r[2] = CPUID_FEATURES;
  } else {
    // Leaf 2 (and any leaf beyond the maximum): one iteration; ITLB 4K/4M, DTLB 4K (EAX),
    // L2 512K, L1I 16K, DTLB 4M, L1D 16K (EDX).
    r[0] = 0x03020101;
    r[3] = 0;
    r[1] = 0;
    r[2] = 0x0c040843;
  }
};

// ---- TSC and MSRs -------------------------------------------------------------------

/** RDTSC: CR4.TSD makes it privileged (#GP(0) at CPL > 0). */
const rdtsc: Handler = (cpu) => {
  if ((cpu.cr4 & CR4_TSD) !== 0) requireCpl0(cpu);
  const t = cpu.tsc;
  cpu.reg32[0] = t % 0x100000000;
  cpu.reg32[2] = Math.floor(t / 0x100000000);
};

export const MSR_TSC: number = 0x10;
export const MSR_SYSENTER_CS: number = 0x174;
export const MSR_SYSENTER_ESP: number = 0x175;
export const MSR_SYSENTER_EIP: number = 0x176;

const sysenter = new WeakMap<Cpu, Int32Array>();

/**
 * SYSENTER_CS, SYSENTER_ESP, SYSENTER_EIP of a CPU (indices 0-2), created zero on first
 * use (RESET value). SYSENTER/SYSEXIT read them from here.
 */
export function sysenterMsrs(cpu: Cpu): Int32Array {
  let m = sysenter.get(cpu);
  if (m === undefined) {
    m = new Int32Array(3);
    sysenter.set(cpu, m);
  }
  return m;
}

/**
 * The other model-specific registers of a Pentium II that an OS touches, as plain storage
 * (SDM Vol. 4, "MSRs in the P6 family"): index -> slot. The performance counters hold
 * what is written but do not count (no event is modelled). Any MSR not listed here or
 * above raises #GP(0), as on the real part.
 */
const P6_MSRS: ReadonlyMap<number, number> = new Map([
  [0x17, 0], // IA32_PLATFORM_ID (read-only; platform 0)
  [0x2a, 1], // EBL_CR_POWERON
  [0x79, 2], // BIOS_UPDT_TRIG (write-only: starts a microcode update, which we never have)
  [0x8b, 3], // BIOS_SIGN_ID: microcode revision 0 in EDX after CPUID
  [0xc1, 4], // PerfCtr0 (40 bits)
  [0xc2, 5], // PerfCtr1
  [0x186, 6], // PerfEvtSel0
  [0x187, 7], // PerfEvtSel1
  [0x1d9, 8], // DEBUGCTLMSR
  [0x1db, 9], // LastBranchFromIP (read-only)
  [0x1dc, 10], // LastBranchToIP
  [0x1dd, 11], // LastExceptionFromIP
  [0x1de, 12], // LastExceptionToIP
]);
const MSR_READ_ONLY = new Set([0x17, 0x1db, 0x1dc, 0x1dd, 0x1de]);
const msrFiles = new WeakMap<Cpu, Int32Array>();
/** Low and high halves of each P6_MSRS slot, zero at RESET. */
function msrFile(cpu: Cpu): Int32Array {
  let m = msrFiles.get(cpu);
  if (m === undefined) {
    m = new Int32Array(2 * 13);
    msrFiles.set(cpu, m);
  }
  return m;
}

/** RDMSR: privileged; ECX selects the MSR, EDX:EAX receive it. */
const rdmsr: Handler = (cpu) => {
  requireCpl0(cpu);
  const idx = (cpu.reg32[1] as number) >>> 0;
  if (idx === MSR_TSC) {
    const t = cpu.tsc;
    cpu.reg32[0] = t % 0x100000000;
    cpu.reg32[2] = Math.floor(t / 0x100000000);
  } else if (idx >= MSR_SYSENTER_CS && idx <= MSR_SYSENTER_EIP) {
    cpu.reg32[0] = sysenterMsrs(cpu)[idx - MSR_SYSENTER_CS] as number;
    cpu.reg32[2] = 0;
  } else {
    const slot = P6_MSRS.get(idx);
    if (slot === undefined) return cpu.fault(VEC_GP, 0);
    const file = msrFile(cpu);
    cpu.reg32[0] = file[2 * slot] as number;
    cpu.reg32[2] = file[2 * slot + 1] as number;
  }
};

/**
 * WRMSR: privileged; unknown MSRs #GP(0). The P6 TSC takes only the low 32 bits of a
 * write and clears the high ones (SDM Vol. 3, time-stamp counter). The SYSENTER MSRs keep
 * EAX (EDX is ignored on this 32-bit CPU).
 */
const wrmsr: Handler = (cpu) => {
  requireCpl0(cpu);
  const idx = (cpu.reg32[1] as number) >>> 0;
  const lo = cpu.reg32[0] as number;
  if (idx === MSR_TSC) {
    cpu.tsc = lo >>> 0;
  } else if (idx >= MSR_SYSENTER_CS && idx <= MSR_SYSENTER_EIP) {
    sysenterMsrs(cpu)[idx - MSR_SYSENTER_CS] = lo;
  } else {
    const slot = P6_MSRS.get(idx);
    if (slot === undefined || MSR_READ_ONLY.has(idx)) return cpu.fault(VEC_GP, 0);
    const file = msrFile(cpu);
    file[2 * slot] = lo;
    // The P6 counters take 32 bits and sign-extend them to 40; BIOS_SIGN_ID's revision
    // half is the processor's (0 here), whatever is written.
    const hi = cpu.reg32[2] as number;
    file[2 * slot + 1] = idx === 0xc1 || idx === 0xc2 ? (lo < 0 ? 0xff : 0) : idx === 0x8b ? 0 : hi;
  }
};

/**
 * RDPMC: ECX selects PerfCtr0 or PerfCtr1 (their 40 bits in EDX:EAX). At CPL > 0 it needs
 * CR4.PCE; an index other than 0 or 1 is #GP(0) (SDM Vol. 2, RDPMC, P6 family).
 */
const rdpmc: Handler = (cpu) => {
  if ((cpu.cr4 & CR4_PCE) === 0) requireCpl0(cpu);
  const idx = (cpu.reg32[1] as number) >>> 0;
  if (idx > 1) cpu.fault(VEC_GP, 0);
  const file = msrFile(cpu);
  const slot = P6_MSRS.get(0xc1 + idx) as number;
  cpu.reg32[0] = file[2 * slot] as number;
  cpu.reg32[2] = (file[2 * slot + 1] as number) & 0xff;
};

const ud: Handler = (cpu) => cpu.fault(VEC_UD);

defineOps({
  Cli: (cpu) => {
    requireIopl(cpu);
    cpu.flagsReg &= ~EFLAGS_IF;
  },
  // STI: interrupts stay inhibited for one more instruction when IF was clear.
  Sti: (cpu) => {
    requireIopl(cpu);
    if ((cpu.flagsReg & EFLAGS_IF) === 0) {
      cpu.flagsReg |= EFLAGS_IF;
      cpu.inhibitInterrupts = true;
    }
  },
  Cld: (cpu) => {
    cpu.flagsReg &= ~EFLAGS_DF;
  },
  Std: (cpu) => {
    cpu.flagsReg |= EFLAGS_DF;
  },
  Les_Gv_Mp: loadFar(SEG_ES),
  Lds_Gv_Mp: loadFar(SEG_DS),
  Lss_Gv_Mp: loadFar(SEG_SS),
  Lfs_Gv_Mp: loadFar(SEG_FS),
  Lgs_Gv_Mp: loadFar(SEG_GS),
  Bound_Gv_Ma: bound,
  Cpuid: cpuid,
  Rdtsc: rdtsc,
  Rdmsr: rdmsr,
  Wrmsr: wrmsr,
  Rdpmc: rdpmc,
  Ud2: ud,
  Ud1_Gv_Ev: ud,
  Ud0_Gv_Ev: ud,
});
