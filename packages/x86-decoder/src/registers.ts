// Register numbering shared by the decoder, the formatter and every consumer.
//
// One flat id space so that an operand is a single small integer: a consumer that
// wants the architectural index takes `id & 7` and the class from `regClass(id)`.
// The CPU core indexes its register file with `id & 7` for GPRs, so the low three bits
// must always be the encoding's register number.

export const Reg = {
  AL: 0, CL: 1, DL: 2, BL: 3, AH: 4, CH: 5, DH: 6, BH: 7,
  AX: 8, CX: 9, DX: 10, BX: 11, SP: 12, BP: 13, SI: 14, DI: 15,
  EAX: 16, ECX: 17, EDX: 18, EBX: 19, ESP: 20, EBP: 21, ESI: 22, EDI: 23,
  ES: 24, CS: 25, SS: 26, DS: 27, FS: 28, GS: 29, SEG6: 30, SEG7: 31,
  CR0: 32, DR0: 40, TR0: 48, ST0: 56, MM0: 64, XMM0: 72, YMM0: 80, K0: 88,
  ZMM0: 96, BND0: 104,
  NONE: 255,
} as const;

/** Register classes, one per block of eight ids above. */
export const RegClass = {
  GPR8: 0, GPR16: 1, GPR32: 2, SEG: 3, CR: 4, DR: 5, TR: 6, ST: 7, MM: 8, XMM: 9,
  YMM: 10, K: 11, ZMM: 12, BND: 13, NONE: 255,
} as const;
export type RegClass = (typeof RegClass)[keyof typeof RegClass];

/** The segment register numbers used by prefixes and memory operands (SDM order). */
export const Seg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5, NONE: 255 } as const;

const NAMES: readonly string[] = (() => {
  const n: string[] = [];
  n.push('al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh');
  n.push('ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di');
  n.push('eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi');
  n.push('es', 'cs', 'ss', 'ds', 'fs', 'gs', '?', '?');
  for (let i = 0; i < 8; i++) n.push(`cr${i}`);
  for (let i = 0; i < 8; i++) n.push(`dr${i}`);
  for (let i = 0; i < 8; i++) n.push(`tr${i}`);
  for (let i = 0; i < 8; i++) n.push(`st(${i})`);
  for (let i = 0; i < 8; i++) n.push(`mm${i}`);
  for (let i = 0; i < 8; i++) n.push(`xmm${i}`);
  for (let i = 0; i < 8; i++) n.push(`ymm${i}`);
  for (let i = 0; i < 8; i++) n.push(`k${i}`);
  for (let i = 0; i < 8; i++) n.push(`zmm${i}`);
  for (let i = 0; i < 8; i++) n.push(`bnd${i}`);
  return n;
})();

/** objdump's Intel-syntax name of a register id ("st" for st(0) is the formatter's business). */
export function regName(id: number): string {
  return NAMES[id] ?? '?';
}

export function regClass(id: number): RegClass {
  return id === Reg.NONE ? RegClass.NONE : ((id >> 3) as RegClass);
}
