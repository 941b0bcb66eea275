// A cache of decoded instructions, keyed by physical address and code size.
//
// Decoding is about half of the interpreter's time, and guest code runs the same bytes
// over and over, so each instruction decoded from a RAM (or ROM) page is kept as its own
// `Instruction` record and handed to the handler directly on the next fetch. Coherence:
// every physical page with cached code is marked in `codePage`; the CPU's write paths drop
// a marked page's entries before writing to it, so self-modifying code and code loaded
// over old code are re-decoded. Writes that do not go through the CPU (DMA, loaders, tests
// poking RAM) must call `Cpu.invalidateCode`; a RESET clears the cache. The footprint is
// bounded: after CAPACITY entries the cache starts over (a record is about 1.4 KiB, so the
// cache stays under 50 MiB; a compact record is a later optimisation).
//
// Instructions that cross a page boundary or come from MMIO are not cached. A relative
// branch target is recomputed when the same physical bytes run at another EIP (one
// physical page can be mapped at several linear addresses).

import { type Instruction, OpKind } from '@vmm86/x86-decoder';

const KIND_REL = OpKind.REL;
/** Cached instructions before the cache starts over. */
const CAPACITY = 1 << 15;

export class DecodeCache {
  /** Per physical page: 4096 indices into `records` (0 = none), allocated on first use. */
  private readonly pages: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(1 << 20).fill(undefined);
  private readonly touched: number[] = [];
  /** 1 for physical pages that hold cached code (checked by the CPU's write paths). */
  readonly codePage: Uint8Array = new Uint8Array(1 << 20);
  /** The cached records; index 0 is unused so that 0 can mean "none". */
  private readonly records: Instruction[] = [undefined as unknown as Instruction];
  private count = 1;

  /** The cached decode at physical `phys` for code size `bits`, retargeted to `eip`. */
  get(phys: number, bits: number, eip: number): Instruction | undefined {
    const idx = this.pages[phys >>> 12];
    if (idx === undefined) return undefined;
    const i = idx[phys & 0xfff] as number;
    if (i === 0) return undefined;
    const insn = this.records[i] as Instruction;
    if (insn.bits !== bits) return undefined;
    if (insn.ip !== eip) this.retarget(insn, eip);
    return insn;
  }

  /** Moves a cached decode to another EIP: relative targets follow it. */
  retarget(insn: Instruction, eip: number): void {
    insn.ip = eip;
    for (let k = 0; k < insn.opCount; k++) {
      if (insn.opKind[k] === KIND_REL) {
        const t = eip + insn.length + (insn.imm | 0);
        insn.target = insn.opSize === 16 ? t & 0xffff : t | 0;
      }
    }
  }

  /** Caches `insn`, decoded Ok at physical `phys` within one page; true if the cache had to start over. */
  put(phys: number, insn: Instruction): boolean {
    const flushed = this.count >= CAPACITY;
    if (flushed) this.flush();
    const pn = phys >>> 12;
    let idx = this.pages[pn];
    if (idx === undefined) {
      idx = new Int32Array(4096);
      this.pages[pn] = idx;
      this.touched.push(pn);
    }
    this.codePage[pn] = 1;
    const i = this.count++;
    this.records[i] = insn;
    idx[phys & 0xfff] = i;
    return flushed;
  }

  /** Drops the cached decodes of one physical page. */
  invalidatePage(pn: number): void {
    this.pages[pn]?.fill(0);
    this.codePage[pn] = 0;
  }

  /** Drops everything. */
  flush(): void {
    for (const pn of this.touched) {
      this.pages[pn] = undefined;
      this.codePage[pn] = 0;
    }
    this.touched.length = 0;
    this.records.length = 1; // records are reused by index after a flush
    this.count = 1;
  }
}
