// The CPU: state, memory access through segmentation (and, later, paging), the run loop,
// exceptions and their delivery.
//
// Execution model: `run(budget)` decodes the instruction at CS:EIP with the shared
// decoder and calls the handler registered for its form (ops/*.ts). A handler computes
// everything it needs, raising faults before it changes any state, so an instruction is
// all-or-nothing; it sets `nextEip` when it transfers control. Faults are thrown as the
// one preallocated `CpuFault` object (nothing is allocated per instruction); `run` catches
// it and either delivers the exception through the IVT/IDT (native) or, in hosted mode,
// stops and hands the owner a `Trap` record.

import { Cf, decodeInto, DecodeStatus, FORM, Instruction, OpKind, Reg, Seg } from '@vmm86/x86-decoder';
import { DecodeCache } from './decode-cache.js';
import { FlagState } from './flags.js';
import { TLB_SW, TLB_UR, TLB_UW, TLB_V, Tlb, walk, walkResult } from './paging.js';
import { type IoPorts, type PhysicalMemory, NO_IO, PAGE_RAM } from './ports.js';
import {
  ACC_DB, ACC_REAL_DATA, CR0_AM, CR0_PE, CR0_PG, CR0_WP, CR4_PGE, CR4_PSE, EFLAGS_IF, EFLAGS_RF, EFLAGS_TF,
  EFLAGS_VM, RegisterFile, SEG_CS, SEG_SS, SF_EXPAND_DOWN, SF_NOREAD, SF_NOWRITE, SF_NULL, VEC_DF,
  VEC_AC, VEC_GP, VEC_NMI, VEC_PF, VEC_SS, VEC_UD, reg8Index, EFLAGS_AC,
} from './state.js';
import { deliverProtected } from './interrupt.js';
import { loadSegmentProtected } from './segment.js';
import { Fpu } from './x87/fpu.js';


/** Why `run` returned. */
export const Exit = {
  /** The instruction budget is spent. */
  BUDGET: 0,
  /** HLT with no interrupt to wake it. */
  HALT: 1,
  /** Hosted mode: an exception or software interrupt; see `cpu.trap`. */
  TRAP: 2,
  /** Triple fault (or a fault while delivering a double fault): the CPU shut down. */
  SHUTDOWN: 3,
} as const;
export type Exit = (typeof Exit)[keyof typeof Exit];

/** What ended a hosted run with Exit.TRAP. */
export class Trap {
  vector = 0;
  /** Error code, or -1 when the vector has none. */
  errorCode = -1;
  /** EIP of the instruction that faulted (for traps and INT n: of the instruction after). */
  eip = 0;
  /** CR2 at the time of the trap (page faults). */
  cr2 = 0;
  /** True for INT n / INT3 / INTO (a software interrupt, not an exception). */
  software = false;
  /** Length of the instruction when known (0 otherwise). */
  length = 0;
}

/**
 * The thrown fault: one preallocated object (its stack is captured once, at start-up),
 * carrying the vector and error code of the exception being raised.
 */
export class CpuFault extends Error {
  vector = 0;
  errorCode = -1;
  constructor() {
    super('cpu fault (caught by Cpu.run)');
  }
}
const FAULT = new CpuFault();

/**
 * SF_* bits of CS that matter to instruction fetch. A code segment is never writable
 * (SF_NOWRITE) and execute-only code (SF_NOREAD) still fetches, so neither keeps the
 * fetch fast paths from applying; only the limit check does, and they make it.
 */
const CS_FETCH_FLAGS = SF_EXPAND_DOWN | SF_NULL;

/** Entries of the L0 fetch cache, minus one. */
const FETCH_MASK = 4095;
/** Placeholder in empty L0 slots (never returned: its tag cannot match). */
const NO_INSN = new Instruction();

/** DR6.BS: the #DB came from single-stepping. */
const DR6_BS = 1 << 14;
const VEC_DB = 1;

/** Exception classes for the double-fault rule (SDM Vol. 3, Table 6-5). */
const CONTRIBUTORY = new Uint8Array(32);
for (const v of [0, 10, 11, 12, 13]) CONTRIBUTORY[v] = 1;
function isDoubleFault(first: number, second: number): boolean {
  const c2 = CONTRIBUTORY[second] === 1;
  return (CONTRIBUTORY[first] === 1 && c2) || (first === 14 && (c2 || second === 14));
}

/** A handler: executes one decoded instruction. */
export type Handler = (cpu: Cpu, insn: Instruction) => void;

const FORM_CF = FORM.cf;
const CF_INT = Cf.INT;
const SEG_NONE = Seg.NONE;
const REG_NONE = Reg.NONE;
const KIND_MEM = OpKind.MEM;
const KIND_REG = OpKind.REG;
const KIND_IMM = OpKind.IMM;
const ST_OK = DecodeStatus.Ok;
const ST_INVALID = DecodeStatus.Invalid;

export interface CpuOptions {
  memory: PhysicalMemory;
  io?: IoPorts;
  /** Hosted mode: exceptions and software interrupts end `run` with a Trap. */
  hosted?: boolean;
}

export class Cpu extends FlagState {
  readonly regs: RegisterFile = new RegisterFile();
  readonly reg32: Int32Array = this.regs.reg32;
  readonly reg16: Uint16Array = this.regs.reg16;
  readonly reg8: Uint8Array = this.regs.reg8;
  readonly segSel: Uint16Array = this.regs.segSel;
  readonly segBase: Int32Array = this.regs.segBase;
  readonly segLimit: Int32Array = this.regs.segLimit;
  readonly segAcc: Uint16Array = this.regs.segAcc;
  /** SF_* bits per segment slot. */
  readonly segFlags: Uint8Array = new Uint8Array(8);
  readonly tlb: Tlb = new Tlb();
  /** L0 fetch cache by linear address (see fetchDecode): tag, key (epoch, CPL) and record. */
  private readonly fetchLin: Int32Array = new Int32Array(FETCH_MASK + 1).fill(1);
  private readonly fetchKey: Int32Array = new Int32Array(FETCH_MASK + 1).fill(-1);
  private readonly fetchInsn: Instruction[] = new Array<Instruction>(FETCH_MASK + 1).fill(NO_INSN);
  /** Decoded instructions by physical address (see decode-cache.ts). */
  readonly codeCache: DecodeCache = new DecodeCache();
  private readonly codePage: Uint8Array = this.codeCache.codePage;
  /**
   * The A20 gate: -1 when enabled, ~0x100000 when the board holds address line 20 low
   * (the 8086 wrap-around). Changing it must flush the TLB (`setA20`).
   */
  a20Mask = -1;
  /** Descriptor-table and TSS accesses are supervisor accesses at any CPL. */
  supervisorAccess = false;

  eip = 0xfff0;
  /** EIP after the current instruction; handlers that branch overwrite it. */
  nextEip = 0;
  cpl = 0;
  cr0 = 0x60000010; // CD, NW, ET: the reset value
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0x3ff;
  /** The TSC advances with retired instructions (one tick each): tsc = retired + tscOffset. */
  tscOffset = 0;
  get tsc(): number {
    return this.retired + this.tscOffset;
  }
  set tsc(value: number) {
    this.tscOffset = value - this.retired;
  }
  halted = false;
  /** Instructions retired since reset. */
  retired = 0;
  /** A maskable interrupt is requested (the board's INTR line). */
  intrLine = false;
  /** The board's interrupt acknowledge: returns the vector. */
  acknowledge: () => number = () => 0x08;
  /** An NMI is waiting (see `raiseNmi`). */
  nmiPending = false;
  /** NMIs are held off from an NMI's delivery until the next IRET. */
  nmiBlocked = false;
  /** Interrupts are inhibited for one instruction (after STI, MOV SS, POP SS). */
  inhibitInterrupts = false;

  readonly mem: PhysicalMemory;
  readonly ram: Uint8Array;
  readonly pageKind: Uint8Array;
  io: IoPorts;
  hosted: boolean;
  readonly trap: Trap = new Trap();
  // ---- x87 (ops/x87.ts) ----
  /** The x87 FPU's registers and status (x87/fpu.ts). */
  readonly fpu: Fpu = new Fpu();
  /**
   * FERR#: called when a waiting x87 instruction meets a pending unmasked exception with
   * CR0.NE = 0 (instead of #MF); the board raises IRQ 13 from it. The instruction proceeds.
   */
  onFerr: () => void = () => {};
  // ---- end x87 ----
  /** The instruction being executed (from the decode cache, or `insn`). */
  cur: Instruction = new Instruction();
  /** The decoded current instruction (reused). */
  readonly insn: Instruction = new Instruction();
  /** Scratch buffer for instructions that cross a page or leave RAM. */
  private readonly fetchBuf = new Uint8Array(16);
  /** Linear address of the current instruction's memory operand, once computed. */
  memLin = 0;
  memLinValid = false;

  constructor(options: CpuOptions, private readonly handlers: readonly Handler[]) {
    super();
    this.mem = options.memory;
    this.ram = options.memory.ram;
    this.pageKind = options.memory.pageKind;
    this.io = options.io ?? NO_IO;
    this.hosted = options.hosted ?? false;
    this.reset();
  }

  /** The board's NMI input (edge-triggered: one request is remembered while NMIs are blocked). */
  raiseNmi(): void {
    this.nmiPending = true;
  }

  /** Power-on / RESET state (SDM Vol. 3, 9.1.1). */
  reset(): void {
    this.reg32.fill(0);
    this.reg32[2] = 0x0633; // EDX: family 6, model 3, stepping 3 (Pentium II)
    for (let s = 0; s < 8; s++) {
      this.segSel[s] = 0;
      this.segBase[s] = 0;
      this.segLimit[s] = 0xffff;
      this.segAcc[s] = ACC_REAL_DATA;
      this.segFlags[s] = 0;
    }
    this.tlb.flushAll();
    this.codeCache.flush();
    this.segSel[SEG_CS] = 0xf000;
    this.segBase[SEG_CS] = 0xffff0000 | 0;
    this.segAcc[SEG_CS] = ACC_REAL_DATA | 0x08; // code, readable
    this.eip = 0xfff0;
    this.setFlags(0, -1);
    this.tscOffset = -this.retired; // RESET clears the TSC
    this.cr0 = 0x60000010;
    this.cr2 = 0;
    this.cr3 = 0;
    this.cr4 = 0;
    this.cpl = 0;
    this.gdtBase = 0;
    this.gdtLimit = 0xffff;
    this.idtBase = 0;
    this.idtLimit = 0x3ff;
    this.halted = false;
    this.inhibitInterrupts = false;
    this.nmiPending = false;
    this.nmiBlocked = false;
    this.fpu.powerOn(); // x87 power-on state (SDM Vol. 3, Table 9-1)
  }

  // ---- faults -----------------------------------------------------------------------

  /** Raises exception `vector` with `errorCode` (-1: none). Never returns. */
  fault(vector: number, errorCode = -1): never {
    FAULT.vector = vector;
    FAULT.errorCode = errorCode;
    throw FAULT;
  }

  // ---- registers ----------------------------------------------------------------------

  /** Reads a register operand by decoder register id (GPR8/16/32, segment). */
  getReg(id: number): number {
    if (id < 8) return this.reg8[reg8Index(id)] as number;
    if (id < 16) return this.reg16[(id & 7) << 1] as number;
    if (id < 24) return this.reg32[id & 7] as number;
    return this.segSel[id & 7] as number;
  }

  /** Writes a GPR by decoder register id; the value is truncated to the register width. */
  setReg(id: number, value: number): void {
    if (id < 8) this.reg8[reg8Index(id)] = value;
    else if (id < 16) this.reg16[(id & 7) << 1] = value;
    else this.reg32[id & 7] = value;
  }

  // ---- memory -------------------------------------------------------------------------

  /** Offset of the memory operand (base + index * scale + disp, wrapped to the address size). */
  effectiveAddress(insn: Instruction): number {
    let a = insn.memDisp;
    if (insn.memBase !== REG_NONE) a += this.getReg(insn.memBase);
    if (insn.memIndex !== REG_NONE) a += this.getReg(insn.memIndex) * insn.memScale;
    return insn.adSize === 16 ? a & 0xffff : a | 0;
  }

  /**
   * Linear address of `bytes` at `offset` in segment `seg`, after the limit check.
   * Expand-down segments and the type checks of protected mode come with the segment
   * loads; a real-mode cache has the 64 KiB (or unreal) limit and no type restriction.
   */
  linear(seg: number, offset: number, bytes: number, write = false): number {
    if (this.segFlags[seg] !== 0) return this.linearChecked(seg, offset, bytes, write);
    const last = (offset >>> 0) + bytes - 1;
    if (last > (this.segLimit[seg] as number) >>> 0) this.fault(seg === SEG_SS ? VEC_SS : VEC_GP, 0);
    return ((this.segBase[seg] as number) + offset) | 0;
  }

  /** `linear` for a segment whose cache restricts access: null, read-only, execute-only, expand-down. */
  private linearChecked(seg: number, offset: number, bytes: number, write: boolean): number {
    const f = this.segFlags[seg] as number;
    const vec = seg === SEG_SS ? VEC_SS : VEC_GP;
    if ((f & SF_NULL) !== 0 || (f & (write ? SF_NOWRITE : SF_NOREAD)) !== 0) this.fault(vec, 0);
    const first = offset >>> 0;
    const last = first + bytes - 1;
    const limit = (this.segLimit[seg] as number) >>> 0;
    if ((f & SF_EXPAND_DOWN) !== 0) {
      // Valid offsets are limit+1 .. 0xFFFF (or 0xFFFFFFFF with D/B set).
      const upper = ((this.segAcc[seg] as number) & ACC_DB) !== 0 ? 0xffffffff : 0xffff;
      if (first <= limit || last > upper) this.fault(vec, 0);
    } else if (last > limit) {
      this.fault(vec, 0);
    }
    return ((this.segBase[seg] as number) + offset) | 0;
  }

  /** Linear address of the instruction's memory operand (cached per instruction). */
  memLinear(insn: Instruction, bytes: number): number {
    if (!this.memLinValid) {
      const seg = insn.memSeg === SEG_NONE ? 3 : insn.memSeg;
      this.memLin = this.linear(seg, this.effectiveAddress(insn), bytes);
      this.memLinValid = true;
    }
    return this.memLin;
  }

  /** Physical address of a linear one: through the TLB, walking the page tables on a miss. */
  translate(lin: number, write: boolean): number {
    if ((this.cr0 & CR0_PG) === 0) return (lin & this.a20Mask) >>> 0;
    const page = lin >>> 12;
    const e = this.tlb.entries[page] as number;
    const user = this.cpl === 3 && !this.supervisorAccess;
    const need = write ? (user ? TLB_UW : TLB_SW) : user ? TLB_UR : TLB_V;
    if ((e & need) !== 0) return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    const r = walk(this, this.cr3, (this.cr0 & CR0_WP) !== 0, (this.cr4 & CR4_PSE) !== 0, (this.cr4 & CR4_PGE) !== 0, lin, write, user);
    if (r === -1) {
      this.cr2 = lin;
      this.fault(VEC_PF, walkResult.error);
    }
    this.tlb.fill(page, r & (this.a20Mask | 0xfff));
    return (((r & ~0xfff) | (lin & 0xfff)) & this.a20Mask) >>> 0;
  }

  /** Physical 32-bit read (page walks; descriptor caches use linear reads). */
  readPhys32(p: number): number {
    const k = this.pageKind[p >>> 12];
    if (k !== PAGE_RAM && k !== 1) return this.mem.mmioRead(p, 4) | 0;
    const r = this.ram;
    return (r[p] as number) | ((r[p + 1] as number) << 8) | ((r[p + 2] as number) << 16) | ((r[p + 3] as number) << 24);
  }

  writePhys32(p: number, value: number): void {
    const k = this.pageKind[p >>> 12];
    if (this.codePage[p >>> 12] === 1) this.invalidateCodePage(p >>> 12);
    if (k === PAGE_RAM) {
      const r = this.ram;
      r[p] = value;
      r[p + 1] = value >> 8;
      r[p + 2] = value >> 16;
      r[p + 3] = value >> 24;
    } else if (k !== 1) this.mem.mmioWrite(p, 4, value);
  }

  /** MOV CR0: a change of PG or WP invalidates the cached translations. */
  setCr0(value: number): void {
    const old = this.cr0;
    this.cr0 = value | 0x10; // ET is hard-wired on the P6
    if (((old ^ this.cr0) & (CR0_PG | CR0_WP | CR0_PE)) !== 0) this.tlb.flushAll();
  }

  /** Drops a physical page's cached decodes, and every L0 fetch entry with them. */
  private invalidateCodePage(page: number): void {
    this.codeCache.invalidatePage(page);
    this.tlb.epoch++;
  }

  /** Empties the L0 fetch cache (and restarts the epoch before it can wrap). */
  private resetFetchCache(): void {
    this.fetchKey.fill(-1);
    this.tlb.epoch = 0;
  }

  /**
   * Tells the CPU that physical memory [addr, addr + length) changed behind its back (DMA,
   * a loader, a debugger): cached decodes of those pages are dropped.
   */
  invalidateCode(addr: number, length: number): void {
    for (let page = addr >>> 12; page <= (addr + Math.max(length, 1) - 1) >>> 12; page++) {
      if (this.codePage[page] === 1) this.invalidateCodePage(page);
    }
  }

  /** The board's A20 gate. */
  setA20(enabled: boolean): void {
    this.a20Mask = enabled ? -1 : ~0x100000;
    this.tlb.flushAll();
  }

  /** MOV CR3: flushes every non-global translation. */
  setCr3(value: number): void {
    this.cr3 = value;
    this.tlb.flushNonGlobal();
  }

  /** MOV CR4: PSE and PGE changes flush everything. */
  setCr4(value: number): void {
    const old = this.cr4;
    this.cr4 = value;
    if (((old ^ value) & (CR4_PSE | CR4_PGE)) !== 0) this.tlb.flushAll();
  }

  read8(lin: number): number {
    const p = this.translate(lin, false);
    if (this.pageKind[p >>> 12] !== PAGE_RAM && this.pageKind[p >>> 12] !== 1) return this.mem.mmioRead(p, 1) & 0xff;
    return this.ram[p] as number;
  }

  read16(lin: number): number {
    if ((lin & 1) !== 0) this.alignmentCheck();
    if ((lin & 0xfff) === 0xfff) return this.read8(lin) | (this.read8(lin + 1) << 8);
    const p = this.translate(lin, false);
    const k = this.pageKind[p >>> 12];
    if (k !== PAGE_RAM && k !== 1) return this.mem.mmioRead(p, 2) & 0xffff;
    return (this.ram[p] as number) | ((this.ram[p + 1] as number) << 8);
  }

  read32(lin: number): number {
    if ((lin & 3) !== 0) this.alignmentCheck();
    if ((lin & 0xfff) > 0xffc) return this.read16(lin) | (this.read16(lin + 2) << 16);
    return this.readPhys32(this.translate(lin, false));
  }

  write8(lin: number, value: number): void {
    const p = this.translate(lin, true);
    const k = this.pageKind[p >>> 12];
    if (this.codePage[p >>> 12] === 1) this.invalidateCodePage(p >>> 12);
    if (k === PAGE_RAM) this.ram[p] = value;
    else if (k !== 1) this.mem.mmioWrite(p, 1, value & 0xff);
  }

  write16(lin: number, value: number): void {
    if ((lin & 1) !== 0) this.alignmentCheck();
    if ((lin & 0xfff) === 0xfff) {
      // A split access: both pages are translated (the lower first) before either byte is written.
      this.translate(lin, true);
      this.translate(lin + 1, true);
      this.write8(lin, value);
      this.write8(lin + 1, value >> 8);
      return;
    }
    const p = this.translate(lin, true);
    const k = this.pageKind[p >>> 12];
    if (this.codePage[p >>> 12] === 1) this.invalidateCodePage(p >>> 12);
    if (k === PAGE_RAM) {
      this.ram[p] = value;
      this.ram[p + 1] = value >> 8;
    } else if (k !== 1) this.mem.mmioWrite(p, 2, value & 0xffff);
  }

  write32(lin: number, value: number): void {
    if ((lin & 3) !== 0) this.alignmentCheck();
    if ((lin & 0xfff) > 0xffc) {
      // Both pages first, the lower one first; CR2 is the first byte of the faulting page.
      this.translate(lin, true);
      this.translate((lin + 3) & ~0xfff, true);
      this.write16(lin, value);
      this.write16(lin + 2, value >> 16);
      return;
    }
    this.writePhys32(this.translate(lin, true), value);
  }

  /**
   * A misaligned data access: #AC(0) at CPL 3 with CR0.AM and EFLAGS.AC set (implicit
   * supervisor accesses to descriptor tables and the TSS are exempt). Called only for
   * misaligned addresses, so aligned code never pays for it.
   */
  private alignmentCheck(): void {
    if (this.cpl === 3 && !this.supervisorAccess && (this.cr0 & CR0_AM) !== 0 && (this.getFlags() & EFLAGS_AC) !== 0) {
      this.fault(VEC_AC, 0);
    }
  }

  /** Reads `bits` (8/16/32) at a linear address. */
  readN(lin: number, bits: number): number {
    return bits === 8 ? this.read8(lin) : bits === 16 ? this.read16(lin) : this.read32(lin);
  }

  writeN(lin: number, bits: number, value: number): void {
    if (bits === 8) this.write8(lin, value);
    else if (bits === 16) this.write16(lin, value);
    else this.write32(lin, value);
  }

  // ---- operands -----------------------------------------------------------------------

  /** Value of explicit operand `i` of width `bits` (register, memory or immediate). */
  getOp(insn: Instruction, i: number, bits: number): number {
    const kind = insn.opKind[i];
    if (kind === KIND_REG) return this.getReg(insn.opReg[i] as number);
    if (kind === KIND_MEM) return this.readN(this.memLinear(insn, bits >> 3), bits);
    return i > 0 && insn.opKind[i - 1] === KIND_IMM ? insn.imm2 : insn.imm;
  }

  /** Writes explicit operand `i` (register or memory). */
  setOp(insn: Instruction, i: number, bits: number, value: number): void {
    if (insn.opKind[i] === KIND_MEM) {
      const lin = this.memLinear(insn, bits >> 3);
      const seg = insn.memSeg === SEG_NONE ? 3 : insn.memSeg;
      if ((this.segFlags[seg] as number) !== 0) this.linear(seg, this.effectiveAddress(insn), bits >> 3, true);
      this.writeN(lin, bits, value);
    } else this.setReg(insn.opReg[i] as number, value);
  }

  // ---- stack --------------------------------------------------------------------------

  /** Stack width: SS.B selects ESP (32) or SP (16). */
  stack32(): boolean {
    return ((this.segAcc[SEG_SS] as number) & ACC_DB) !== 0;
  }

  push(bits: number, value: number): void {
    const s32 = this.stack32();
    const sp = ((s32 ? (this.reg32[4] as number) : (this.reg16[8] as number)) - (bits >> 3)) | 0;
    const off = s32 ? sp : sp & 0xffff;
    this.writeN(this.linear(SEG_SS, off, bits >> 3, true), bits, value);
    if (s32) this.reg32[4] = sp;
    else this.reg16[8] = sp;
  }

  /** Reads the top of stack without popping. */
  peek(bits: number, depth = 0): number {
    const s32 = this.stack32();
    const sp = s32 ? (this.reg32[4] as number) : (this.reg16[8] as number);
    const off = s32 ? (sp + depth) | 0 : (sp + depth) & 0xffff;
    return this.readN(this.linear(SEG_SS, off, bits >> 3), bits);
  }

  /** Adds `bytes` to the stack pointer of the current stack width. */
  adjustSp(bytes: number): void {
    if (this.stack32()) this.reg32[4] = ((this.reg32[4] as number) + bytes) | 0;
    else this.reg16[8] = (this.reg16[8] as number) + bytes;
  }

  pop(bits: number): number {
    const v = this.peek(bits);
    this.adjustSp(bits >> 3);
    return v;
  }

  // ---- segment loads ------------------------------------------------------------------

  /** Real-mode and v8086 segment load: base = selector * 16, the cached limit and access stay. */
  loadSegmentReal(seg: number, selector: number): void {
    this.segSel[seg] = selector;
    this.segBase[seg] = (selector & 0xffff) << 4;
    this.segFlags[seg] = 0;
    if ((this.getFlags() & EFLAGS_VM) !== 0) {
      this.segLimit[seg] = 0xffff;
      this.segAcc[seg] = ACC_REAL_DATA | (seg === SEG_CS ? 0x08 : 0) | (3 << 5);
    }
  }

  /**
   * Loads a segment register the way MOV/POP/LxS do: real and v8086 mode compute the
   * base from the selector; protected mode checks the descriptor (segment.ts).
   */
  loadSegment(seg: number, selector: number): void {
    if (this.protectedMode()) loadSegmentProtected(this, seg, selector & 0xffff);
    else this.loadSegmentReal(seg, selector & 0xffff);
  }


  /** True in protected mode (CR0.PE) outside v8086. */
  protectedMode(): boolean {
    return (this.cr0 & CR0_PE) !== 0 && (this.getFlags() & EFLAGS_VM) === 0;
  }

  // ---- the run loop -------------------------------------------------------------------

  /** The instruction budget of the current `run` (requestStop zeroes it). */
  private budget = 0;

  /**
   * Ends the current `run` after the instruction being executed (with Exit.BUDGET): the
   * board calls it from a device access that must be seen at once (a timer armed earlier
   * than the slice end, an exit port, a reset). Outside `run` it does nothing.
   */
  requestStop(): void {
    this.budget = 0;
  }

  /** Runs up to `budget` instructions (fewer if `requestStop` is called). */
  run(budget: number): Exit {
    const insn = this.insn;
    const handlers = this.handlers;
    let done = 0;
    this.budget = budget;
    while (done < this.budget) {
      if ((this.intrLine || this.nmiPending) && !this.inhibitInterrupts) {
        // NMI first: not maskable by IF, but blocked from its delivery until the next IRET.
        if (this.nmiPending && !this.nmiBlocked) {
          this.nmiPending = false;
          this.nmiBlocked = true;
          this.halted = false;
          const r = this.deliver(VEC_NMI, -1, false, this.eip);
          if (r !== Exit.BUDGET) return r;
        } else if (this.intrLine && (this.flagsReg & EFLAGS_IF) !== 0) {
          this.halted = false;
          const r = this.deliver(this.acknowledge(), -1, false, this.eip);
          if (r !== Exit.BUDGET) return r;
        }
      }
      if (this.halted) return Exit.HALT;
      this.inhibitInterrupts = false;
      // TF at the start of an instruction makes it trap with #DB when it completes.
      const singleStep = (this.flagsReg & EFLAGS_TF) !== 0;
      try {
        // L0: the decode last fetched at this linear address, if no translation, code page
        // or CPL changed since (the key is the TLB epoch and the CPL); else the full fetch.
        let cur: Instruction;
        const eip = this.eip;
        const lin = ((this.segBase[SEG_CS] as number) + eip) | 0;
        const slot = lin & FETCH_MASK;
        const hit = this.fetchInsn[slot] as Instruction;
        if (
          this.fetchLin[slot] === lin && this.fetchKey[slot] === ((this.tlb.epoch << 2) | this.cpl) &&
          ((this.segFlags[SEG_CS] as number) & CS_FETCH_FLAGS) === 0 && hit.bits === (((this.segAcc[SEG_CS] as number) & ACC_DB) !== 0 ? 32 : 16) &&
          (eip >>> 0) + hit.length - 1 <= (this.segLimit[SEG_CS] as number) >>> 0
        ) {
          if (hit.ip !== eip) this.codeCache.retarget(hit, eip);
          cur = hit;
          this.cur = hit;
        } else {
          this.fetchDecode(insn);
          cur = this.cur;
        }
        // IP wraps at 64 KiB in 16-bit code.
        this.nextEip = cur.bits === 32 ? (this.eip + cur.length) | 0 : (this.eip + cur.length) & 0xffff;
        this.memLinValid = false;
        (handlers[cur.form] as Handler)(this, cur);
        this.eip = this.nextEip;
        this.retired++;
        done++;
        // Software interrupts clear TF on delivery and do not single-step.
        if (singleStep && !this.inhibitInterrupts && FORM_CF[cur.form] !== CF_INT) {
          this.regs.dr[6] = (this.regs.dr[6] as number) | DR6_BS;
          const r = this.deliver(VEC_DB, -1, false, this.eip);
          if (r !== Exit.BUDGET) return r;
        }
      } catch (e) {
        if (e !== FAULT) throw e;
        // raiseAfter (INT n, INT3, INTO, INT1): the instruction retired; the event carries the next EIP.
        const after = this.eventAfter;
        this.eventAfter = 0;
        if (after !== 0) {
          this.retired++;
          // Hosted: the trap ends the run after the instruction, so the state is the next one's.
          if (this.hosted) this.eip = this.nextEip;
        }
        const r = this.deliver(FAULT.vector, FAULT.errorCode, after === 2, after !== 0 ? this.nextEip : this.eip, this.eip);
        done++;
        if (r !== Exit.BUDGET) return r;
      }
    }
    return Exit.BUDGET;
  }

  // ---- software interrupts (ops/control.ts) ----------------------------------------------

  /** Set by `raiseAfter` for the run loop: 0 none, 1 INT1 (ICEBP), 2 INT n / INT3 / INTO. */
  eventAfter = 0;

  /**
   * Ends the current instruction with interrupt `vector` delivered after it: the instruction
   * retires and the pushed (or, hosted, reported) EIP is `nextEip`. `software` is true for
   * INT n / INT3 / INTO (gate DPL check, Trap.software) and false for INT1.
   */
  raiseAfter(vector: number, software: boolean): never {
    this.eventAfter = software ? 2 : 1;
    return this.fault(vector);
  }

  /** Code segment default size (CS.D). */
  codeIs32(): boolean {
    return ((this.segAcc[SEG_CS] as number) & ACC_DB) !== 0;
  }

  /** Fetches and decodes the instruction at CS:EIP into `insn`, raising #UD/#GP/#PF. */
  private fetchDecode(insn: Instruction): void {
    this.cur = insn;
    const bits = this.codeIs32() ? 32 : 16;
    const eip = this.eip;
    // Fast path: a plain CS, a cached decode of the bytes at this physical address.
    if (((this.segFlags[SEG_CS] as number) & CS_FETCH_FLAGS) === 0) {
      const lin = ((this.segBase[SEG_CS] as number) + eip) | 0;
      const slot = lin & FETCH_MASK;
      let p: number;
      const page = lin >>> 12;
      if ((this.cr0 & CR0_PG) === 0) {
        p = (lin & this.a20Mask) >>> 0;
      } else {
        const e = this.tlb.entries[page] as number;
        const need = this.cpl === 3 && !this.supervisorAccess ? TLB_UR : TLB_V;
        p = (e & need) !== 0 ? ((e & ~0xfff) | (lin & 0xfff)) >>> 0 : this.translate(lin, false);
      }
      if ((p & 0xfff) <= 0x1000 - 15) {
        const hit = this.codeCache.get(p, bits, eip);
        if (hit !== undefined && (eip >>> 0) + hit.length - 1 <= (this.segLimit[SEG_CS] as number) >>> 0) {
          this.cur = hit;
          if (this.tlb.epoch > 0x1fffffff) this.resetFetchCache();
          this.fetchLin[slot] = lin;
          this.fetchKey[slot] = (this.tlb.epoch << 2) | this.cpl;
          this.fetchInsn[slot] = hit;
          return;
        }
      }
    }
    const lin = this.codeLinear(eip, 1);
    const p = this.translate(lin, false);
    const room = 0x1000 - (p & 0xfff);
    let st: DecodeStatus;
    const k = this.pageKind[p >>> 12];
    if (room >= 15 && (k === PAGE_RAM || k === 1)) {
      const hit = this.codeCache.get(p, bits, this.eip);
      if (hit !== undefined) {
        this.cur = hit;
        this.codeLinear(this.eip, hit.length);
        return;
      }
      const fresh = new Instruction();
      st = decodeInto(fresh, this.ram, p, p + 15, bits, this.eip);
      if (st === ST_OK) {
        // A full decode cache starts over: the L0 entries that point into it go too.
        if (this.codeCache.put(p, fresh)) this.tlb.epoch++;
        this.cur = fresh;
        this.codeLinear(this.eip, fresh.length);
        return;
      }
      st = decodeInto(insn, this.ram, p, p + 15, bits, this.eip);
    } else {
      // Crossing a page (or in MMIO): gather up to 15 bytes, faulting only on bytes the
      // instruction actually needs.
      const buf = this.fetchBuf;
      let n = 0;
      for (; n < 15; n++) {
        try {
          buf[n] = this.read8((lin + n) | 0);
        } catch (e) {
          if (n === 0) throw e;
          break;
        }
      }
      st = decodeInto(insn, buf, 0, n, bits, this.eip);
      if (st === DecodeStatus.Truncated) this.read8((lin + n) | 0); // raises the fault the CPU would
    }
    if (st !== ST_OK) {
      if (st === ST_INVALID) this.fault(VEC_UD);
      // Too long, or 15 bytes without a complete instruction (a shorter truncation faulted above).
      this.fault(VEC_GP, 0);
    }
    // The limit check covers the whole instruction.
    this.codeLinear(this.eip, insn.length);
  }

  /**
   * Linear address of `bytes` of code at `offset` in CS after the limit check alone: an
   * execute-only code segment's SF_NOREAD restricts data reads, not instruction fetches.
   */
  private codeLinear(offset: number, bytes: number): number {
    if ((offset >>> 0) + bytes - 1 > (this.segLimit[SEG_CS] as number) >>> 0) this.fault(VEC_GP, 0);
    return ((this.segBase[SEG_CS] as number) + offset) | 0;
  }

  /**
   * Delivers an exception or interrupt. Real mode: through the IVT. Protected mode: the
   * IDT gates (interrupt.ts, with the protected-mode work). Hosted mode: stop with a Trap.
   */
  deliver(vector: number, errorCode: number, software: boolean, eip: number, faultEip: number = eip): Exit {
    if (this.hosted) {
      const t = this.trap;
      t.vector = vector;
      t.errorCode = errorCode;
      t.eip = eip;
      t.cr2 = this.cr2;
      t.software = software;
      t.length = software ? this.cur.length : 0;
      return Exit.TRAP;
    }
    try {
      if ((this.cr0 & CR0_PE) === 0) this.deliverReal(vector, eip);
      else deliverProtected(this, vector, errorCode, software, eip);
      this.halted = false;
      return Exit.BUDGET;
    } catch (e) {
      if (e !== FAULT) throw e;
      // A fault while delivering: #DF when both are contributory (or a page fault is
      // followed by a contributory fault or another page fault); after #DF, shutdown.
      // Faults during delivery report the instruction that caused the event.
      if (vector === VEC_DF) return Exit.SHUTDOWN;
      const second = FAULT.vector;
      if (isDoubleFault(vector, second)) return this.deliver(VEC_DF, 0, false, faultEip);
      return this.deliver(second, FAULT.errorCode, false, faultEip);
    }
  }

  /** Real-mode interrupt: push FLAGS, CS, IP; load CS:IP from the IVT; clear IF, TF (and AC). */
  deliverReal(vector: number, eip: number): void {
    const entry = vector * 4;
    if (entry + 3 > this.idtLimit) this.fault(VEC_GP, vector * 8 + 2);
    const ip = this.read16(this.idtBase + entry);
    const cs = this.read16(this.idtBase + entry + 2);
    const flags = this.getFlags();
    // All three slots must fit before any is written (#SS otherwise, with SP untouched).
    const sp = this.stack32() ? (this.reg32[4] as number) : (this.reg16[8] as number);
    this.linear(SEG_SS, this.stack32() ? (sp - 6) | 0 : (sp - 6) & 0xffff, 6, true);
    this.push(16, flags);
    this.push(16, this.segSel[SEG_CS] as number);
    this.push(16, eip);
    this.setFlags(0, EFLAGS_IF | EFLAGS_TF | EFLAGS_RF | (1 << 18));
    this.loadSegmentReal(SEG_CS, cs);
    this.eip = ip;
  }

}
