// A reader for MOO files (Machine Opcode Operation), the binary container of the
// SingleStepTests hardware-captured CPU tests. Written from the format description
// (dbalsom/moo, doc/moo_format_v1.md, version 1.1):
//
//   every chunk = 4-byte ASCII id, uint32 payload length, payload (little-endian)
//   `MOO `  major, minor, 2 reserved, uint32 test count, 4-char CPU id
//   `META`  (optional) collection version, cpu type, opcode, mnemonic, count, seed, mode
//   `TEST`  uint32 index, then sub-chunks:
//     `NAME` uint32 length + ASCII     `BYTS` uint32 length + bytes
//     `INIT` / `FINA`: sub-chunks `REGS` (uint16 mask + uint16 values; order ax bx cx dx
//            cs ss ds es sp bp si di ip flags) or `RG32` (uint32 mask + uint32 values;
//            order cr0 cr3 eax ebx ecx edx esi edi ebp esp cs ds es fs gs ss eip eflags
//            dr6 dr7), `RMSK`/`RM32` (undefined-bit masks, same layouts), `RAM `
//            (uint32 count + count × (uint32 address, uint8 value)), `QUEU`, `EA32`
//     `CYCL` bus cycles (not used here)   `EXCP` uint8 vector + uint32 address of the
//     pushed flags   `HASH` 20-byte SHA-1
//
// Unknown chunks (for example `GMET` in the pre-release files) are skipped by their
// length, as the format requires; a chunk's length is always used to find the next one.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** 16-bit register names in REGS/RMSK bit order. */
export const REGS16 = ['ax', 'bx', 'cx', 'dx', 'cs', 'ss', 'ds', 'es', 'sp', 'bp', 'si', 'di', 'ip', 'flags'] as const;
/** 32-bit register names in RG32/RM32 bit order. */
export const REGS32 = [
  'cr0', 'cr3', 'eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp',
  'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'eip', 'eflags', 'dr6', 'dr7',
] as const;

/** A register set: values by name, only the registers present in the chunk. */
export type RegSet = Map<string, number>;

export interface MooState {
  /** Register values present (REGS or RG32), by name. */
  regs: RegSet;
  /** Register masks of undefined bits (RMSK / RM32), by name, when present. */
  masks: RegSet | undefined;
  /** RAM entries: addresses and byte values, in file order. */
  ramAddr: Uint32Array;
  ramVal: Uint8Array;
  /** Whether the registers came as RG32 (32-bit) or REGS (16-bit). */
  wide: boolean;
}

export interface MooTest {
  index: number;
  name: string;
  bytes: Uint8Array;
  init: MooState;
  final: MooState;
  /** Exception taken by the instruction, if any. */
  exception: { vector: number; flagsAddr: number } | undefined;
  /** SHA-1 as lowercase hex ('' when absent). */
  hash: string;
}

export interface MooMeta {
  majorVersion: number;
  minorVersion: number;
  cpuType: number;
  opcode: number;
  mnemonic: string;
  testCount: number;
  cpuMode: number;
}

export interface MooFile {
  majorVersion: number;
  minorVersion: number;
  testCount: number;
  cpuId: string;
  meta: MooMeta | undefined;
  /** File-level undefined-bit masks (a top-level RMSK / RM32). */
  masks: RegSet | undefined;
  tests: MooTest[];
}

export class MooError extends Error {}

function ascii(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(b[off + i] as number);
  return s;
}

class Reader {
  readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u8(o: number): number {
    return this.view.getUint8(o);
  }
  u16(o: number): number {
    return this.view.getUint16(o, true);
  }
  u32(o: number): number {
    return this.view.getUint32(o, true);
  }
  /** Iterates the chunks in [start, end): calls fn(id, payloadOffset, payloadLength). */
  chunks(start: number, end: number, fn: (id: string, off: number, len: number) => void): void {
    let p = start;
    while (p + 8 <= end) {
      const id = ascii(this.buf, p, 4);
      const len = this.u32(p + 4);
      const off = p + 8;
      if (off + len > end) throw new MooError(`chunk ${JSON.stringify(id)} at ${p} overruns its container (${len} bytes)`);
      fn(id, off, len);
      p = off + len;
    }
  }
}

function readRegs(r: Reader, off: number, len: number, names: readonly string[], wide: boolean): RegSet {
  const regs: RegSet = new Map();
  const mask = wide ? r.u32(off) : r.u16(off);
  let p = off + (wide ? 4 : 2);
  const size = wide ? 4 : 2;
  for (let bit = 0; bit < names.length; bit++) {
    if (((mask >>> bit) & 1) === 0) continue;
    if (p + size > off + len) throw new MooError('register chunk shorter than its mask says');
    regs.set(names[bit] as string, wide ? r.u32(p) : r.u16(p));
    p += size;
  }
  return regs;
}

function readState(r: Reader, off: number, len: number): MooState {
  const st: MooState = {
    regs: new Map(),
    masks: undefined,
    ramAddr: new Uint32Array(0),
    ramVal: new Uint8Array(0),
    wide: false,
  };
  r.chunks(off, off + len, (id, o, l) => {
    switch (id) {
      case 'REGS':
        st.regs = readRegs(r, o, l, REGS16, false);
        break;
      case 'RG32':
        st.regs = readRegs(r, o, l, REGS32, true);
        st.wide = true;
        break;
      case 'RMSK':
        st.masks = readRegs(r, o, l, REGS16, false);
        break;
      case 'RM32':
        st.masks = readRegs(r, o, l, REGS32, true);
        break;
      case 'RAM ': {
        const n = r.u32(o);
        if (4 + n * 5 > l) throw new MooError('RAM chunk shorter than its count says');
        st.ramAddr = new Uint32Array(n);
        st.ramVal = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          st.ramAddr[i] = r.u32(o + 4 + i * 5);
          st.ramVal[i] = r.u8(o + 8 + i * 5);
        }
        break;
      }
      default: // QUEU, EA32 and anything newer: not needed to run a test
        break;
    }
  });
  return st;
}

function readTest(r: Reader, off: number, len: number): MooTest {
  const t: MooTest = {
    index: r.u32(off),
    name: '',
    bytes: new Uint8Array(0),
    init: { regs: new Map(), masks: undefined, ramAddr: new Uint32Array(0), ramVal: new Uint8Array(0), wide: false },
    final: { regs: new Map(), masks: undefined, ramAddr: new Uint32Array(0), ramVal: new Uint8Array(0), wide: false },
    exception: undefined,
    hash: '',
  };
  r.chunks(off + 4, off + len, (id, o, l) => {
    switch (id) {
      case 'NAME':
        t.name = ascii(r.buf, o + 4, Math.min(r.u32(o), l - 4));
        break;
      case 'BYTS':
        t.bytes = r.buf.slice(o + 4, o + 4 + Math.min(r.u32(o), l - 4));
        break;
      case 'INIT':
        t.init = readState(r, o, l);
        break;
      case 'FINA':
        t.final = readState(r, o, l);
        break;
      case 'EXCP':
        t.exception = { vector: r.u8(o), flagsAddr: r.u32(o + 1) };
        break;
      case 'HASH':
        t.hash = Buffer.from(r.buf.subarray(o, o + Math.min(l, 20))).toString('hex');
        break;
      default: // CYCL, IDX , GMET, ...
        break;
    }
  });
  return t;
}

/** Parses a MOO file (already decompressed). */
export function parseMoo(buf: Uint8Array): MooFile {
  const r = new Reader(buf);
  if (buf.length < 8 || ascii(buf, 0, 4) !== 'MOO ') throw new MooError('not a MOO file (no "MOO " header chunk)');
  const hlen = r.u32(4);
  if (hlen < 12) throw new MooError(`MOO header too short (${hlen})`);
  const file: MooFile = {
    majorVersion: r.u8(8),
    minorVersion: r.u8(9),
    testCount: r.u32(12),
    cpuId: ascii(buf, 16, 4),
    meta: undefined,
    masks: undefined,
    tests: [],
  };
  r.chunks(8 + hlen, buf.length, (id, o, l) => {
    switch (id) {
      case 'META':
        file.meta = {
          majorVersion: r.u8(o),
          minorVersion: r.u8(o + 1),
          cpuType: r.u8(o + 2),
          opcode: r.u32(o + 3),
          mnemonic: ascii(buf, o + 7, 8).trimEnd(),
          testCount: r.u32(o + 15),
          cpuMode: l > 27 ? r.u8(o + 27) : 0,
        };
        break;
      case 'RMSK':
        file.masks = readRegs(r, o, l, REGS16, false);
        break;
      case 'RM32':
        file.masks = readRegs(r, o, l, REGS32, true);
        break;
      case 'TEST':
        file.tests.push(readTest(r, o, l));
        break;
      default:
        break;
    }
  });
  if (file.tests.length !== file.testCount) {
    throw new MooError(`header says ${file.testCount} tests, found ${file.tests.length}`);
  }
  return file;
}

/** Reads and parses a MOO file, gunzipping `.gz` files. */
export function readMoo(path: string): MooFile {
  const raw = readFileSync(path);
  const data = path.endsWith('.gz') ? gunzipSync(raw) : raw;
  return parseMoo(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
