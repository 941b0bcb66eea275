// SYSENTER / SYSEXIT (the SEP feature of the Pentium II), after the SDM's pseudo-code
// (Vol. 2B, SYSENTER and SYSEXIT). Neither instruction reads the GDT: CS and SS are
// loaded with fixed flat 4 GiB caches whose selectors come from SYSENTER_CS
// (`sysenterMsrs(cpu)[0]`); the operating system is expected to have matching
// descriptors at those selectors.
//
// SYSENTER: #GP(0) if CR0.PE = 0 or SYSENTER_CS[15:2] = 0. Clears VM, IF and RF;
//   CS = SYSENTER_CS & 0xFFFC (flat ring-0 code: base 0, limit 4 GiB, G, D, type 11
//   execute/read accessed, DPL 0, P), SS = CS + 8 (flat ring-0 data, type 3 read/write
//   accessed, B); CPL 0; ESP = SYSENTER_ESP; EIP = SYSENTER_EIP.
// SYSEXIT: #GP(0) if SYSENTER_CS[15:2] = 0, CR0.PE = 0 or CPL != 0 (v8086 runs at CPL 3);
//   CS = (SYSENTER_CS + 16) | 3 (flat ring-3 code), SS = (SYSENTER_CS + 24) | 3 (flat
//   ring-3 data); CPL 3; ESP = ECX; EIP = EDX.

import type { Cpu, Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import { segFlagsOf } from '../segment.js';
import {
  ACC_A, ACC_CODE, ACC_DB, ACC_DPL_SHIFT, ACC_G, ACC_P, ACC_RW, ACC_S, CR0_PE, EFLAGS_IF, EFLAGS_RF,
  EFLAGS_VM, SEG_CS, SEG_SS, VEC_GP,
} from '../state.js';
import { sysenterMsrs } from './system-basic.js';

/** Flat 4 GiB code (execute/read, accessed) and data (read/write, accessed) access words. */
const FLAT_CODE = ACC_P | ACC_S | ACC_CODE | ACC_RW | ACC_A | ACC_DB | ACC_G;
const FLAT_DATA = ACC_P | ACC_S | ACC_RW | ACC_A | ACC_DB | ACC_G;

/** Loads segment slot `seg` with a fixed flat cache of access word `acc` at privilege `dpl`. */
function loadFlat(cpu: Cpu, seg: number, selector: number, acc: number, dpl: number): void {
  const a = acc | (dpl << ACC_DPL_SHIFT);
  cpu.segSel[seg] = selector & 0xffff;
  cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = -1;
  cpu.segAcc[seg] = a;
  cpu.segFlags[seg] = segFlagsOf(a);
}

const sysenter: Handler = (cpu) => {
  const msr = sysenterMsrs(cpu);
  const cs = (msr[0] as number) & 0xffff;
  if ((cpu.cr0 & CR0_PE) === 0) cpu.fault(VEC_GP, 0); // real mode -> #GP(0)
  if ((cs & 0xfffc) === 0) cpu.fault(VEC_GP, 0); // SYSENTER_CS[15:2] = 0 -> #GP(0)
  cpu.setFlags(0, EFLAGS_VM | EFLAGS_IF | EFLAGS_RF);
  loadFlat(cpu, SEG_CS, cs & 0xfffc, FLAT_CODE, 0);
  loadFlat(cpu, SEG_SS, (cs & 0xfffc) + 8, FLAT_DATA, 0);
  cpu.cpl = 0;
  cpu.reg32[4] = msr[1] as number;
  cpu.nextEip = msr[2] as number;
};

const sysexit: Handler = (cpu) => {
  const msr = sysenterMsrs(cpu);
  const cs = (msr[0] as number) & 0xffff;
  if ((cs & 0xfffc) === 0) cpu.fault(VEC_GP, 0); // SYSENTER_CS[15:2] = 0 -> #GP(0)
  // real mode, or CPL != 0 (v8086 code runs at CPL 3) -> #GP(0)
  if ((cpu.cr0 & CR0_PE) === 0 || cpu.cpl !== 0 || (cpu.flagsReg & EFLAGS_VM) !== 0) cpu.fault(VEC_GP, 0);
  loadFlat(cpu, SEG_CS, (cs + 16) | 3, FLAT_CODE, 3);
  loadFlat(cpu, SEG_SS, (cs + 24) | 3, FLAT_DATA, 3);
  cpu.cpl = 3;
  cpu.reg32[4] = cpu.reg32[1] as number;
  cpu.nextEip = cpu.reg32[2] as number;
};

defineOps({ Sysenter: sysenter, Sysexit: sysexit });
