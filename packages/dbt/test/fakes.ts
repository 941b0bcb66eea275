// Fakes of the dbt ports: flat guest memory (linear = physical) with unmappable pages, a
// TC arena that records writes, and a trace service that records trace/untrace calls.
import { DecodeStatus, Instruction, decodeInto, formatIntel } from '@vmm86/x86-decoder';
import type { CodeTrace, DbtPorts, GuestCode, TcMemory } from '../src/ports.ts';

export class FakeGuest implements GuestCode {
  readonly mem: Uint8Array;
  readonly unmapped: Set<number> = new Set<number>();
  fetches = 0;

  constructor(size = 0x10000) {
    this.mem = new Uint8Array(size);
  }

  load(at: number, bytes: readonly number[] | Uint8Array): void {
    this.mem.set(bytes, at);
  }

  fetch(linear: number, dst: Uint8Array, at: number, count: number): number {
    this.fetches++;
    let n = 0;
    while (n < count) {
      const a = linear + n;
      if (a >= this.mem.length || this.unmapped.has(a >>> 12)) break;
      dst[at + n] = this.mem[a] as number;
      n++;
    }
    return n;
  }

  physPage(linear: number): number {
    return linear >= this.mem.length || this.unmapped.has(linear >>> 12) ? -1 : linear >>> 12;
  }
}

export class FakeTc implements TcMemory {
  readonly bytes: Uint8Array;
  readonly writes: [number, number][] = [];
  constructor(size: number, readonly linearBase: number = 0xffc00000) {
    this.bytes = new Uint8Array(size);
  }
  written(offset: number, length: number): void {
    this.writes.push([offset, length]);
  }
}

export class FakeTrace implements CodeTrace {
  readonly traced: Set<number> = new Set<number>();
  readonly log: string[] = [];
  trace(page: number): void {
    if (this.traced.has(page)) throw new Error(`page ${page} traced twice`);
    this.traced.add(page);
    this.log.push(`+${page}`);
  }
  untrace(page: number): void {
    if (!this.traced.has(page)) throw new Error(`page ${page} untraced while not traced`);
    this.traced.delete(page);
    this.log.push(`-${page}`);
  }
}

export const VECTOR = 0x81;

export function ports(guest: FakeGuest = new FakeGuest(), tcSize = 0x10000): DbtPorts & { guest: FakeGuest; tcm: FakeTc; tr: FakeTrace } {
  const tcm = new FakeTc(tcSize);
  const tr = new FakeTrace();
  return { code: guest, tc: tcm, trace: tr, callout: { vector: VECTOR }, guest, tcm, tr };
}

/** Decodes `code` end to end; every byte must belong to a valid instruction. */
export function disasm(code: Uint8Array, ip = 0, bits: 16 | 32 = 32): string[] {
  const out: string[] = [];
  const insn = new Instruction();
  let off = 0;
  while (off < code.length) {
    const st = decodeInto(insn, code, off, code.length, bits, ip + off);
    if (st !== DecodeStatus.Ok) throw new Error(`undecodable translated code at +${off}: status ${st}`);
    out.push(formatIntel(insn).replace(/ +/g, ' '));
    off += insn.length;
  }
  return out;
}
