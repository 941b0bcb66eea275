// Cross-check of the opcode table's flag facts against iced-x86's instruction info.
//
// For every form we can reach, a few encodings are collected (a systematic walk over
// prefix x map x opcode x ModRM, the random case generator of the objdump oracle, and the
// real binaries' code sections when tools/fetch-guests has run), decoded by iced, and the
// flags compared bit by bit on the flags both models know: OF SF ZF AF CF PF DF IF AC.
//
// Semantics:
//   ours FORM.flagsWritten  = every flag the form writes, defined or not (see compileForms)
//   ours FORM.flagsUndefined = the undefined subset
//   iced rflagsModified     = written + cleared + set + undefined  <->  ours flagsWritten
//   iced rflagsUndefined                                           <->  ours flagsUndefined
// Bits only we model (TF, IOPL, NT, RF, VM, VIF, VIP, ID) and bits only iced models (UIF,
// the x87 condition codes C0-C3) are masked out.

import { readFileSync } from 'node:fs';
import { Code, Decoder, DecoderOptions, Mnemonic, RflagsBits } from 'iced-x86';
import { Cf, decodeInto, DecodeStatus, FL, FORM, FORMS, Instruction } from '../../src/index.js';
import { CASE_BYTES, fillCase, rng, STRIDE } from '../oracle/random.js';
import type { ManifestSection } from './manifest.js';

/** Our FL bit -> iced RflagsBits bit, for the flags both model. */
const BIT_MAP: readonly (readonly [number, number, string])[] = [
  [FL.OF, RflagsBits.OF, 'OF'],
  [FL.SF, RflagsBits.SF, 'SF'],
  [FL.ZF, RflagsBits.ZF, 'ZF'],
  [FL.AF, RflagsBits.AF, 'AF'],
  [FL.CF, RflagsBits.CF, 'CF'],
  [FL.PF, RflagsBits.PF, 'PF'],
  [FL.DF, RflagsBits.DF, 'DF'],
  [FL.IF, RflagsBits.IF, 'IF'],
  [FL.AC, RflagsBits.AC, 'AC'],
];

/** Our flag bits as a common mask (index i of BIT_MAP -> bit i). */
export function fromOurs(fl: number): number {
  let m = 0;
  BIT_MAP.forEach(([ours], i) => {
    if (fl & ours) m |= 1 << i;
  });
  return m;
}

export function fromIced(fl: number): number {
  let m = 0;
  BIT_MAP.forEach(([, iced], i) => {
    if (fl & iced) m |= 1 << i;
  });
  return m;
}

/** "OF SF ZF" for a common mask; "-" for none. */
export function flagNames(m: number): string {
  const n = BIT_MAP.filter((_, i) => m & (1 << i)).map(([, , name]) => name);
  return n.length ? n.join(' ') : '-';
}

export interface Example {
  form: number;
  bits: 16 | 32;
  bytes: Uint8Array;
  length: number;
  mnemonic: string;
  /** walk, walk-vex, extra, random32, random16 or a section name. */
  source: string;
  /** iced's mnemonic, or "(invalid)". */
  iced: string;
  /** iced's flags (common masks), when iced decoded the same instruction. */
  icedW: number;
  icedU: number;
}

export type SkipReason = 'iced-invalid' | 'iced-length' | 'different-instruction';

export interface FormExamples {
  /** Encodings iced decodes as the same instruction (same length and mnemonic). */
  compared: Example[];
  /** Encodings iced rejects or reads differently, with why. */
  skipped: { example: Example; reason: SkipReason }[];
}

const MNEMONIC_NAMES = Mnemonic as unknown as Record<number, string>;

/**
 * Collects, per form, up to `perForm` distinct encodings iced decodes as the same
 * instruction; iced runs as encodings are offered, so a form whose first encodings iced
 * rejects (VEX.L=1 where L0 is required, say) keeps collecting. At most `maxSkipped`
 * rejected encodings are tried per form.
 */
export class ExampleSet {
  readonly byForm: Map<number, FormExamples> = new Map();
  private readonly insn = new Instruction();
  constructor(readonly perForm = 8, readonly maxSkipped = 512) {}

  /** Decodes code[at..end) with our decoder (no FWAIT folding); returns its length (0 if none). */
  offer(code: Uint8Array, at: number, end: number, bits: 16 | 32, source: string): number {
    const insn = this.insn;
    const st = decodeInto(insn, code, at, end, bits, 0, 0);
    // UD0/UD1/UD2 decode as Invalid (they raise #UD) but are forms of their own.
    const ud = st === DecodeStatus.Invalid && insn.form !== 0 && FORM.cf[insn.form] === Cf.UD;
    if ((st !== DecodeStatus.Ok && !ud) || insn.form === 0) return st === DecodeStatus.Ok ? insn.length : 0;
    const form = insn.form;
    const len = insn.length;
    let fx = this.byForm.get(form);
    if (!fx) this.byForm.set(form, (fx = { compared: [], skipped: [] }));
    if (fx.compared.length >= this.perForm || fx.skipped.length >= this.maxSkipped) return len;
    if (fx.compared.some((e) => sameBytes(e.bytes, code, at, len))) return len;
    if (fx.skipped.some((e) => sameBytes(e.example.bytes, code, at, len))) return len;
    const row = FORMS[form];
    const ex: Example = {
      form, bits, bytes: code.slice(at, at + len), length: len,
      mnemonic: row ? (insn.opSize === 16 ? row.mnem16 : row.mnem32) : '?', source,
      iced: '', icedW: 0, icedU: 0,
    };
    const d = new Decoder(bits, ex.bytes, ICED_OPTIONS);
    const ins = d.decode();
    try {
      const mn = MNEMONIC_NAMES[ins.mnemonic] ?? String(ins.mnemonic);
      ex.iced = ins.code === Code.INVALID ? '(invalid)' : mn;
      if (ins.code === Code.INVALID) fx.skipped.push({ example: ex, reason: 'iced-invalid' });
      else if (ins.length !== len) fx.skipped.push({ example: ex, reason: 'iced-length' });
      else if (!sameMnemonic(ex.mnemonic, mn)) fx.skipped.push({ example: ex, reason: 'different-instruction' });
      else {
        ex.icedW = fromIced(ins.rflagsModified);
        ex.icedU = fromIced(ins.rflagsUndefined);
        fx.compared.push(ex);
      }
    } finally {
      ins.free();
      d.free();
    }
    return len;
  }
}

function sameBytes(a: Uint8Array, code: Uint8Array, at: number, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== code[at + i]) return false;
  return true;
}

const WALK_PREFIXES: readonly (readonly number[])[] = [[], [0x66], [0xf3], [0xf2], [0x67]];
const WALK_MAPS: readonly (readonly number[])[] = [[], [0x0f], [0x0f, 0x38], [0x0f, 0x3a]];

/**
 * Systematic walk: every prefix x map x opcode with ModRM reg 0-7 under mod 0 (rm 0) and
 * every mod-3 ModRM, followed by bytes 0x05 (SIB/displacement/immediates; a count of 5 keeps
 * shifts in their general case). 32-bit code; 66 and 67 cover the 16-bit forms.
 */
export function walk(set: ExampleSet): void {
  // Interleaved so that a form's first examples include both a register and a memory form.
  const modrms: number[] = [];
  for (let m = 0xc0; m < 0x100; m++) {
    modrms.push(m);
    if ((m & 7) === 0) modrms.push((m >> 3) << 3 & 0x38);
  }
  const buf = new Uint8Array(32);
  for (const pfx of WALK_PREFIXES) {
    for (const map of WALK_MAPS) {
      for (let op = 0; op < 256; op++) {
        for (const modrm of modrms) {
          let p = 0;
          for (const b of pfx) buf[p++] = b;
          for (const b of map) buf[p++] = b;
          buf[p++] = op;
          buf[p++] = modrm;
          buf.fill(0x05, p);
          set.offer(buf, 0, buf.length, 32, 'walk');
        }
      }
    }
  }
}

/** The objdump oracle's random cases (first instruction of each). */
export function random(set: ExampleSet, bits: 16 | 32, count: number, seed: number): void {
  const next = rng(seed);
  const buf = new Uint8Array(STRIDE);
  for (let c = 0; c < count; c++) {
    fillCase(buf, 0, next, bits);
    set.offer(buf, 0, CASE_BYTES, bits, `random${bits}`);
  }
}

/**
 * VEX, XOP and EVEX walk (32-bit code, so C4/C5/8F/62 need ModRM-like second bytes with
 * mod = 3): every map x pp x L x W with vvvv = 1111 (unused), then opcode x ModRM (reg 0-7
 * with a register, a memory and a SIB operand), then bytes 0x05.
 */
export function walkVex(set: ExampleSet): void {
  const heads: number[][] = [];
  for (let pp = 0; pp < 4; pp++) {
    for (let l = 0; l < 2; l++) {
      heads.push([0xc5, 0xf8 | (l << 2) | pp]);
      for (let map = 1; map <= 3; map++) {
        for (let w = 0; w < 2; w++) heads.push([0xc4, 0xe0 | map, (w << 7) | 0x78 | (l << 2) | pp]);
      }
    }
    // XOP (AMD) maps 8-10 take pp = 0 only.
    if (pp === 0) {
      for (let map = 8; map <= 10; map++) {
        for (let l = 0; l < 2; l++) {
          for (let w = 0; w < 2; w++) heads.push([0x8f, 0xe0 | map, (w << 7) | 0x78 | (l << 2)]);
        }
      }
    }
    for (let ll = 0; ll < 3; ll++) {
      for (let map = 1; map <= 3; map++) {
        for (let w = 0; w < 2; w++) heads.push([0x62, 0xf0 | map, (w << 7) | 0x7c | pp, 0x08 | (ll << 5)]);
      }
    }
  }
  const modrms: number[] = [];
  // rm = 4 gives the VSIB forms (gathers) a SIB byte, set below.
  for (let reg = 0; reg < 8; reg++) modrms.push(0xc1 | (reg << 3), 0x01 | (reg << 3), 0x04 | (reg << 3));
  const buf = new Uint8Array(32);
  for (const head of heads) {
    for (let op = 0; op < 256; op++) {
      for (const modrm of modrms) {
        let p = 0;
        for (const b of head) buf[p++] = b;
        buf[p++] = op;
        buf[p++] = modrm;
        buf.fill(0x05, p);
        // SIB [xmm5*1+disp32]: a VSIB index unlike the destination (reg 1-4) and mask (vvvv = 0).
        if ((modrm & 7) === 4) buf[p] = 0x2d;
        set.offer(buf, 0, buf.length, 32, 'walk-vex');
      }
    }
  }
}

/**
 * Encodings the walk cannot produce: 3DNow! takes its real opcode from the immediate byte,
 * and the walk's 0x05 is not one.
 */
export const EXTRA: readonly string[] = ['0f0fc19e', '0f0f0ab4', '0f0fc0bf'];

export function extra(set: ExampleSet): void {
  for (const h of EXTRA) {
    const b = new Uint8Array(Buffer.from(h, 'hex'));
    set.offer(b, 0, b.length, 32, 'extra');
  }
}

/** Linear sweep of a real code section by our decoder alone. */
export function sweep(set: ExampleSet, section: ManifestSection): void {
  const code = new Uint8Array(readFileSync(section.file));
  for (let at = 0; at < code.length; ) {
    const n = set.offer(code, at, code.length, section.bits, section.name);
    at += n > 0 ? n : 1;
  }
}

/** objdump's (our) mnemonic -> iced's, where they name the same instruction differently. */
const MNEMONIC_ALIASES: Readonly<Record<string, string>> = {
  fwait: 'wait',
  nop: 'reservednop',
  xstorerng: 'xstore',
};

/**
 * Whether our (objdump-style) mnemonic and iced's name the same instruction. Besides the
 * aliases, objdump leaves the operand size off some names where iced spells it (movs /
 * movsd, pusha / pushad, iret / iretd, xlat / xlatb) and puts it on others (sgdtd / sgdt),
 * marks obsolete x87 forms ("fneni(8087 only)") and VEX spellings of EVEX-first names
 * ("{vex} vpdpbusd"), and hyphenates the PadLock names (xcrypt-ecb / xcryptecb).
 */
export function sameMnemonic(ours: string, iced: string): boolean {
  const o = ours.toLowerCase().replace(/^\{vex\}[~ ]/, '').replace(/\(.*$/, '').replace(/-/g, '').trim();
  const i = iced.toLowerCase();
  if (o === i || MNEMONIC_ALIASES[o] === i) return true;
  // 66 90: "xchg ax,ax" to objdump, NOP to iced (and the CPU).
  if (o === 'xchg' && i === 'nop') return true;
  // 0F 0F: one row in our table, the immediate names the 3DNow! instruction.
  if (o === '3dnow') return true;
  const sized = (a: string, b: string): boolean => a.length === b.length + 1 && a.startsWith(b) && 'bwdq'.includes(a.slice(-1));
  return sized(i, o) || sized(o, i);
}

/**
 * Decoder options: besides the default (a modern Intel CPU), decode what an i686-era
 * binary or our table may contain: MOV to/from test registers, the 8087/287 x87 control
 * forms, and MPX (otherwise reserved NOPs).
 */
export const ICED_OPTIONS: number = DecoderOptions.MovTr | DecoderOptions.OldFpu | DecoderOptions.MPX;

export interface FormVerdict extends FormExamples {
  form: number;
  name: string;
  oursW: number;
  oursU: number;
}

/** Per-form results, by form id. */
export function verdicts(set: ExampleSet): FormVerdict[] {
  return [...set.byForm]
    .sort((a, b) => a[0] - b[0])
    .map(([form, fx]) => ({
      ...fx, form, name: FORMS[form]?.name ?? `#${form}`,
      oursW: fromOurs(FORM.flagsWritten[form] as number), oursU: fromOurs(FORM.flagsUndefined[form] as number),
    }));
}

export function hexBytes(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
