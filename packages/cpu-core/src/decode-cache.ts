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
  private readonly pages: (Instruction[] | undefined)[] = new Array<Instruction[] | undefined>(1 << 20).fill(undefined);
  private readonly touched: number[] = [];
  readonly codePage: Uint8Array = new Uint8Array(1 << 20);
  private count = 0;
  /** The cached decode at physical `phys` for code size `bits`, retargeted to `eip`. */
  get(phys: number, bits: number, eip: number): Instruction | undefined {
    const page = this.pages[phys >>> 12];
    if (page === undefined) return undefined;
    const insn = page[phys & 0xfff];
    if (insn === undefined || insn.bits !== bits) return undefined;
    if (insn.ip !== eip) {
      insn.ip = eip;
      for (let i = 0; i < insn.opCount; i++) {
        if (insn.opKind[i] === KIND_REL) {
          const t = eip + insn.length + (insn.imm | 0);
          insn.target = insn.opSize === 16 ? t & 0xffff : t | 0;
        }
      }
    }
    return insn;
  }
  /** Caches `insn`, decoded Ok at physical `phys` within one page. */
  put(phys: number, insn: Instruction): void {
    if (this.count >= CAPACITY) this.flush();
    const pn = phys >>> 12;
    let page = this.pages[pn];
    if (page === undefined) {
      page = new Array<Instruction>(4096);
      this.pages[pn] = page;
      this.touched.push(pn);
    }
    this.codePage[pn] = 1;
    page[phys & 0xfff] = insn;
    this.count++;
  }
  /** Drops the cached decodes of one physical page. */
  invalidatePage(pn: number): void {
    this.pages[pn] = undefined;
    this.codePage[pn] = 0;
  }
  /** Drops everything. */
  flush(): void {
    for (const pn of this.touched) {
      this.pages[pn] = undefined;
      this.codePage[pn] = 0;
    }
    this.touched.length = 0;
    this.count = 0;
  }
}
