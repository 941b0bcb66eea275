// The VMware decision: may the guest's next instructions run directly on the hardware?
//
// The rules are the brief's §1 (Bugnion et al. 2012), checked in the brief's order so that
// the reported reason is the first rule that forbids DE:
//   1. CR0.PE = 0 (real mode)                     -> BT
//   2. EFLAGS.VM = 1 (v8086)                      -> DE, trapped-and-emulated
//   3. protected mode: CPL < 3                    -> BT
//                      IOPL >= CPL (IOPL = 3)     -> BT
//                      IF = 0                     -> BT
//                      CS, SS, DS, ES, FS or GS without a usable shadow -> BT
//   4. otherwise                                  -> DE
//
// Invariant (brief §7.3): DE in protected mode is returned only when the hardware can carry
// the guest's unprivileged state as is — CPL 3, IOPL < 3, IF = 1, shadow selectors. Every
// test here is written so that an unexpected value (a CPL of 7, an unknown shadow state)
// fails the DE condition rather than passes it: when in doubt, translate.
//
// v8086 ignores IF, IOPL and the shadows on purpose: with hardware IOPL < 3 (vmm's job, brief
// §1 pitfalls) every instruction that reads or writes IF or IOPL faults, and v8086 segments
// are base = selector * 16 with no descriptors, so they can neither reach the monitor region
// nor become non-reversible.

import { decisionFor, Reason, segmentReason, type Decision } from './reasons.js';
import {
  CR0_PE,
  EFLAGS_IF,
  EFLAGS_IOPL,
  EFLAGS_IOPL_SHIFT,
  EFLAGS_VM,
  SEG_CS,
  SEG_DS,
  SEG_ES,
  SEG_FS,
  SEG_GS,
  SEG_SS,
  SegmentShadow,
  type SegReg,
  type VcpuView,
} from './ports.js';

/** The brief's order of the segment checks; it decides which register a reason names. */
export const SEGMENT_CHECK_ORDER: readonly SegReg[] = Object.freeze([SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS]);

const REAL_MODE = decisionFor(Reason.REAL_MODE);
const V8086 = decisionFor(Reason.V8086);
const CPL = decisionFor(Reason.CPL);
const IOPL = decisionFor(Reason.IOPL);
const IF = decisionFor(Reason.IF);
const USER = decisionFor(Reason.USER);

/** True when the view is in v8086 mode (protected mode with EFLAGS.VM set). */
export function isV8086(view: VcpuView): boolean {
  return (view.cr0 & CR0_PE) !== 0 && (view.eflags & EFLAGS_VM) !== 0;
}

/** The VMware decision (brief §1). Allocates nothing: the result is shared and frozen. */
export function decide(view: VcpuView): Decision {
  if ((view.cr0 & CR0_PE) === 0) return REAL_MODE;
  const eflags = view.eflags;
  if ((eflags & EFLAGS_VM) !== 0) return V8086;
  const cpl = view.cpl;
  if (cpl !== 3) return CPL;
  if ((eflags & EFLAGS_IOPL) >>> EFLAGS_IOPL_SHIFT >= cpl) return IOPL;
  if ((eflags & EFLAGS_IF) === 0) return IF;
  for (let i = 0; i < SEGMENT_CHECK_ORDER.length; i++) {
    const seg = SEGMENT_CHECK_ORDER[i] as SegReg;
    const shadow = view.segmentShadow(seg);
    if (shadow !== SegmentShadow.USABLE) return decisionFor(segmentReason(seg, shadow));
  }
  return USER;
}
