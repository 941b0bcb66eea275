// IN/OUT (immediate port and DX, 8/16/32 bits) and the I/O permission check shared with
// INS/OUTS: in protected mode with CPL > IOPL, and always in v8086 mode, every port byte
// of the access must be allowed by the I/O permission bitmap of the current 32-bit TSS.

import type { Cpu, Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import { CR0_PE, EFLAGS_VM, SEG_TR, VEC_GP } from '../state.js';

/** TSS type field (descriptor type) of an available or busy 32-bit TSS. */
const TSS32_AVAILABLE = 0x9;
const TSS32_BUSY = 0xb;

/**
 * Raises #GP(0) unless the current privilege may access `bytes` ports from `port`
 * (SDM Vol. 1, 19.5.2): real mode, and protected mode with CPL <= IOPL, always may;
 * otherwise (CPL > IOPL, or v8086 mode) the TSS must be a 32-bit TSS whose I/O map base
 * (the word at offset 0x66) locates a bitmap in which the bits of every port are clear.
 * The two bitmap bytes holding the bits are read as one word, and both must lie within
 * the TSS limit.
 */
export function ioAllowed(cpu: Cpu, port: number, bytes: number): void {
  if ((cpu.cr0 & CR0_PE) === 0) return;
  const f = cpu.flagsReg;
  if ((f & EFLAGS_VM) === 0 && cpu.cpl <= ((f >> 12) & 3)) return;
  const type = (cpu.segAcc[SEG_TR] as number) & 0x1f;
  if (type !== TSS32_AVAILABLE && type !== TSS32_BUSY) cpu.fault(VEC_GP, 0);
  const limit = (cpu.segLimit[SEG_TR] as number) >>> 0;
  if (limit < 0x67) cpu.fault(VEC_GP, 0);
  const base = cpu.segBase[SEG_TR] as number;
  const saved = cpu.supervisorAccess;
  cpu.supervisorAccess = true;
  let word: number;
  try {
    const mapBase = cpu.read16((base + 0x66) | 0);
    const off = mapBase + (port >>> 3);
    if (off + 1 > limit) cpu.fault(VEC_GP, 0);
    word = cpu.read16((base + off) | 0);
  } finally {
    cpu.supervisorAccess = saved;
  }
  if ((word & (((1 << bytes) - 1) << (port & 7))) !== 0) cpu.fault(VEC_GP, 0);
}

function inHandler(bits: number, fromDx: boolean): Handler {
  return (cpu, insn) => {
    const b = bits === 0 ? insn.opSize : bits;
    const port = fromDx ? (cpu.reg16[4] as number) : insn.imm & 0xff;
    ioAllowed(cpu, port, b >> 3);
    const v = cpu.io.read(port, b >> 3);
    if (b === 8) cpu.reg8[0] = v;
    else if (b === 16) cpu.reg16[0] = v;
    else cpu.reg32[0] = v;
  };
}

function outHandler(bits: number, toDx: boolean): Handler {
  return (cpu, insn) => {
    const b = bits === 0 ? insn.opSize : bits;
    const port = toDx ? (cpu.reg16[4] as number) : insn.imm & 0xff;
    ioAllowed(cpu, port, b >> 3);
    const v = b === 8 ? (cpu.reg8[0] as number) : b === 16 ? (cpu.reg16[0] as number) : (cpu.reg32[0] as number);
    cpu.io.write(port, b >> 3, v);
  };
}

defineOps({
  In_AL_Ib: inHandler(8, false),
  In_eAX_Ib: inHandler(0, false),
  In_AL_DX: inHandler(8, true),
  In_eAX_DX: inHandler(0, true),
  Out_Ib_AL: outHandler(8, false),
  Out_Ib_eAX: outHandler(0, false),
  Out_DX_AL: outHandler(8, true),
  Out_DX_eAX: outHandler(0, true),
});
