// Why a decision was taken, as a small number.
//
// Statistics (`--stats`) count decisions per reason in a typed array indexed by `Reason`, and
// the "why is this translated" view prints `REASON_LABELS[reason]`. The monitor decides on
// every return to the guest, so a decision allocates nothing: every reason has exactly one
// frozen `Decision`, built here once, and a reason determines its mode.
//
// Labels follow the brief's spelling (real-mode, cpl, iopl, if, segment:<reg>:<why>) so that
// stats output, the brief and the README read the same.

import { SegmentShadow, type SegReg } from './ports.js';

export type Mode = 'DE' | 'BT';

export const Reason = {
  /** DE: v8086 mode satisfies Popek and Goldberg, so it is trapped-and-emulated. */
  V8086: 0,
  /** DE: protected mode, CPL 3, IOPL < 3, IF = 1, every segment register shadowed. */
  USER: 1,
  /** BT: CR0.PE = 0. */
  REAL_MODE: 2,
  /** BT: CPL < 3 — the monitor's DPL ≤ 1 descriptors would be loadable. */
  CPL: 3,
  /** BT: IOPL ≥ CPL — cli/sti/in/out would not trap. */
  IOPL: 4,
  /** BT: IF = 0 — the hardware needs IF = 1 in DE and pushf would show the difference. */
  IF: 5,
  /** BT: the strategy never runs guest code directly (`always-bt`). */
  FORCED_BT: 6,
  /** BT: v8086 code translated instead of trapped-and-emulated (`no-v86`). */
  V8086_BT: 7,
  // Segment registers in cpu-core order; each pair is (non-reversible, no shadow).
  SEG_ES_NON_REVERSIBLE: 8,
  SEG_ES_NO_SHADOW: 9,
  SEG_CS_NON_REVERSIBLE: 10,
  SEG_CS_NO_SHADOW: 11,
  SEG_SS_NON_REVERSIBLE: 12,
  SEG_SS_NO_SHADOW: 13,
  SEG_DS_NON_REVERSIBLE: 14,
  SEG_DS_NO_SHADOW: 15,
  SEG_FS_NON_REVERSIBLE: 16,
  SEG_FS_NO_SHADOW: 17,
  SEG_GS_NON_REVERSIBLE: 18,
  SEG_GS_NO_SHADOW: 19,
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** Number of reasons: the length of a per-reason counter array. */
export const REASON_COUNT = 20;

const SEGMENT_REASON_BASE = Reason.SEG_ES_NON_REVERSIBLE;
const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/**
 * The BT reason for segment register `seg` whose shadow is not usable. Values of `shadow`
 * other than NON_REVERSIBLE (including unknown ones) count as "no shadow".
 */
export function segmentReason(seg: SegReg, shadow: SegmentShadow): Reason {
  return (SEGMENT_REASON_BASE + seg * 2 + (shadow === SegmentShadow.NON_REVERSIBLE ? 0 : 1)) as Reason;
}

function buildLabels(): readonly string[] {
  const labels = ['v8086', 'user', 'real-mode', 'cpl', 'iopl', 'if', 'forced-bt', 'v8086-bt'];
  for (const name of SEG_NAMES) labels.push(`segment:${name}:non-reversible`, `segment:${name}:no-shadow`);
  return Object.freeze(labels);
}

/** Human-readable label of each reason, indexed by `Reason`. */
export const REASON_LABELS: readonly string[] = buildLabels();

/** The result of a decision. Shared and frozen: compare by `mode`/`reason`, never mutate. */
export interface Decision {
  readonly mode: Mode;
  readonly reason: Reason;
  /** `REASON_LABELS[reason]`, carried along for logs. */
  readonly label: string;
}

function buildDecisions(): readonly Decision[] {
  const out: Decision[] = [];
  for (let r = 0; r < REASON_COUNT; r++) {
    const mode: Mode = r === Reason.V8086 || r === Reason.USER ? 'DE' : 'BT';
    out.push(Object.freeze({ mode, reason: r as Reason, label: REASON_LABELS[r] ?? '' }));
  }
  return Object.freeze(out);
}

const DECISIONS: readonly Decision[] = buildDecisions();

/** The one preallocated `Decision` for `reason`. */
export function decisionFor(reason: Reason): Decision {
  const d = DECISIONS[reason];
  if (d === undefined) throw new RangeError(`not a decision reason: ${String(reason)}`);
  return d;
}

/** The mode a reason implies. */
export function reasonMode(reason: Reason): Mode {
  return decisionFor(reason).mode;
}
