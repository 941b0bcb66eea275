// The per-vCPU area as translated code sees it: GS-relative dword slots.
//
// GS is reserved for the monitor during BT (guest GS-prefixed accesses are rewritten to FS),
// so translated code reaches this area with `gs:[disp32]` and nothing the guest can name
// reaches it. The monitor keeps the virtual state here current before entering the TC and
// reads it back after every exit; translated code keeps the hot parts (virtual IF, pushf
// image, indirect targets) in place so that cli/pushf/ret never leave the cache.
//
// Virtual IF is a slot of its own (0 or EFLAGS.IF) rather than a bit of VFLAGS: `cli` must
// clear it with a flag-free `mov`, since the hardware arithmetic flags are the guest's.

export const VCPU = {
  /** Virtual EFLAGS.IF: 0 or 0x200. cli stores 0 here in-TC. */
  VIF: 0x00,
  /** Virtual EFLAGS control bits other than IF (IOPL, NT, AC, ID) plus the fixed bit 1. */
  VFLAGS: 0x04,
  /** Non-zero when a virtual interrupt awaits delivery (read by the monitor at exits). */
  PENDING: 0x08,
  /** Guest EIP of the indirect transfer (jmp/call Ev, ret) that is leaving the CCF. */
  TARGET: 0x0c,
  /** Scratch for EAX while pushf assembles the guest image. */
  SAVE_EAX: 0x10,
  /** Scratch for the lahf/seto image of the arithmetic flags. */
  SAVE_FLAGS: 0x14,
  /** Scratch for ECX in the indirect-target probe. */
  SAVE_ECX: 0x18,
  /** The TC address the indirect-target probe jumps through. */
  JUMP: 0x1c,
  /** Virtual selectors ES, CS, SS, DS, FS, GS (guest RPL), one dword each, in `Seg` order. */
  VSEL: 0x20,
  /** Hardware selector (shadow or cached entry) that makes FS address the guest's FS. */
  HW_FS_FOR_FS: 0x38,
  /** Hardware selector that makes FS address the guest's GS. */
  HW_FS_FOR_GS: 0x3c,
  /**
   * Indirect-target table: HASH_ENTRIES pairs { -guestEip, TC linear address }, indexed by
   * the low byte of the guest EIP (the only flag-free hash: movzx). Written by the
   * translator (`TranslationCache`), read by the in-TC probe. Keys are stored negated so
   * the probe compares with `lea` + `jecxz` and leaves the guest's flags alone.
   */
  HASH: 0x100,
  HASH_ENTRIES: 256,
  /** Bytes the area needs. */
  SIZE: 0x900,
} as const;

/** The arithmetic and status bits pushf takes from hardware EFLAGS: CF PF AF ZF SF TF DF OF. */
export const PUSHF_HW_MASK = 0x0dd5;
