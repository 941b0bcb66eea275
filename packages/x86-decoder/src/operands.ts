// Operand specifications: the SDM's operand letters (Appendix A.2), one row each.
//
// A form in an opcode table lists its operands by these names ("Ev", "Gv", "Ib"...).
// Each name is compiled once into numeric columns (where the operand comes from, its
// register class, memory size and objdump's size keyword for each operand size), so the
// decode loop reads only typed arrays. Memory sizes are in bytes; a size of 0 means the
// operand is an address only (LEA, INVLPG's address is still an access of its own kind).

/** Where an operand's value is encoded. */
export const Loc = {
  NONE: 0,
  RM: 1, // ModRM.rm: a register when mod = 3, else memory
  REG: 2, // ModRM.reg
  OPREG: 3, // low three bits of the opcode byte
  FIXED: 4, // a register implied by the opcode
  IMM: 5, // immediate
  CONST1: 6, // the constant 1 of the shift-by-one forms
  REL: 7, // relative branch displacement
  FAR: 8, // ptr16:16 / ptr16:32 immediate
  MOFFS: 9, // absolute offset (moffs)
  STR_SRC: 10, // DS:[rSI], segment overridable
  STR_DST: 11, // ES:[rDI], never overridable
  XLAT: 12, // DS:[rBX + AL]
  VVVV: 13, // VEX.vvvv register
  IS4: 14, // register in bits 7:4 of an immediate byte (VEX /is4)
} as const;

/** objdump's memory size keywords ("BYTE PTR" ...), indexed by the `ptr` columns. */
export const Ptr = {
  NONE: 0, BYTE: 1, WORD: 2, DWORD: 3, FWORD: 4, QWORD: 5, TBYTE: 6, XMMWORD: 7,
  YMMWORD: 8, ZMMWORD: 9, OWORD: 10,
} as const;
export const PTR_NAMES: readonly string[] = [
  '', 'BYTE PTR ', 'WORD PTR ', 'DWORD PTR ', 'FWORD PTR ', 'QWORD PTR ', 'TBYTE PTR ',
  'XMMWORD PTR ', 'YMMWORD PTR ', 'ZMMWORD PTR ', 'OWORD PTR ',
];

/** Register class selector: GPRV means "16 or 32 bits by operand size". */
export const RC = {
  GPR8: 0, GPR16: 1, GPR32: 2, SEG: 3, CR: 4, DR: 5, TR: 6, ST: 7, MM: 8, XMM: 9,
  YMM: 10, K: 11, ZMM: 12, BND: 13, NONE: 255,
  GPRV: 100,
  /** 16 or 32 bits by address size (UMONITOR, MOVDIR64B). */
  GPRA: 102,
  /** XMM when VEX.L = 0, YMM when VEX.L = 1; memory sizes m16/m32 then mean L = 0 / L = 1. */
  XMMV: 101,
  /** Always an XMM register, but the memory size follows VEX.L (m16 when L = 0, m32 when L = 1). */
  XMMH: 103,
} as const;

export interface SpecDef {
  loc: number;
  /** Register class when the operand is (or may be) a register. */
  rc: number;
  /** Fixed register number (within the class) for Loc.FIXED, or immediate byte count. */
  n: number;
  /** Memory size in bytes at operand size 16 and 32. */
  m16: number;
  m32: number;
  /** objdump size keyword at operand size 16 and 32. */
  p16: number;
  p32: number;
  /** 1: memory only (mod = 3 is #UD), 2: register only (mod != 3 is #UD). */
  only: number;
  /** Immediate is sign-extended to the operand size. */
  sx: boolean;
  /** Immediate or register width follows the operand size (Iz, Jz, eAX ...). */
  vsize: boolean;
}

const d = (p: Partial<SpecDef> & { loc: number }): SpecDef => ({
  rc: RC.NONE, n: 0, m16: 0, m32: 0, p16: Ptr.NONE, p32: Ptr.NONE, only: 0, sx: false,
  vsize: false, ...p,
});

const rm = (rc: number, m16: number, m32: number, p16: number, p32: number, only = 0): SpecDef =>
  d({ loc: Loc.RM, rc, m16, m32, p16, p32, only });
const mem = (size: number, ptr: number): SpecDef => rm(RC.NONE, size, size, ptr, ptr, 1);
const reg = (rc: number): SpecDef => d({ loc: Loc.REG, rc });
const fixed = (rc: number, n: number): SpecDef => d({ loc: Loc.FIXED, rc, n });

/** Every operand letter the tables use. */
export const SPECS: Readonly<Record<string, SpecDef>> = {
  // general-purpose register or memory
  Eb: rm(RC.GPR8, 1, 1, Ptr.BYTE, Ptr.BYTE),
  Ew: rm(RC.GPR16, 2, 2, Ptr.WORD, Ptr.WORD),
  Ed: rm(RC.GPR32, 4, 4, Ptr.DWORD, Ptr.DWORD),
  Ev: rm(RC.GPRV, 2, 4, Ptr.WORD, Ptr.DWORD),
  // register by operand size, but memory is always a word (MOV Sreg, SLDT, STR, SMSW, LAR/LSL src)
  EvMw: rm(RC.GPRV, 2, 2, Ptr.WORD, Ptr.WORD),
  // register operand of MOV CRn/DRn/TRn: always a 32-bit GPR in ModRM.rm, mod ignored
  Rd: rm(RC.GPR32, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  Gb: reg(RC.GPR8),
  Gw: reg(RC.GPR16),
  Gd: reg(RC.GPR32),
  Gv: reg(RC.GPRV),
  Sw: reg(RC.SEG),
  Cd: reg(RC.CR),
  Dd: reg(RC.DR),
  Td: reg(RC.TR),
  Zb: d({ loc: Loc.OPREG, rc: RC.GPR8 }),
  Zv: d({ loc: Loc.OPREG, rc: RC.GPRV }),
  Zd: d({ loc: Loc.OPREG, rc: RC.GPR32 }),
  // memory only
  M: mem(0, Ptr.NONE),
  Mb: mem(1, Ptr.BYTE),
  Mw: mem(2, Ptr.WORD),
  Md: mem(4, Ptr.DWORD),
  Mq: mem(8, Ptr.QWORD),
  Mt: mem(10, Ptr.TBYTE),
  Mx: mem(16, Ptr.XMMWORD),
  Mdq: mem(16, Ptr.XMMWORD),
  Mv: rm(RC.NONE, 2, 4, Ptr.WORD, Ptr.DWORD, 1),
  Mp: rm(RC.NONE, 4, 6, Ptr.DWORD, Ptr.FWORD, 1), // far pointer m16:16 / m16:32
  Ma: rm(RC.NONE, 4, 8, Ptr.DWORD, Ptr.QWORD, 1), // BOUND's pair of bounds
  Ms: mem(6, Ptr.NONE), // SGDT/SIDT/LGDT/LIDT pseudo-descriptor
  Menv: rm(RC.NONE, 14, 28, Ptr.NONE, Ptr.NONE, 1),
  Msave: rm(RC.NONE, 94, 108, Ptr.NONE, Ptr.NONE, 1),
  Mfx: mem(512, Ptr.NONE),
  Mnone1: mem(1, Ptr.NONE), // a byte-sized access objdump prints without a keyword (CLFLUSH...)
  // x87 memory operands
  Mfs: mem(4, Ptr.DWORD),
  Mfd: mem(8, Ptr.QWORD),
  Mft: mem(10, Ptr.TBYTE),
  Mwi: mem(2, Ptr.WORD),
  Mdi: mem(4, Ptr.DWORD),
  Mqi: mem(8, Ptr.QWORD),
  Mbcd: mem(10, Ptr.TBYTE),
  ST: fixed(RC.ST, 0),
  STi: rm(RC.ST, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  // immediates
  Ib: d({ loc: Loc.IMM, n: 1 }),
  sIb: d({ loc: Loc.IMM, n: 1, sx: true, vsize: true }),
  Iw: d({ loc: Loc.IMM, n: 2 }),
  Iz: d({ loc: Loc.IMM, n: 4, vsize: true }),
  Id: d({ loc: Loc.IMM, n: 4 }),
  I1: d({ loc: Loc.CONST1 }),
  Jb: d({ loc: Loc.REL, n: 1 }),
  Jz: d({ loc: Loc.REL, n: 4, vsize: true }),
  Ap: d({ loc: Loc.FAR, vsize: true }),
  // objdump prints moffs operands without a size keyword ("mov al,ds:0x10")
  Ob: d({ loc: Loc.MOFFS, m16: 1, m32: 1 }),
  Ov: d({ loc: Loc.MOFFS, m16: 2, m32: 4, vsize: true }),
  Xb: d({ loc: Loc.STR_SRC, m16: 1, m32: 1, p16: Ptr.BYTE, p32: Ptr.BYTE }),
  Xv: d({ loc: Loc.STR_SRC, m16: 2, m32: 4, p16: Ptr.WORD, p32: Ptr.DWORD }),
  Yb: d({ loc: Loc.STR_DST, m16: 1, m32: 1, p16: Ptr.BYTE, p32: Ptr.BYTE }),
  Yv: d({ loc: Loc.STR_DST, m16: 2, m32: 4, p16: Ptr.WORD, p32: Ptr.DWORD }),
  Xlat: d({ loc: Loc.XLAT, m16: 1, m32: 1, p16: Ptr.BYTE, p32: Ptr.BYTE }),
  // fixed general registers
  AL: fixed(RC.GPR8, 0),
  CL: fixed(RC.GPR8, 1),
  AX: fixed(RC.GPR16, 0),
  DX: fixed(RC.GPR16, 2), // the port number register of IN/OUT
  eAX: d({ loc: Loc.FIXED, rc: RC.GPRV, n: 0 }),
  ES: fixed(RC.SEG, 0),
  CS: fixed(RC.SEG, 1),
  SS: fixed(RC.SEG, 2),
  DS: fixed(RC.SEG, 3),
  FS: fixed(RC.SEG, 4),
  GS: fixed(RC.SEG, 5),
  // MMX
  Pq: reg(RC.MM),
  Pd: reg(RC.MM),
  Qq: rm(RC.MM, 8, 8, Ptr.QWORD, Ptr.QWORD),
  Qd: rm(RC.MM, 4, 4, Ptr.DWORD, Ptr.DWORD),
  Nq: rm(RC.MM, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  // SSE
  Vx: reg(RC.XMM),
  Wx: rm(RC.XMM, 16, 16, Ptr.XMMWORD, Ptr.XMMWORD),
  Wq: rm(RC.XMM, 8, 8, Ptr.QWORD, Ptr.QWORD),
  Wd: rm(RC.XMM, 4, 4, Ptr.DWORD, Ptr.DWORD),
  Ww: rm(RC.XMM, 2, 2, Ptr.WORD, Ptr.WORD),
  Wb: rm(RC.XMM, 1, 1, Ptr.BYTE, Ptr.BYTE),
  Ux: rm(RC.XMM, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  // general register sized by the address size
  // general register by operand size, register only (RDFSBASE...)
  Rz: rm(RC.GPRV, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  Ra: rm(RC.GPRA, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  Ga: reg(RC.GPRA),
  // MPX bound registers; their memory operands print without a size keyword
  BR: reg(RC.BND),
  BM: rm(RC.BND, 8, 8, Ptr.NONE, Ptr.NONE),
  EdM0: rm(RC.GPR32, 4, 4, Ptr.NONE, Ptr.NONE),
  // general register in ModRM.rm of an SSE/MMX form (always 32-bit)
  Rv: rm(RC.GPR32, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  // ---- SSE4/AVX additions (tables/simd.ts) ----
  EdMw: rm(RC.GPR32, 2, 2, Ptr.WORD, Ptr.WORD), // PINSRW/PEXTRW: r32 or m16
  EdMb: rm(RC.GPR32, 1, 1, Ptr.BYTE, Ptr.BYTE), // PINSRB/PEXTRB: r32 or m8
  Mo: mem(16, Ptr.OWORD), // INVEPT/INVVPID/INVPCID descriptor
  Mz: mem(64, Ptr.NONE), // MOVDIR64B/ENQCMD 64-byte destination
  Mdn: mem(4, Ptr.NONE), // WRSSD: a dword objdump prints without a keyword
  Mxn: mem(16, Ptr.NONE), // LDDQU/INVPCID: 16 bytes objdump prints without a keyword
  XMM0: fixed(RC.XMM, 0), // implicit third operand of BLENDVPS/PBLENDVB/SHA256RNDS2
  Nd: rm(RC.MM, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  // VEX: XMM or YMM by VEX.L
  Vy: reg(RC.XMMV),
  Wy: rm(RC.XMMV, 16, 32, Ptr.XMMWORD, Ptr.YMMWORD),
  Uy: rm(RC.XMMV, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  My: rm(RC.XMMV, 16, 32, Ptr.XMMWORD, Ptr.YMMWORD, 1),
  Myn: rm(RC.XMMV, 16, 32, Ptr.NONE, Ptr.NONE, 1), // VLDDQU: printed without a keyword
  Hy: d({ loc: Loc.VVVV, rc: RC.XMMV }),
  Hx: d({ loc: Loc.VVVV, rc: RC.XMM }),
  Ly: d({ loc: Loc.IS4, rc: RC.XMMV, n: 1 }),
  Lx: d({ loc: Loc.IS4, rc: RC.XMM, n: 1 }),
  // VEX: an XMM register whose memory form is half/quarter/eighth of the vector length
  Whq: rm(RC.XMMH, 8, 16, Ptr.QWORD, Ptr.XMMWORD),
  Whd: rm(RC.XMMH, 4, 8, Ptr.DWORD, Ptr.QWORD),
  Whw: rm(RC.XMMH, 2, 4, Ptr.WORD, Ptr.DWORD),
  Whx: rm(RC.XMMH, 16, 16, Ptr.XMMWORD, Ptr.XMMWORD),
  Wdup: rm(RC.XMMV, 8, 32, Ptr.QWORD, Ptr.YMMWORD), // VMOVDDUP
  // VSIB memory operands (element size); the index register class is fixed up in vex.ts
  Vsd: mem(4, Ptr.DWORD),
  Vsq: mem(8, Ptr.QWORD),
  // AVX-512 opmask registers: ModRM.reg, vvvv, ModRM.rm (register or memory of the mask width)
  KG: reg(RC.K),
  KH: d({ loc: Loc.VVVV, rc: RC.K }),
  KU: rm(RC.K, 0, 0, Ptr.NONE, Ptr.NONE, 2),
  KWb: rm(RC.K, 1, 1, Ptr.BYTE, Ptr.BYTE),
  KWw: rm(RC.K, 2, 2, Ptr.WORD, Ptr.WORD),
  KWd: rm(RC.K, 4, 4, Ptr.DWORD, Ptr.DWORD),
  KWq: rm(RC.K, 8, 8, Ptr.QWORD, Ptr.QWORD),
  KMb: mem(1, Ptr.BYTE),
  // BMI: general register in VEX.vvvv
  Bd: d({ loc: Loc.VVVV, rc: RC.GPR32 }),
};

export const SPEC_NAMES: readonly string[] = Object.keys(SPECS);
export const SPEC_ID: Readonly<Record<string, number>> = Object.fromEntries(
  SPEC_NAMES.map((n, i) => [n, i + 1]),
);

/** Columns indexed by spec id (0 = no operand). */
function column(pick: (s: SpecDef) => number): Int32Array {
  const a = new Int32Array(SPEC_NAMES.length + 1);
  SPEC_NAMES.forEach((n, i) => {
    a[i + 1] = pick(SPECS[n] as SpecDef);
  });
  return a;
}
export const SPEC_LOC: Int32Array = column((s) => s.loc);
export const SPEC_RC: Int32Array = column((s) => s.rc);
export const SPEC_N: Int32Array = column((s) => s.n);
export const SPEC_M16: Int32Array = column((s) => s.m16);
export const SPEC_M32: Int32Array = column((s) => s.m32);
export const SPEC_P16: Int32Array = column((s) => s.p16);
export const SPEC_P32: Int32Array = column((s) => s.p32);
export const SPEC_ONLY: Int32Array = column((s) => s.only);
export const SPEC_SX: Int32Array = column((s) => (s.sx ? 1 : 0));
export const SPEC_VSIZE: Int32Array = column((s) => (s.vsize ? 1 : 0));
