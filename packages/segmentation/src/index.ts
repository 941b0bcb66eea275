// @vmm86/segmentation — public API.
export {
  ACC_A, ACC_AVL, ACC_CE, ACC_CODE, ACC_DB, ACC_DPL, ACC_DPL_SHIFT, ACC_G, ACC_P, ACC_RW, ACC_S,
  accDpl, accIsCode, accIsConforming, accIsData, accIsExpandDown, accIsSystem, accPresent,
  descAcc, descBase, descLimit, descRawLimit, encodeHi, encodeLimit, encodeLo, highOffset, lowOffset,
  SYS_CALL_GATE16, SYS_CALL_GATE32, SYS_INT_GATE16, SYS_INT_GATE32, SYS_LDT, SYS_TASK_GATE,
  SYS_TRAP_GATE16, SYS_TRAP_GATE32, SYS_TSS16_AVAIL, SYS_TSS16_BUSY, SYS_TSS32_AVAIL, SYS_TSS32_BUSY,
  truncatedLimit, UNSHADOWABLE,
} from './descriptor.js';
export {
  MODE_PROTECTED, MODE_REAL, MODE_V86, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SegmentShadow,
  TABLE_GDT, TABLE_LDT,
  type CpuMode, type MonitorEntry, type SegmentationConfig, type SegmentationPorts, type SegReg, type TableId,
} from './ports.js';
export {
  DEFAULT_MONITOR_BASE, DEFAULT_RESERVED_FIRST, ENTRY_EMPTY, ENTRY_GUEST_NP, ENTRY_OK, ENTRY_RESERVED,
  ENTRY_SYSTEM, ENTRY_UNACCESSED, ENTRY_UNREADABLE, ENTRY_UNSHADOWABLE, FAULT_EMULATE, FAULT_REFLECT,
  FAULT_RETRY, GDT_ENTRIES, RESERVED_CACHED, RESERVED_LDT, RESERVED_MONITOR, Segmentation,
} from './segmentation.js';
