// A fake vmm for the ports: guest linear memory without paging (1 MiB, with pages that can
// be marked unmapped), the hardware GDT/LDT as plain arrays, the trace service reduced to
// "report every guest write inside a watched range", and a segment-load checker written
// from the SDM that runs against either the guest's tables or the hardware's.
import type { Segmentation, SegmentationPorts, TableId } from '../src/index.js';
import { fields } from './oracle.js';

export class FakeMachine implements SegmentationPorts {
  readonly mem: Uint8Array = new Uint8Array(1 << 20);
  readonly view: DataView = new DataView(this.mem.buffer);
  readonly unmapped: Set<number> = new Set();
  readonly hw: [Int32Array, Int32Array] = [new Int32Array(8192 * 2), new Int32Array(8192 * 2)];
  readonly watches: [number, number][] = [[0, 0], [0, 0]];
  shadowWrites = 0;
  seg: Segmentation | undefined;

  readGuestDescriptor(addr: number, out: Int32Array): boolean {
    if (addr + 8 > this.mem.length || this.unmapped.has(addr >>> 12) || this.unmapped.has((addr + 7) >>> 12)) return false;
    out[0] = this.view.getInt32(addr, true);
    out[1] = this.view.getInt32(addr + 4, true);
    return true;
  }

  writeGuestByte(addr: number, value: number): void {
    this.mem[addr] = value;
    this.traced(addr, 1);
  }

  writeShadow(table: TableId, index: number, lo: number, hi: number): void {
    if (index < 0 || index >= 8192) throw new RangeError(`shadow index ${index}`);
    this.hw[table][index * 2] = lo;
    this.hw[table][index * 2 + 1] = hi;
    this.shadowWrites++;
  }

  watchTable(table: TableId, addr: number, length: number): void {
    this.watches[table] = [addr, length];
  }

  /** A guest store of a whole descriptor, reported like the trace service would. */
  guestStore(addr: number, lo: number, hi: number): void {
    this.view.setInt32(addr, lo, true);
    this.view.setInt32(addr + 4, hi, true);
    this.traced(addr, 8);
  }

  /** A descriptor written while no table is watched there (setup before LGDT). */
  poke(addr: number, lo: number, hi: number): void {
    this.view.setInt32(addr, lo, true);
    this.view.setInt32(addr + 4, hi, true);
  }

  private traced(addr: number, length: number): void {
    for (const [base, len] of this.watches) {
      if (len > 0 && addr < base + len && addr + length > base) {
        this.seg?.onGuestTableWrite(addr, length);
        return;
      }
    }
  }
}

/** One descriptor table as the CPU sees it. */
export interface TableView {
  limit: number; // -1: none (null LDTR)
  read(index: number): [number, number] | null; // null: unreadable
}

export const LOAD_OK = 0;

/**
 * MOV to DS/ES/FS/GS (ss = false) or SS in protected mode at `cpl`, per SDM Vol. 2 MOV.
 * Returns LOAD_OK, or (vector << 16) | error code. Does not set accessed bits.
 */
export function checkLoad(gdt: TableView, ldt: TableView, selector: number, cpl: number, ss: boolean): number {
  const rpl = selector & 3;
  const err = selector & 0xfffc;
  if (err === 0) return ss ? (13 << 16) : LOAD_OK;
  if (ss && rpl !== cpl) return (13 << 16) | err;
  const table = (selector & 4) !== 0 ? ldt : gdt;
  if (table.limit < 0 || (selector & 0xfff8) + 7 > table.limit) return (13 << 16) | err;
  const d = table.read(selector >>> 3);
  if (d === null) return 14 << 16;
  const f = fields(d[0], d[1]);
  const code = (f.type & 8) !== 0;
  const rw = (f.type & 2) !== 0;
  if (ss) {
    if (!f.s || code || !rw || f.dpl !== cpl) return (13 << 16) | err;
    if (!f.p) return (12 << 16) | err;
    return LOAD_OK;
  }
  if (!f.s || (code && !rw)) return (13 << 16) | err;
  const conforming = code && (f.type & 4) !== 0;
  if (!conforming && f.dpl < Math.max(cpl, rpl)) return (13 << 16) | err;
  if (!f.p) return (11 << 16) | err;
  return LOAD_OK;
}

export function guestTables(m: FakeMachine, seg: Segmentation): [TableView, TableView] {
  const at = (base: number, i: number): [number, number] | null => {
    const out = new Int32Array(2);
    return m.readGuestDescriptor(base + i * 8, out) ? [out[0] as number, out[1] as number] : null;
  };
  return [
    { limit: seg.gdtLimit, read: (i) => at(seg.gdtBase, i) },
    { limit: seg.ldtLimit, read: (i) => at(seg.ldtBase, i) },
  ];
}

export function hardwareTables(m: FakeMachine, seg: Segmentation): [TableView, TableView] {
  const ldtr = seg.hardwareLdtr();
  let ldtLimit = -1;
  if (ldtr !== 0) {
    const f = fields(m.hw[0][(ldtr >>> 3) * 2] as number, m.hw[0][(ldtr >>> 3) * 2 + 1] as number);
    if (f.p && !f.s && f.type === 2) ldtLimit = f.limit;
  }
  return [
    { limit: 0xffff, read: (i) => [m.hw[0][i * 2] as number, m.hw[0][i * 2 + 1] as number] },
    { limit: ldtLimit, read: (i) => [m.hw[1][i * 2] as number, m.hw[1][i * 2 + 1] as number] },
  ];
}
