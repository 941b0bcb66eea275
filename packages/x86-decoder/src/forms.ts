// The form registry and the opcode-table node tree.
//
// An opcode table row is a *form*: one mnemonic with its operand letters and the
// declarative facts later packages need (lockable, flags read/written/undefined, control
// flow kind, privilege class, what it touches, ISA extension). Rows are registered once at
// start-up; each gets a numeric form id and its facts are compiled into typed-array columns
// indexed by that id, so neither the decoder nor the CPU core ever looks at the row objects
// in a hot path. The form's *name* (`Add_Eb_Gb`) is derived from the row, like iced's
// `Add_rm8_r8`, and is what the CPU core keys its handlers on.
//
// Tables are trees of `Node`s: a form, or a selector that picks a child by a field of the
// encoding (ModRM.reg, ModRM.mod, ModRM.rm, mandatory prefix, operand size). All nodes
// share one class so walking the tree stays monomorphic.

import { SPEC_ID, SPEC_LOC, SPEC_M16, SPEC_M32, SPEC_RC, SPEC_VSIZE, Loc, RC } from './operands.js';

/** EFLAGS bits, named as in the SDM. */
export const FL = {
  CF: 0x1, PF: 0x4, AF: 0x10, ZF: 0x40, SF: 0x80, TF: 0x100, IF: 0x200, DF: 0x400,
  OF: 0x800, IOPL: 0x3000, NT: 0x4000, RF: 0x10000, VM: 0x20000, AC: 0x40000,
  VIF: 0x80000, VIP: 0x100000, ID: 0x200000,
} as const;
export const OSZAPC: number = FL.OF | FL.SF | FL.ZF | FL.AF | FL.PF | FL.CF;
export const OSZPC: number = FL.OF | FL.SF | FL.ZF | FL.PF | FL.CF;
export const SZAPC: number = FL.SF | FL.ZF | FL.AF | FL.PF | FL.CF;
export const OSZAP: number = FL.OF | FL.SF | FL.ZF | FL.AF | FL.PF;
export const SZAP: number = FL.SF | FL.ZF | FL.AF | FL.PF;
export const SZP: number = FL.SF | FL.ZF | FL.PF;
/** Every flag POPF/IRET may load. */
export const ALLFLAGS = 0x3f7fd5;

/** Control-flow kind of a form. */
export const Cf = {
  NONE: 0, JMP: 1, JCC: 2, CALL: 3, RET: 4, JMP_INDIRECT: 5, CALL_INDIRECT: 6,
  JMP_FAR: 7, CALL_FAR: 8, RET_FAR: 9, INT: 10, IRET: 11, LOOP: 12, SYSCALL: 13,
  JMP_FAR_INDIRECT: 14, CALL_FAR_INDIRECT: 15, HALT: 16, UD: 17,
} as const;
export type Cf = (typeof Cf)[keyof typeof Cf];
export const CF_NAMES: readonly string[] = [
  'none', 'jmp', 'jcc', 'call', 'ret', 'jmp-indirect', 'call-indirect', 'jmp-far',
  'call-far', 'ret-far', 'int', 'iret', 'loop', 'syscall', 'jmp-far-indirect',
  'call-far-indirect', 'halt', 'ud',
];

/** Privilege/sensitivity class bits. */
export const Priv = {
  NONE: 0,
  /** #GP(0) at CPL > 0 (CPL != 0 in v8086 as well). */
  PRIVILEGED: 1,
  /** #GP(0) when CPL > IOPL (I/O, CLI/STI); IN/OUT then consult the TSS I/O bitmap. */
  IOPL: 2,
  /** Executes at any CPL but reads or writes privileged state: the classic virtualization holes. */
  SENSITIVE: 4,
  /** IOPL-sensitive only in v8086 mode (PUSHF, POPF, INT n, IRET). */
  IOPL_V86: 8,
} as const;

/** What a form touches besides its explicit operands. */
export const Touch = {
  SREG_READ: 1, SREG_WRITE: 2, CR: 4, DR: 8, IO: 16, MSR: 32, DESC_TABLE: 64, FPU: 128,
  TEST_REG: 256, EFLAGS_CONTROL: 512, TLB: 1024, CACHE: 2048, TSC: 4096, CPUID: 8192,
  TASK: 16384, SIMD: 32768,
} as const;

/** Implicit register and stack operands. */
export const Imp = {
  PUSH: 1, POP: 2, RSI: 4, RDI: 8, RCX: 16, RAX: 32, RDX: 64, RBX: 128, RBP: 256, RSP: 512,
} as const;

/** Memory access direction bits of a form's memory operand. */
export const MemAcc = { NONE: 0, READ: 1, WRITE: 2, RW: 3 } as const;

/** ISA extensions. The CPU core decides which it implements; the decoder only labels. */
export const ISA_NAMES: readonly string[] = [
  'i386', 'i486', 'i586', 'p6', 'x87', 'x87-p6', 'mmx', 'sse', 'sse2', 'sse3', 'ssse3',
  'sse4.1', 'sse4.2', 'aes', 'pclmul', 'sha', 'test-reg', '3dnow', 'avx', 'avx2', 'fma',
  'avx512', 'xop', 'bmi', 'other', 'cmov', 'fxsr', 'sep', 'cx8', 'rdpmc', 'clflush', 'popcnt',
  'movbe', 'x86-64', 'cet', 'vmx', 'smx', 'xsave', 'rdrand', 'amd', 'mpx',
  'f16c', 'gfni', 'sse4a',
];
export const Isa: Readonly<Record<string, number>> = Object.fromEntries(
  ISA_NAMES.map((n, i) => [n, i]),
);

export interface Facts {
  lock?: boolean;
  /** Flags written, defined or not. */
  w?: number;
  /** Flags left undefined (a subset of `w`). */
  u?: number;
  /** Flags read. */
  r?: number;
  cf?: number;
  priv?: number;
  touch?: number;
  /** Memory access of the form's memory operand; default: read-write as first operand, else read. */
  mem?: number;
  imp?: number;
  isa?: string;
  /** REP/REPE/REPNE apply (string instructions). 1: REP, 2: REPE/REPNE. */
  rep?: number;
  /** objdump appends "w"/"d" when the operand size differs from the code size. */
  sfx?: boolean;
  /** "a|b" names choose by address size instead of operand size (JCXZ/JECXZ). */
  byAddr?: boolean;
  /** Operand size is fixed at 32 bits whatever the prefixes (MOV CRn, BSWAP...). */
  noOsz?: boolean;
  /** The form needs a ModRM byte although no operand names one. */
  modrm?: boolean;
  /**
   * Hardware lock elision: 2 = XCHG with memory (XACQUIRE/XRELEASE without LOCK), 3 = MOV
   * store (XRELEASE only). Lockable forms (`lock`) are HLE forms with a LOCK prefix.
   */
  hle?: number;
  /** Reached through a mandatory-prefix selector, but the prefix has no effect (F3 0F 1E /0: a hint NOP). */
  pfxIgnored?: boolean;
  /** A no-wait x87 control instruction that a preceding FWAIT folds into (FNSTCW -> FSTCW). */
  wait?: string;
}

// ---- node tree -------------------------------------------------------------------------

/** Node kinds; the ModRM selectors GROUP, MOD, RM come first (the decoder tests `kind <= RM`). */
export const NK = {
  FORM: 0, GROUP: 1, MOD: 2, RM: 3, PFX: 4, OSZ: 5, INVALID: 6, ASZ: 7,
  /** VEX/EVEX/XOP.W selects one of two children; VEX.L / EVEX.L'L one of four. */
  VEXW: 8, VEXL: 9,
} as const;

export class Node {
  constructor(
    public readonly kind: number,
    public readonly form: number,
    public readonly kids: readonly Node[],
  ) {}
}

export const INVALID: Node = new Node(NK.INVALID, 0, []);

// ---- form registry ---------------------------------------------------------------------

export interface FormRow {
  id: number;
  name: string;
  mnem16: string;
  mnem32: string;
  ops: number[];
  facts: Facts;
}

export const FORMS: FormRow[] = [
  { id: 0, name: 'Invalid', mnem16: '(bad)', mnem32: '(bad)', ops: [], facts: {} },
];
const byKey = new Map<string, number>();

function formName(mn: string, specs: string[]): string {
  const base = mn.split('|')[1] ?? mn;
  const clean = base.replace(/[^A-Za-z0-9]/g, '');
  const cap = clean.charAt(0).toUpperCase() + clean.slice(1);
  return [cap, ...specs].join('_');
}

/**
 * Registers (or reuses) a form and returns its node. `text` is "mnemonic Op1,Op2", with
 * "a|b" for operand-size (or address-size) dependent names.
 */
export function f(text: string, facts: Facts = {}): Node {
  const sp = text.indexOf(' ');
  const mn = sp < 0 ? text : text.slice(0, sp);
  const specs = sp < 0 ? [] : text.slice(sp + 1).split(',');
  const key = text + JSON.stringify(facts);
  let id = byKey.get(key);
  if (id === undefined) {
    const ops = specs.map((s) => {
      const sid = SPEC_ID[s];
      if (sid === undefined) throw new Error(`opcode table: unknown operand "${s}" in "${text}"`);
      return sid;
    });
    // "~" stands for a space inside a mnemonic ("fneni(8087~only)").
    const [m16, m32] = (mn.includes('|') ? mn.split('|') : [mn, mn]).map((m) => m.replace(/~/g, ' '));
    id = FORMS.length;
    let name = formName(mn, specs);
    if (FORMS.some((r) => r.name === name)) name = `${name}_${id}`;
    FORMS.push({ id, name, mnem16: m16 ?? mn, mnem32: m32 ?? mn, ops, facts });
    byKey.set(key, id);
  }
  return new Node(NK.FORM, id, []);
}

/** ModRM.reg selects one of eight children. */
export const group = (kids: readonly Node[]): Node => new Node(NK.GROUP, 0, fill8(kids));
/** ModRM.mod selects memory (mod != 3) or register (mod = 3). */
export const mod = (memory: Node, register: Node): Node => new Node(NK.MOD, 0, [memory, register]);
/** ModRM.rm selects one of eight children (used under mod = 3). */
export const rmsel = (kids: readonly Node[]): Node => new Node(NK.RM, 0, fill8(kids));
/** Mandatory prefix: none, 66, F3, F2. */
export const pfx = (none: Node, p66: Node = INVALID, pF3: Node = INVALID, pF2: Node = INVALID): Node =>
  new Node(NK.PFX, 0, [none, p66, pF3, pF2]);
/** Operand size 16 / 32. */
export const osz = (o16: Node, o32: Node): Node => new Node(NK.OSZ, 0, [o16, o32]);
/** Address size 16 / 32. */
export const asz = (a16: Node, a32: Node): Node => new Node(NK.ASZ, 0, [a16, a32]);

function fill8(kids: readonly Node[]): Node[] {
  const a = kids.slice(0, 8);
  while (a.length < 8) a.push(INVALID);
  return a;
}

// ---- compiled columns ------------------------------------------------------------------

export interface FormColumns {
  count: number;
  ops: Uint8Array; // 4 per form
  opCount: Uint8Array;
  needsModrm: Uint8Array;
  lock: Uint8Array;
  flagsWritten: Int32Array;
  flagsUndefined: Int32Array;
  flagsRead: Int32Array;
  cf: Uint8Array;
  priv: Uint8Array;
  touch: Int32Array;
  mem: Uint8Array;
  imp: Int32Array;
  isa: Uint8Array;
  rep: Uint8Array;
  sfx: Uint8Array;
  byAddr: Uint8Array;
  noOsz: Uint8Array;
  /** The FWAIT-folded form of a no-wait x87 control form (0 if none). */
  waitForm: Uint16Array;
  /** The operand size changes the form (a 66 prefix is "used"): 1 always, 2 only with a register operand. */
  oszUsed: Uint8Array;
  /** Index of the operand encoded in ModRM.rm (register or memory), or 255. */
  rmIndex: Uint8Array;
  /** Per operand (4 per form): the operand's `Loc`, copied from its spec for the decode loop. */
  opLoc: Uint8Array;
  /** Checks the decoder must make at the end: 1 = the form is #UD (UD0/1/2), 2 = MOV Sreg. */
  check: Uint8Array;
  /** HLE class: 0 none, 1 lockable, 2 XCHG, 3 MOV store (see `Facts.hle`). */
  hle: Uint8Array;
  pfxIgnored: Uint8Array;
  /** Index of the operand naming a segregister through ModRM.reg (MOV Sreg), or -1. */
  sregOp: Int8Array;
}

/** Builds the columns; called once after every table module has registered its rows. */
export function compileForms(): FormColumns {
  // FWAIT-folded twins must exist before the columns are sized.
  const twins = new Map<number, number>();
  for (const row of [...FORMS]) {
    if (row.facts.wait) {
      const ops = row.ops.map((o) => Object.keys(SPEC_ID).find((k) => SPEC_ID[k] === o) ?? '');
      const { wait: _w, ...rest } = row.facts;
      const twin = f(`${row.facts.wait}${ops.length ? ' ' + ops.join(',') : ''}`, rest);
      twins.set(row.id, twin.form);
    }
  }
  const n = FORMS.length;
  const c: FormColumns = {
    count: n,
    ops: new Uint8Array(n * 4),
    opCount: new Uint8Array(n),
    needsModrm: new Uint8Array(n),
    lock: new Uint8Array(n),
    flagsWritten: new Int32Array(n),
    flagsUndefined: new Int32Array(n),
    flagsRead: new Int32Array(n),
    cf: new Uint8Array(n),
    priv: new Uint8Array(n),
    touch: new Int32Array(n),
    mem: new Uint8Array(n),
    imp: new Int32Array(n),
    isa: new Uint8Array(n),
    rep: new Uint8Array(n),
    sfx: new Uint8Array(n),
    byAddr: new Uint8Array(n),
    noOsz: new Uint8Array(n),
    waitForm: new Uint16Array(n),
    oszUsed: new Uint8Array(n),
    hle: new Uint8Array(n),
    rmIndex: new Uint8Array(n).fill(255),
    opLoc: new Uint8Array(n * 4),
    check: new Uint8Array(n),
    pfxIgnored: new Uint8Array(n),
    sregOp: new Int8Array(n).fill(-1),
  };
  for (const row of FORMS) {
    const i = row.id;
    const fc = row.facts;
    row.ops.forEach((o, k) => {
      c.ops[i * 4 + k] = o;
      c.opLoc[i * 4 + k] = SPEC_LOC[o] as number;
      if (SPEC_LOC[o] === Loc.RM) {
        if (c.rmIndex[i] !== 255) throw new Error(`opcode table: two ModRM.rm operands in ${row.name}`);
        c.rmIndex[i] = k;
      }
    });
    c.opCount[i] = row.ops.length;
    let modrm = fc.modrm ? 1 : 0;
    let memPos = -1;
    row.ops.forEach((o, k) => {
      const loc = SPEC_LOC[o];
      if (loc === Loc.RM || loc === Loc.REG) modrm = 1;
      if (loc === Loc.RM && memPos < 0) memPos = k;
    });
    c.needsModrm[i] = modrm;
    c.lock[i] = fc.lock ? 1 : 0;
    c.hle[i] = fc.hle ?? (fc.lock ? 1 : 0);
    c.pfxIgnored[i] = fc.pfxIgnored ? 1 : 0;
    c.flagsWritten[i] = (fc.w ?? 0) | (fc.u ?? 0);
    c.flagsUndefined[i] = fc.u ?? 0;
    c.flagsRead[i] = fc.r ?? 0;
    c.cf[i] = fc.cf ?? Cf.NONE;
    c.priv[i] = fc.priv ?? Priv.NONE;
    c.touch[i] = fc.touch ?? 0;
    c.mem[i] = fc.mem ?? (memPos === 0 ? MemAcc.RW : memPos > 0 ? MemAcc.READ : MemAcc.NONE);
    c.imp[i] = fc.imp ?? 0;
    const isa = Isa[fc.isa ?? 'i386'];
    if (isa === undefined) throw new Error(`opcode table: unknown ISA "${fc.isa}" in ${row.name}`);
    c.isa[i] = isa;
    c.rep[i] = fc.rep ?? 0;
    c.sfx[i] = fc.sfx ? 1 : 0;
    c.check[i] = (fc.cf === Cf.UD ? 1 : 0) | (row.ops.some((o) => SPEC_RC[o] === RC.SEG && SPEC_LOC[o] === Loc.REG) ? 2 : 0);
    c.byAddr[i] = fc.byAddr ? 1 : 0;
    c.noOsz[i] = fc.noOsz ? 1 : 0;
    c.waitForm[i] = twins.get(i) ?? 0;
    let osz = row.mnem16 !== row.mnem32 && !fc.byAddr ? 1 : 0;
    row.ops.forEach((o, k) => {
      const regOnly = SPEC_LOC[o] === Loc.RM && SPEC_RC[o] === RC.GPRV && SPEC_M16[o] === SPEC_M32[o];
      if (regOnly) osz = osz || 2;
      else if (SPEC_RC[o] === RC.GPRV || SPEC_VSIZE[o] || SPEC_M16[o] !== SPEC_M32[o]) osz = 1;
      if (SPEC_RC[o] === RC.SEG && SPEC_LOC[o] === Loc.REG) c.sregOp[i] = k;
    });
    c.oszUsed[i] = fc.noOsz ? 0 : osz;
  }
  return c;
}
