// Bit tests and scans: BT BTS BTR BTC (register offset and imm8 forms), BSF, BSR.
//
// BT* with a register bit offset and a memory operand address beyond the operand: the
// offset is signed (16 or 32 bits, by operand size) and selects the word/dword at
// EA + (offset >> 4) * 2 (16-bit) or EA + (offset >> 5) * 4 (32-bit), wrapped to the
// address size, then the bit offset & 15 / & 31 in it; the access is a word/dword there
// (segment-limit checked at the final offset). The imm8 form and register operands use
// the offset modulo the operand size. BTS/BTR/BTC are read-modify-write (LOCK makes no
// difference to a uniprocessor interpreter); the memory write comes before CF changes.
//
// BSF/BSR: a zero source sets ZF and leaves the destination unchanged (what P6-family
// and later CPUs do; the SDM says "undefined").
//
// Undefined flags, and what this core produces:
//
// | instruction      | undefined per SDM                     | value we produce                                 |
// |------------------|---------------------------------------|--------------------------------------------------|
// | BT BTS BTR BTC   | OF SF AF PF                           | unchanged (only CF is written)                   |
// | BSF, BSR         | CF OF SF AF PF (destination if src=0) | source != 0: CF = OF = AF = SF = 0, PF from the  |
// |                  |                                       | bit index; source = 0: only ZF (= 1) written,    |
// |                  |                                       | destination unchanged                            |

import type { Instruction } from '@vmm86/x86-decoder';
import { OpKind, Seg } from '@vmm86/x86-decoder';
import type { Handler } from '../cpu.js';
import { defineOps } from '../handlers.js';
import { EFLAGS_AF, EFLAGS_ARITH, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF } from '../state.js';
import type { UndefinedFlagsRule } from './shift.js';

/** The bit-instruction rows of the undefined-flags table. */
export const BIT_UNDEFINED_FLAGS: readonly UndefinedFlagsRule[] = [
  { mnemonics: ['bt', 'bts', 'btr', 'btc'], when: 'always', flags: EFLAGS_OF | EFLAGS_SF | EFLAGS_AF | EFLAGS_PF, value: 'unchanged' },
  {
    mnemonics: ['bsf', 'bsr'], when: 'always', flags: EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_AF | EFLAGS_PF,
    value: 'source != 0: CF/OF/AF/SF = 0, PF = parity of the index; source = 0: unchanged (destination unchanged too)',
  },
];

const BT = 0;
const BTS = 1;
const BTR = 2;
const BTC = 3;

const KIND_MEM = OpKind.MEM;

function modify(op: number, v: number, m: number): number {
  return op === BTS ? v | m : op === BTR ? v & ~m : v ^ m;
}

/** BT* with the bit offset in a register (Ev, Gv). */
function btReg(op: number): Handler {
  return (cpu, insn) => {
    const bits = insn.opSize;
    const off = cpu.getOp(insn, 1, bits);
    if (insn.opKind[0] !== KIND_MEM) {
      const v = cpu.getOp(insn, 0, bits);
      const m = 1 << (off & (bits - 1));
      if (op !== BT) cpu.setOp(insn, 0, bits, modify(op, v, m));
      cpu.setFlag(EFLAGS_CF, (v & m) !== 0);
      return;
    }
    // Memory: the signed offset reaches any word/dword around the operand.
    const soff = bits === 16 ? (off << 16) >> 16 : off | 0;
    const shift = bits === 16 ? 4 : 5;
    let ea = cpu.effectiveAddress(insn) + (soff >> shift) * (bits >> 3);
    ea = insn.adSize === 16 ? ea & 0xffff : ea | 0;
    const seg = insn.memSeg === Seg.NONE ? 3 : insn.memSeg;
    const lin = cpu.linear(seg, ea, bits >> 3);
    const v = cpu.readN(lin, bits);
    const m = 1 << (soff & (bits - 1));
    if (op !== BT) cpu.writeN(lin, bits, modify(op, v, m));
    cpu.setFlag(EFLAGS_CF, (v & m) !== 0);
  };
}

/** BT* with an imm8 bit offset (Ev, Ib): the offset modulo the operand size. */
function btImm(op: number): Handler {
  return (cpu, insn: Instruction) => {
    const bits = insn.opSize;
    const v = cpu.getOp(insn, 0, bits);
    const m = 1 << (insn.imm & (bits - 1));
    if (op !== BT) cpu.setOp(insn, 0, bits, modify(op, v, m));
    cpu.setFlag(EFLAGS_CF, (v & m) !== 0);
  };
}

function parity(b: number): number {
  b &= 0xff;
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  return (b & 1) === 0 ? EFLAGS_PF : 0;
}

function scan(reverse: boolean): Handler {
  return (cpu, insn) => {
    const bits = insn.opSize;
    const v = cpu.getOp(insn, 1, bits) & (bits === 32 ? -1 : 0xffff);
    if (v === 0) {
      cpu.setFlag(EFLAGS_ZF, true);
      return;
    }
    const idx = reverse ? 31 - Math.clz32(v) : 31 - Math.clz32(v & -v);
    cpu.setOp(insn, 0, bits, idx);
    cpu.setFlags(parity(idx), EFLAGS_ARITH);
  };
}

defineOps({
  Bt_Ev_Gv: btReg(BT),
  Bts_Ev_Gv: btReg(BTS),
  Btr_Ev_Gv: btReg(BTR),
  Btc_Ev_Gv: btReg(BTC),
  Bt_Ev_Ib: btImm(BT),
  Bts_Ev_Ib: btImm(BTS),
  Btr_Ev_Ib: btImm(BTR),
  Btc_Ev_Ib: btImm(BTC),
  Bsf_Gv_Ev: scan(false),
  Bsr_Gv_Ev: scan(true),
});
