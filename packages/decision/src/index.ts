// @vmm86/decision — public API.
export {
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
export {
  decisionFor,
  Reason,
  REASON_COUNT,
  REASON_LABELS,
  reasonMode,
  segmentReason,
  type Decision,
  type Mode,
} from './reasons.js';
export { decide, isV8086, SEGMENT_CHECK_ORDER } from './decide.js';
export {
  alwaysBtStrategy,
  DEFAULT_STRATEGY,
  getStrategy,
  noV86Strategy,
  strategies,
  UnknownStrategyError,
  vmwareStrategy,
  type DecisionStrategy,
} from './strategies.js';
