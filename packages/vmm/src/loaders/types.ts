// What every loader returns: the CPU state to start the guest in, and a description of what
// went where. Loaders only write guest RAM; the machine applies the entry state.

/** A region the loader filled, for `--stats` and verbose output. */
export interface LayoutEntry {
  what: string;
  /** First byte (physical address). */
  start: number;
  /** One past the last byte. */
  end: number;
}

export interface EntryState {
  /**
   * 'flat32': protected mode, paging off, CS = flat 32-bit code, DS/ES/FS/GS/SS = flat
   * data, taken from a GDT the loader wrote into RAM; 'real': real mode at cs:ip.
   */
  mode: 'flat32' | 'real';
  eip: number;
  /** flat32: where the loader's GDT is and which selectors to load. */
  gdt?: { base: number; limit: number; cs: number; ds: number };
  /** real: CS selector (EIP = ip). */
  cs?: number;
  /** General registers at entry (missing ones are 0). */
  eax?: number;
  ebx?: number;
  ecx?: number;
  edx?: number;
  esi?: number;
  edi?: number;
  ebp?: number;
  esp?: number;
  /** Human-readable description of what was loaded where. */
  layout: LayoutEntry[];
}

/** A malformed image or one that does not fit the machine; the message is for the user. */
export class LoaderError extends Error {
  override name = 'LoaderError';
}
