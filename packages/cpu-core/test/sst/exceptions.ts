// The documented exceptions of the hardware-captured suites.
//
// The 80286 data was captured on a Harris 80C286; our CPU is a Pentium Pro/II. Where the
// two CPUs differ architecturally, a failing test is expected, provided our result is
// the Pentium Pro's: every entry's matcher checks both what the 286 did and that our CPU
// did the P6 thing, so an entry cannot hide an unrelated bug in the same test.
//
// Kinds:
//   'difference'  286 and P6 differ; the test is excluded from the pass rate's denominator.
//   'bad-data'    the captured test itself is wrong (a capture glitch; a candidate for the
//                 suite's revocation list); matched by hash only, excluded like a revoked test.
//   'known-issue' our core is wrong (or unproven) in a documented, accepted way; the test
//                 counts as a failure in the pass rate but is not "unexplained".
//
// Not failures at all, because the runner normalises them (runner.ts):
//   - EFLAGS bits 12-15: a 286 in real mode cannot hold IOPL/NT (they read as 0, PUSHF
//     pushes 0, POPF/IRET cannot set them); the captured INIT flags carry random values
//     there. INIT flags are loaded without them and they are never compared.
//   - Reserved flag bits 3, 5, 15 (read as 0 on both) and, for the 386EX sample, EFLAGS
//     bits 18-31 and CR0 (SMM-dump artefacts, README).
//   - Flags the 286 leaves undefined (metadata.json "flags-mask"), in the registers and in
//     a flags image pushed by an exception (EXCP's address).
//   - The HLT after the instruction is not executed; IP is compared as IP + 1.

import type { MooTest } from './moo.js';
import type { Encoding, TestResult } from './runner.js';

export interface FailureInfo {
  suite: string;
  /** File key: "8E", "F7.6", ... */
  file: string;
  test: MooTest;
  enc: Encoding;
  result: TestResult;
}

export interface SstException {
  id: string;
  kind: 'difference' | 'bad-data' | 'known-issue';
  /** Which suite(s) the entry applies to. */
  suites: readonly string[];
  reason: string;
  /** An example (file and test index) where the class was seen. */
  example: string;
  match(f: FailureInfo): boolean;
}

const VEC_DE = 0;
const VEC_UD = 6;
const VEC_SS = 12;
const VEC_NONE = -1;

/** Initial 16-bit register value by REGS name. */
function r16(f: FailureInfo, name: string): number {
  return f.test.init.regs.get(name) ?? 0;
}

/** 16-bit effective address of the ModRM memory operand (real-mode encoding), or -1. */
function ea16(f: FailureInfo): number {
  const m = f.enc.modrm;
  if (m < 0 || m >= 0xc0) return -1;
  const at = f.enc.prefixes.length + 2;
  const b = f.test.bytes;
  const mod = m >> 6;
  const rm = m & 7;
  const bases: [string, string][] = [['bx', 'si'], ['bx', 'di'], ['bp', 'si'], ['bp', 'di'], ['si', ''], ['di', ''], ['bp', ''], ['bx', '']];
  const [x, y] = bases[rm] as [string, string];
  let ea = mod === 0 && rm === 6 ? 0 : r16(f, x) + (y === '' ? 0 : r16(f, y));
  if (mod === 1) ea += ((b[at] as number) << 24) >> 24;
  else if (mod === 2 || (mod === 0 && rm === 6)) ea += (b[at] as number) | ((b[at + 1] as number) << 8);
  return ea & 0xffff;
}
const VEC_GP = 13;

/**
 * Once the vectors differ, everything after legitimately differs too: a different frame,
 * a different handler (the capture only placed a HLT at the handler the 286 took, so ours
 * usually runs into unrelated bytes and stops elsewhere). Only a crash is not fallout.
 */
function onlyExceptionFallout(f: FailureInfo): boolean {
  return f.result.crash === '';
}

/**
 * Instructions that accept LOCK on a P6 (with a memory destination): ADD OR ADC SBB AND SUB
 * XOR (00-35 forms 0/1 with r/m destination, 80/81/83 /0-/6), XCHG (86/87), INC/DEC
 * (FE/FF /0 /1), NOT/NEG (F6/F7 /2 /3), and 0F forms that these suites do not contain.
 */
function lockable(enc: Encoding): boolean {
  const op = enc.opcode;
  const m = enc.modrm;
  if (m < 0 || m >= 0xc0) return false;
  const reg = (m >> 3) & 7;
  if (op < 0x40) return (op & 7) <= 1 && (op & 0x38) !== 0x38; // not CMP
  if (op >= 0x80 && op <= 0x83) return reg !== 7;
  if (op === 0x86 || op === 0x87) return true;
  if (op === 0xfe || op === 0xff) return reg <= 1;
  if (op === 0xf6 || op === 0xf7) return reg === 2 || reg === 3;
  return false;
}

export const EXCEPTIONS: readonly SstException[] = [
  {
    id: 'lock-ud',
    kind: 'difference',
    suites: ['286'],
    reason:
      'LOCK (F0) on an instruction that cannot be locked, or with a register destination: ' +
      'the 286 ignores the prefix (it only asserts the LOCK pin), the 386 and later raise #UD (SDM Vol. 2, LOCK).',
    example: '286 C9 "lock leave" (F0 C9 F4)',
    match: (f) =>
      f.enc.prefixes.includes(0xf0) && !lockable(f.enc) && f.result.actualVector === VEC_UD &&
      // (LOCK INT 6 looks like #UD by its vector; #UD pushes the faulting IP, INT 6 the next)
      (f.result.expectedVector !== VEC_UD || (f.enc.opcode === 0xcd && f.test.bytes[f.enc.prefixes.length + 1] === 6)) &&
      onlyExceptionFallout(f),
  },
  {
    id: 'segment-overrun-ss',
    kind: 'difference',
    suites: ['286'],
    reason:
      'An SS-relative access beyond the 64 KiB limit (e.g. LEAVE with BP = FFFF, PUSHA/POP/RET with SP ' +
      'wrapping, [bp+x] operands ending at FFFF+1): the 286 in real mode raises interrupt 13 for every ' +
      'segment overrun; the 386 and later raise #SS (12) for the stack segment.',
    example: '286 C9 "leave" with BP = FFFF',
    match: (f) => f.result.expectedVector === VEC_GP && f.result.actualVector === VEC_SS && onlyExceptionFallout(f),
  },
  {
    id: 'mov-sreg-fs-gs',
    kind: 'difference',
    suites: ['286'],
    reason:
      'MOV to/from segment register 4 or 5 (8C/8E with ModRM.reg = 4, 5): no such register on the 286 (#UD); ' +
      'FS and GS on the 386 and later. (reg 6, 7 are #UD on both; 8E /1, MOV CS, is #UD on both.)',
    example: '286 8E "mov fs,..." (8E /4)',
    match: (f) => {
      const { opcode, modrm } = f.enc;
      const reg = (modrm >> 3) & 7;
      if ((opcode !== 0x8c && opcode !== 0x8e) || modrm < 0 || (reg !== 4 && reg !== 5)) return false;
      return f.result.expectedVector === VEC_UD && f.result.actualVector !== VEC_UD && f.result.crash === '';
    },
  },
  {
    id: 'pop-mem-sp-before-fault',
    kind: 'difference',
    suites: ['286'],
    reason:
      'POP m16 (8F /0) whose destination faults (word at offset FFFF, #GP): the 286 has already ' +
      'incremented SP when the store faults, so its frame sits 2 bytes higher; on a P6 the instruction is ' +
      'all-or-nothing and SP keeps its old value (SDM Vol. 2, POP).',
    example: '286 8F #568 "pop word [si]" with SI = FFFF',
    match: (f) => {
      const r = f.result;
      if (f.enc.opcode !== 0x8f || r.expectedVector !== VEC_GP || r.actualVector !== VEC_GP || r.crash !== '') return false;
      const sp = r.diffs.find((d) => d.name === 'sp');
      if (!sp || sp.expected !== ((sp.actual + 2) & 0xffff) || sp.actual !== ((r16(f, 'sp') - 6) & 0xffff)) return false;
      return r.diffs.every((d) => d.kind === 'ram' || d === sp);
    },
  },
  {
    id: 'far-pointer-offset-wrap',
    kind: 'difference',
    suites: ['286'],
    reason:
      'LES/LDS with the m16:16 operand at offset FFFE: the 286 reads the selector word at offset 0000 ' +
      '(the second word\'s offset wraps at 64 KiB) and completes; a P6 checks the 4-byte operand against ' +
      'the limit and raises #GP (#SS when SS-relative).',
    example: '286 C4 #2751 "les bp,[bx+di]" with BX + DI = FFFE',
    match: (f) =>
      (f.enc.opcode === 0xc4 || f.enc.opcode === 0xc5) && ea16(f) === 0xfffe && f.result.expectedVector === VEC_NONE &&
      (f.result.actualVector === VEC_GP || f.result.actualVector === VEC_SS) && f.result.crash === '',
  },
  {
    id: 'bad-capture-int-pushed-ss',
    kind: 'bad-data',
    suites: ['286'],
    reason:
      'A capture glitch: the frame of "int 3Bh" holds SS (12F2) where CS (C93A) was pushed; IP, flags and the ' +
      'handler taken are right. No CPU pushes SS there; a candidate for the suite\'s revocation list.',
    example: '286 CD #2044 "int 3Bh", hash ba5bb16b5a4306333a359c3abd2169b871ffa42c',
    match: (f) => f.test.hash === 'ba5bb16b5a4306333a359c3abd2169b871ffa42c' && f.result.actualVector === 0x3b &&
      f.result.diffs.every((d) => d.kind === 'ram' && (d.name === '01CDB8' || d.name === '01CDB9')),
  },
  {
    id: 'insn-length-10',
    kind: 'difference',
    suites: ['286'],
    reason:
      'Instructions longer than 10 bytes (redundant prefixes): the 286 limits an instruction to 10 bytes ' +
      'and raises #GP (13); the 386 and later allow 15 bytes and execute it.',
    example: '286 EA #475 "jmp 9B54h:762Ch" with 6 segment prefixes (11 bytes)',
    match: (f) =>
      f.result.length > 10 && f.result.length <= 15 && f.result.expectedVector === VEC_GP &&
      f.result.actualVector !== VEC_GP && f.result.crash === '',
  },
  {
    id: 'aam0-flags',
    kind: 'difference',
    suites: ['286'],
    reason:
      'AAM 0 (D4 00): both CPUs raise #DE, but the 286 first updates SF/ZF/PF (and pushes those flags); ' +
      'a P6 fault is all-or-nothing, so the flags and the pushed image keep their old values.',
    example: '286 D4 #2125 "aam 0" (flags 0C03 -> 286 pushes 0406)',
    match: (f) => {
      const r = f.result;
      if (f.enc.opcode !== 0xd4 || f.test.bytes[f.enc.prefixes.length + 1] !== 0) return false;
      if (r.expectedVector !== VEC_DE || r.actualVector !== VEC_DE || r.crash !== '') return false;
      return r.diffs.every((d) =>
        d.kind === 'flags' ? ((d.actual ^ r.initFlags) & d.mask) === 0
          : d.kind === 'ram' && r.flagsImage.includes(parseInt(d.name, 16)));
    },
  },
];

/** The first entry that explains a failure, if any. */
export function explain(f: FailureInfo): SstException | undefined {
  return EXCEPTIONS.find((e) => e.suites.includes(f.suite) && e.match(f));
}
