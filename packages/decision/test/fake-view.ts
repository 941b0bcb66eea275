// A plain-object VcpuView for tests, built from the fields the rules talk about.
import { CR0_PE, EFLAGS_IF, EFLAGS_IOPL_SHIFT, EFLAGS_VM, type SegmentShadow, type SegReg, type VcpuView } from '../src/ports.ts';

export interface FakeState {
  pe: boolean;
  vm: boolean;
  cpl: number;
  iopl: number;
  if: boolean;
  /** Shadow state per segment register, cpu-core order ES CS SS DS FS GS. */
  shadows: readonly number[];
  /** EFLAGS/CR0 bits the rules must ignore, OR-ed in. */
  eflagsNoise?: number;
  cr0Noise?: number;
}

export interface FakeView extends VcpuView {
  /** How many times segmentShadow was called. */
  shadowReads: number;
}

export function fakeView(s: FakeState): FakeView {
  const view: FakeView = {
    cr0: (s.pe ? CR0_PE : 0) | (s.cr0Noise ?? 0),
    eflags:
      0x2 | (s.eflagsNoise ?? 0) | (s.vm ? EFLAGS_VM : 0) | (s.if ? EFLAGS_IF : 0) | ((s.iopl & 3) << EFLAGS_IOPL_SHIFT),
    cpl: s.cpl,
    shadowReads: 0,
    segmentShadow(seg: SegReg): SegmentShadow {
      view.shadowReads++;
      const v = s.shadows[seg];
      if (v === undefined) throw new Error(`no shadow state for segment ${seg}`);
      return v as SegmentShadow;
    },
  };
  return view;
}
