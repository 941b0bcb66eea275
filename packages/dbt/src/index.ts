// @vmm86/dbt — public API.
export type { CalloutConvention, CodeTrace, DbtPorts, GuestCode, TcMemory } from './ports.js';
export { VCPU, PUSHF_HW_MASK } from './vcpu-area.js';
export { Emitter, CC, R32 } from './emit.js';
export {
  Cls, CLS_NAMES, MAX_UNIT, REASON_NAMES, Reason, Stop, UnitDecoder, classify, reasonEndsUnit, type Unit,
} from './unit.js';
export {
  CalloutKind, MAP_FS_HOLDS_GS, Translator, type CalloutSpec, type ExitSpec, type TranslateOptions, type Translation,
} from './translate.js';
export {
  Ccf, TranslationCache, type CacheStats, type CalloutSite, type ExitSite, type FetchFault, type TcLocation,
  type TranslationContext,
} from './cache.js';
