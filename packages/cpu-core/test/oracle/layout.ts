// The memory layout shared by the native runner (native/oracle-runner.c) and the harness.
//
//   WIN  = 0x00100000  4 KiB data window: every memory operand and the stack live here
//   CODE = 0x00110000  the sequence (natively followed by a JMP back to the runner; in the
//                      core by UD2, whose #UD trap at CODE + length means "ran to the end")
// CS, DS, SS (and GS) are flat; ES and FS have base WIN and a 4 GiB limit (natively a TLS
// GDT entry from set_thread_area), so 16-bit addressing (67 prefix + FS override) and
// ES:[E]DI reach the window.

export const WIN = 0x00100000;
export const WSIZE = 0x1000;
export const CODE = 0x00110000;
export const CODE_MAX: number = 0x1000 - 16;
/** Initial ESP offset in the window. */
export const STACK_TOP = 0x800;
export const RUNNER_MAGIC = 0x4f52434c;
