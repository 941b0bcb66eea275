import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RESERVED_FIRST, ENTRY_OK, ENTRY_RESERVED, ENTRY_SYSTEM, ENTRY_UNACCESSED, ENTRY_UNREADABLE,
  ENTRY_UNSHADOWABLE, FAULT_EMULATE, FAULT_REFLECT, FAULT_RETRY, MODE_PROTECTED, MODE_REAL, MODE_V86,
  RESERVED_LDT, RESERVED_MONITOR, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, Segmentation, SegmentShadow,
  TABLE_GDT, TABLE_LDT, type MonitorEntry, type SegReg,
} from '../src/index.js';
import { checkLoad, FakeMachine, guestTables, hardwareTables, LOAD_OK } from './fake-machine.js';
import { F_DB, F_G, fields, linear, make, rng, validOffsets } from './oracle.js';

const GDT = 0x10000;
const LDT = 0x30000;
const R = DEFAULT_RESERVED_FIRST;
const M = 0xffc00000;

// Linux-like flat segments: kernel code/data DPL 0, user code/data DPL 3 (index 1..4)
// (access bytes with A clear: `accessed` sets it)
const KCODE = make(0, 0xfffff, 0x9a, F_G | F_DB);
const KDATA = make(0, 0xfffff, 0x92, F_G | F_DB);
const UCODE = make(0, 0xfffff, 0xfa, F_G | F_DB);
const UDATA = make(0, 0xfffff, 0xf2, F_G | F_DB);
const TSS = make(0x5000, 0x67, 0x89, 0);
const LDT_DESC = make(LDT, 0x7f, 0x82, 0); // 16 entries

const monitorEntries: MonitorEntry[] = [
  { index: R + RESERVED_MONITOR, lo: make(M, 0x3ff, 0x9b, F_G | F_DB)[0], hi: make(M, 0x3ff, 0x9b, F_G | F_DB)[1] },
  { index: R + RESERVED_MONITOR + 1, lo: make(M, 0x3ff, 0x93, F_G | F_DB)[0], hi: make(M, 0x3ff, 0x93, F_G | F_DB)[1] },
  { index: R + RESERVED_MONITOR + 2, lo: make(M, 0x3ff, 0xbb, F_G | F_DB)[0], hi: make(M, 0x3ff, 0xbb, F_G | F_DB)[1] },
  { index: R + RESERVED_MONITOR + 3, lo: make(M, 0x3ff, 0xb3, F_G | F_DB)[0], hi: make(M, 0x3ff, 0xb3, F_G | F_DB)[1] },
  { index: R + RESERVED_MONITOR + 4, lo: make(M + 0x1000, 0xfff, 0xb3, 0)[0], hi: make(M + 0x1000, 0xfff, 0xb3, 0)[1] },
  { index: R + RESERVED_MONITOR + 5, lo: make(M + 0x2000, 0x67, 0x89, 0)[0], hi: make(M + 0x2000, 0x67, 0x89, 0)[1] },
];

function setup(entries: [number, number][] = [KCODE, KDATA, UCODE, UDATA, TSS, LDT_DESC]): [FakeMachine, Segmentation] {
  const m = new FakeMachine();
  entries.forEach(([lo, hi], i) => m.poke(GDT + (i + 1) * 8, lo, hi));
  const seg = new Segmentation(m, { monitorEntries });
  m.seg = seg;
  seg.setGdtr(GDT, (entries.length + 1) * 8 - 1);
  seg.setMode(MODE_PROTECTED);
  return [m, seg];
}

/** Guest A bit set, as most loaded descriptors have it. */
function accessed([lo, hi]: [number, number]): [number, number] {
  return [lo, hi | 0x100];
}

function hwEntry(m: FakeMachine, table: 0 | 1, index: number): ReturnType<typeof fields> {
  return fields(m.hw[table][index * 2] as number, m.hw[table][index * 2 + 1] as number);
}

describe('shadow GDT', () => {
  it('copies flat segments truncated below the monitor, DPL 0 -> 1, DPL 3 kept', () => {
    const [m] = setup([accessed(KCODE), accessed(KDATA), accessed(UCODE), accessed(UDATA)]);
    expect(hwEntry(m, 0, 1)).toMatchObject({ base: 0, limit: 0xffbfffff, dpl: 1, type: 0xb, p: true, g: true, db: true });
    expect(hwEntry(m, 0, 2)).toMatchObject({ base: 0, limit: 0xffbfffff, dpl: 1, type: 0x3, p: true });
    expect(hwEntry(m, 0, 3)).toMatchObject({ dpl: 3, limit: 0xffbfffff, p: true });
    expect(hwEntry(m, 0, 4)).toMatchObject({ dpl: 3, limit: 0xffbfffff, p: true });
  });

  it('shadows never-accessed entries not-present (accessed-bit trap)', () => {
    const [m, seg] = setup();
    expect(hwEntry(m, 0, 2).p).toBe(false);
    expect(seg.entryState(0x10)).toBe(ENTRY_UNACCESSED);
  });

  it('shadows system descriptors not-present, keeping type, DPL and limit for LAR/LSL', () => {
    const [m, seg] = setup();
    expect(hwEntry(m, 0, 5)).toMatchObject({ p: false, s: false, type: 9, limit: 0x67, dpl: 0 });
    expect(hwEntry(m, 0, 6)).toMatchObject({ p: false, s: false, type: 2 });
    expect(seg.entryState(0x28)).toBe(ENTRY_SYSTEM);
    // a call gate and an interrupt gate too
    const [m2, seg2] = setup([make(0x0008, 0x1000, 0xec, 0), make(0x0008, 0x1000, 0x8e, 0)]);
    expect(hwEntry(m2, 0, 1).p).toBe(false);
    expect(hwEntry(m2, 0, 2).p).toBe(false);
    expect(seg2.classifyFault(11, 0x08)).toBe(FAULT_EMULATE);
  });

  it('zeroes entries beyond the guest limit, including after the GDT shrinks', () => {
    const [m, seg] = setup([accessed(KCODE), accessed(KDATA), accessed(UCODE), accessed(UDATA)]);
    expect(m.hw[0][4 * 2 + 1]).not.toBe(0);
    seg.setGdtr(GDT, 3 * 8 - 1);
    expect(m.hw[0][3 * 2 + 1]).toBe(0);
    expect(m.hw[0][4 * 2 + 1]).toBe(0);
    expect(m.hw[0][2 * 2 + 1]).not.toBe(0);
  });

  it('asks for the GDT to be watched', () => {
    const [m] = setup();
    expect(m.watches[TABLE_GDT]).toEqual([GDT, 7 * 8]);
  });

  it('never writes a guest entry at a reserved index', () => {
    const entries: [number, number][] = [];
    for (let i = 1; i < 8192; i++) entries.push(accessed(UDATA));
    const [m, seg] = setup(entries);
    for (const e of monitorEntries) {
      expect([m.hw[0][e.index * 2], m.hw[0][e.index * 2 + 1]]).toEqual([e.lo, e.hi]);
    }
    expect(seg.entryState((R + 10) << 3)).toBe(ENTRY_RESERVED);
    expect(seg.entryState((R - 1) << 3)).toBe(ENTRY_OK);
    // the guest's DPL-3 entry there would load natively; on the hardware it faults into emulation
    const [gdt, ldt] = hardwareTables(m, seg);
    expect(checkLoad(gdt, ldt, ((R + 10) << 3) | 3, 3, false)).not.toBe(LOAD_OK);
    expect(seg.classifyFault(13, (R + 10) << 3)).toBe(FAULT_EMULATE);
    // a guest write there changes nothing in the hardware entry
    m.guestStore(GDT + (R + 10) * 8, ...accessed(KDATA));
    expect([m.hw[0][(R + 10) * 2], m.hw[0][(R + 10) * 2 + 1]]).toEqual([monitorEntries[3]?.lo, monitorEntries[3]?.hi]);
  });

  it('rejects monitor entries a CPL-3 guest could use', () => {
    const m = new FakeMachine();
    const mk = (access: number): MonitorEntry => {
      const [lo, hi] = make(M, 0, access, 0);
      return { index: R + RESERVED_MONITOR, lo, hi };
    };
    expect(() => new Segmentation(m, { monitorEntries: [mk(0xf3)] })).toThrow(/DPL/);
    expect(() => new Segmentation(m, { monitorEntries: [mk(0x9f)] })).toThrow(/conforming/);
    expect(() => new Segmentation(m, { monitorEntries: [mk(0x8c)] })).toThrow(/gate/);
    expect(() => new Segmentation(m, { monitorEntries: [{ ...mk(0x93), index: R + RESERVED_LDT }] })).toThrow(/outside/);
    expect(() => new Segmentation(m, { monitorEntries: [{ ...mk(0x93), index: 5 }] })).toThrow(/outside/);
    expect(() => new Segmentation(m, { monitorEntries: [mk(0xb3)] })).not.toThrow();
  });

  it('shadows an entry the guest cannot read as not-present and asks for emulation', () => {
    const m = new FakeMachine();
    m.unmapped.add((GDT + 0x1000) >>> 12);
    const seg = new Segmentation(m);
    seg.setGdtr(GDT, 0x1fff);
    seg.setMode(MODE_PROTECTED);
    expect(seg.entryState(0x1000 + 8)).toBe(ENTRY_UNREADABLE);
    expect(hwEntry(m, 0, 0x201).p).toBe(false);
    expect(seg.classifyFault(11, 0x1008)).toBe(FAULT_EMULATE);
    expect(seg.loadSegment(SEG_DS, 0x1008, 0)).toBe(-1);
    expect(seg.faultVector).toBe(14);
  });
});

describe('accessed bit', () => {
  it('a hardware #NP on a never-accessed entry sets A in the guest and makes the shadow present', () => {
    const [m, seg] = setup();
    const [gdt, ldt] = hardwareTables(m, seg);
    expect(checkLoad(gdt, ldt, 0x23, 3, false)).toBe((11 << 16) | 0x20); // UDATA at CPL 3: #NP
    expect(seg.classifyFault(11, 0x20)).toBe(FAULT_RETRY);
    expect((m.mem[GDT + 0x20 + 5] as number) & 1).toBe(1);
    expect(seg.entryState(0x20)).toBe(ENTRY_OK);
    expect(checkLoad(gdt, ldt, 0x23, 3, false)).toBe(LOAD_OK);
  });

  it('a not-present guest entry is reflected, not retried', () => {
    const [, seg] = setup([make(0, 0xfffff, 0x73, F_G | F_DB)]);
    expect(seg.classifyFault(11, 0x08)).toBe(FAULT_REFLECT);
  });

  it('software loads and syncAccessed set the guest bit as the CPU would', () => {
    const [m, seg] = setup();
    expect(seg.loadSegment(SEG_DS, 0x10, 0)).toBeGreaterThanOrEqual(0);
    expect((m.mem[GDT + 0x10 + 5] as number) & 1).toBe(1);
    seg.syncAccessed(0x08);
    expect((m.mem[GDT + 0x08 + 5] as number) & 1).toBe(1);
    expect(seg.entryState(0x08)).toBe(ENTRY_OK);
    // system descriptors have no accessed bit (bit 0 of the type means "busy" or a size)
    seg.syncAccessed(0x28);
    expect(m.mem[GDT + 0x28 + 5]).toBe(0x89);
  });
});

describe('loadSegment (translated code, virtual CPL 0)', () => {
  let m: FakeMachine;
  let seg: Segmentation;
  beforeEach(() => {
    [m, seg] = setup();
  });

  it('maps kernel DS to its shadow with the guest RPL, SS to its shadow with RPL 1', () => {
    expect(seg.loadSegment(SEG_DS, 0x10, 0)).toBe(0x10);
    expect(seg.loadSegment(SEG_SS, 0x10, 0)).toBe(0x11);
    expect(seg.selector[SEG_SS]).toBe(0x10);
    expect(seg.base[SEG_DS]).toBe(0);
    expect(seg.limit[SEG_DS]).toBe(0xffffffff); // the guest's view is untruncated
  });

  it('faults as the guest CPU would', () => {
    const cases: [SegReg, number, number, number, number][] = [
      [SEG_SS, 0x00, 0, 13, 0], // null SS
      [SEG_SS, 0x13, 0, 13, 0x10], // RPL != CPL
      [SEG_SS, 0x08, 0, 13, 0x08], // code into SS
      [SEG_SS, 0x20, 0, 13, 0x20], // DPL 3 != CPL 0
      [SEG_DS, 0x28, 0, 13, 0x28], // TSS into DS
      [SEG_DS, 0x38, 0, 13, 0x38], // beyond the GDT limit
      [SEG_DS, 0x0c, 0, 13, 0x0c], // LDT selector with a null LDTR
      [SEG_DS, 0x10, 3, 13, 0x10], // DPL 0 data at CPL 3
      [SEG_DS, 0x13, 1, 13, 0x10], // DPL 0 data with RPL 3
    ];
    for (const [reg, sel, cpl, vector, code] of cases) {
      expect(seg.loadSegment(reg, sel, cpl), `sel ${sel}`).toBe(-1);
      expect([seg.faultVector, seg.faultCode], `sel ${sel}`).toEqual([vector, code]);
    }
    m.guestStore(GDT + 0x20, ...make(0, 0xfffff, 0x73, F_G | F_DB)); // not present
    expect(seg.loadSegment(SEG_DS, 0x23, 3)).toBe(-1);
    expect([seg.faultVector, seg.faultCode]).toEqual([11, 0x20]);
    m.guestStore(GDT + 0x10, ...make(0, 0xfffff, 0x13, F_G | F_DB));
    expect(seg.loadSegment(SEG_SS, 0x10, 0)).toBe(-1);
    expect([seg.faultVector, seg.faultCode]).toEqual([12, 0x10]);
  });

  it('loads a null selector into DS without a descriptor', () => {
    expect(seg.loadSegment(SEG_DS, 0x3, 0)).toBe(0x3);
    expect(seg.hasUsableShadow(SEG_DS)).toBe(true);
  });

  it('serves a DPL-3 stack at CPL 1 from the cached entry (DPL 1, truncated)', () => {
    // guest CPL-3 code under BT: SS must still be a DPL-1 descriptor on the hardware
    const hw = seg.loadSegment(SEG_SS, 0x23, 3);
    expect(hw).toBe(seg.cachedSelector(SEG_SS));
    expect(hw & 3).toBe(1);
    expect(hwEntry(m, 0, hw >>> 3)).toMatchObject({ base: 0, limit: 0xffbfffff, dpl: 1, type: 3, p: true });
  });

  it('gives an unshadowable data segment a cached entry that loads but whose every access faults', () => {
    m.guestStore(GDT + 0x20, ...accessed(make(0xffd00000, 0xf, 0xf3, F_G | F_DB)));
    expect(seg.entryState(0x20)).toBe(ENTRY_UNSHADOWABLE);
    expect(hwEntry(m, 0, 4).p).toBe(false);
    const hw = seg.loadSegment(SEG_ES, 0x23, 3);
    expect(hw).toBe(seg.cachedSelector(SEG_ES));
    const e = m.hw[0];
    const [lo, hi] = [e[(hw >>> 3) * 2] as number, e[(hw >>> 3) * 2 + 1] as number];
    const [low, high] = validOffsets(lo, hi);
    expect(low).toBeGreaterThan(high);
    expect(fields(lo, hi)).toMatchObject({ p: true, dpl: 1 });
    expect(seg.segmentShadow(SEG_ES)).toBe(SegmentShadow.NO_SHADOW);
  });
});

describe('reversibility', () => {
  let m: FakeMachine;
  let seg: Segmentation;
  beforeEach(() => {
    [m, seg] = setup([accessed(KCODE), accessed(KDATA), accessed(UCODE), accessed(UDATA), TSS, LDT_DESC]);
    seg.recordLoad(SEG_CS, 0x1b, ...accessed(UCODE));
    for (const r of [SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS] as const) expect(seg.loadSegment(r, 0x23, 3)).toBeGreaterThanOrEqual(0);
  });

  it('is usable for all six after CPL-3 loads of flat user segments', () => {
    for (let r = 0; r < 6; r++) expect(seg.segmentShadow(r as SegReg), `reg ${r}`).toBe(SegmentShadow.USABLE);
    expect(seg.hardwareSelector(SEG_DS, 3)).toBe(0x23);
    expect(seg.hardwareSelector(SEG_CS, 3)).toBe(0x1b);
  });

  it('becomes non-reversible when the loaded entry is rewritten, and reversible again when restored', () => {
    m.guestStore(GDT + 0x20, ...accessed(make(0x1000, 0xfffff, 0xf3, F_G | F_DB)));
    for (const r of [SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS] as const) expect(seg.segmentShadow(r)).toBe(SegmentShadow.NON_REVERSIBLE);
    expect(seg.segmentShadow(SEG_CS)).toBe(SegmentShadow.USABLE);
    // the hidden state is still the old one, and BT gets it from the cached entry
    expect(seg.base[SEG_DS]).toBe(0);
    expect(seg.hardwareSelector(SEG_DS, 1)).toBe(seg.cachedSelector(SEG_DS));
    expect(hwEntry(m, 0, seg.cachedSelector(SEG_DS) >>> 3).base).toBe(0);
    // the shadow follows memory
    expect(hwEntry(m, 0, 4).base).toBe(0x1000);
    m.guestStore(GDT + 0x20, ...accessed(UDATA));
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.USABLE);
  });

  it('ignores a write that leaves the entry as loaded, and one to another entry', () => {
    m.guestStore(GDT + 0x20, ...accessed(UDATA));
    m.guestStore(GDT + 0x10, ...accessed(make(0x1000, 0xfffff, 0x93, F_G | F_DB)));
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.USABLE);
  });

  it('a reload makes a rewritten register reversible again', () => {
    m.guestStore(GDT + 0x20, ...accessed(make(0x1000, 0xfffff, 0xf3, F_G | F_DB)));
    seg.loadSegment(SEG_DS, 0x23, 3);
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.USABLE);
    expect(seg.base[SEG_DS]).toBe(0x1000);
    expect(seg.segmentShadow(SEG_ES)).toBe(SegmentShadow.NON_REVERSIBLE);
  });

  it('handles a partial write (one byte of the entry)', () => {
    m.writeGuestByte(GDT + 0x20 + 7, 0x40); // base 31:24
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.NON_REVERSIBLE);
    expect(hwEntry(m, 0, 4).base).toBe(0x40000000);
  });

  it('a guest that clears A of a loaded entry keeps it reversible but without a present shadow', () => {
    m.guestStore(GDT + 0x20, ...UDATA);
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.NO_SHADOW);
  });

  it('a mode change makes every register non-reversible until reloaded', () => {
    seg.setMode(MODE_REAL);
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.NON_REVERSIBLE);
    seg.loadReal(SEG_DS, 0x1234);
    seg.setMode(MODE_PROTECTED);
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.NON_REVERSIBLE);
    expect(seg.segmentShadow(SEG_ES)).toBe(SegmentShadow.USABLE);
    expect(seg.base[SEG_DS]).toBe(0x12340);
    expect(seg.hardwareSelector(SEG_DS, 1)).toBe(seg.cachedSelector(SEG_DS));
    expect(hwEntry(m, 0, seg.cachedSelector(SEG_DS) >>> 3)).toMatchObject({ base: 0x12340, dpl: 1, p: true });
    seg.loadSegment(SEG_DS, 0x23, 3);
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.USABLE);
  });

  it('loadSegment outside protected mode is a real-mode load served from the cached entry', () => {
    seg.setMode(MODE_REAL);
    expect(seg.loadSegment(SEG_ES, 0xf000, 0)).toBe(seg.cachedSelector(SEG_ES));
    expect(hwEntry(m, 0, seg.cachedSelector(SEG_ES) >>> 3)).toMatchObject({ base: 0xf0000, p: true, dpl: 1, s: true });
  });

  it('v8086 loads are usable in v8086 mode only', () => {
    seg.setMode(MODE_V86);
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.NON_REVERSIBLE);
    seg.loadReal(SEG_DS, 0xb800);
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.USABLE);
    expect([seg.base[SEG_DS], seg.limit[SEG_DS]]).toEqual([0xb8000, 0xffff]);
  });

  it('a register holding a DPL-0 segment at CPL 3 (after SYSEXIT) has no usable shadow', () => {
    seg.loadSegment(SEG_DS, 0x10, 0);
    expect(seg.segmentShadow(SEG_DS)).toBe(SegmentShadow.NO_SHADOW);
  });
});

describe('LDT', () => {
  let m: FakeMachine;
  let seg: Segmentation;
  beforeEach(() => {
    [m, seg] = setup([accessed(KCODE), accessed(KDATA), accessed(UCODE), accessed(UDATA), TSS, LDT_DESC]);
    m.poke(LDT + 0, ...accessed(make(0x2000, 0xfff, 0xf3, 0)));
    m.poke(LDT + 8, ...accessed(make(0xffb00000, 0xfffff, 0xf3, 0)));
  });

  it('emulates LLDT with its checks and points the hardware LDTR at the shadow LDT', () => {
    expect(seg.loadLdtr(0x28)).toBe(false); // a TSS
    expect([seg.faultVector, seg.faultCode]).toEqual([13, 0x28]);
    expect(seg.loadLdtr(0x34)).toBe(false); // TI = 1
    expect(seg.loadLdtr(0x40)).toBe(false); // beyond the limit
    expect(seg.loadLdtr(0x30)).toBe(true);
    const ldtr = seg.hardwareLdtr();
    expect(ldtr >>> 3).toBe(R + RESERVED_LDT);
    expect(hwEntry(m, 0, ldtr >>> 3)).toMatchObject({ base: seg.shadowLdtBase, limit: 0x7f, p: true, s: false, type: 2 });
    expect(hwEntry(m, 1, 0)).toMatchObject({ base: 0x2000, limit: 0xfff, dpl: 3, p: true });
    expect(hwEntry(m, 1, 1)).toMatchObject({ base: 0xffb00000, limit: 0xfffff, p: true }); // ends at 0xFFBFFFFF
    expect(m.watches[TABLE_LDT]).toEqual([LDT, 0x80]);
    expect(seg.loadLdtr(0)).toBe(true);
    expect(seg.hardwareLdtr()).toBe(0);
    expect(m.hw[1][1]).toBe(0);
    expect(m.watches[TABLE_LDT]).toEqual([0, 0]);
  });

  it('a not-present LDT descriptor is #NP(sel)', () => {
    m.guestStore(GDT + 0x30, LDT_DESC[0], LDT_DESC[1] & ~0x8000);
    expect(seg.loadLdtr(0x30)).toBe(false);
    expect([seg.faultVector, seg.faultCode]).toEqual([11, 0x30]);
  });

  it('tracks LDT writes and LLDT for registers loaded from the LDT', () => {
    seg.loadLdtr(0x30);
    expect(seg.loadSegment(SEG_FS, 0x07, 3)).toBe(0x07);
    expect(seg.hasUsableShadow(SEG_FS)).toBe(true);
    m.guestStore(LDT, ...accessed(make(0x3000, 0xfff, 0xf3, 0)));
    expect(seg.segmentShadow(SEG_FS)).toBe(SegmentShadow.NON_REVERSIBLE);
    expect(hwEntry(m, 1, 0).base).toBe(0x3000);
    seg.loadSegment(SEG_FS, 0x07, 3);
    expect(seg.hasUsableShadow(SEG_FS)).toBe(true);
    // switching to another LDT whose entry 0 differs
    m.poke(0x40000, ...accessed(make(0x9000, 0xfff, 0xf3, 0)));
    m.guestStore(GDT + 0x30, ...make(0x40000, 0x7, 0x82, 0));
    seg.loadLdtr(0x30);
    expect(seg.segmentShadow(SEG_FS)).toBe(SegmentShadow.NON_REVERSIBLE);
  });
});

describe('onGuestTableWrite', () => {
  it('updates only entries inside the watched tables', () => {
    const [m, seg] = setup([accessed(KCODE), accessed(KDATA)]);
    const before = m.shadowWrites;
    seg.onGuestTableWrite(GDT + 0x100, 8); // beyond the limit
    seg.onGuestTableWrite(GDT - 8, 8); // just before the table
    expect(m.shadowWrites).toBe(before);
    // a write straddling two entries updates both
    m.view.setInt32(GDT + 0x0c, accessed(KDATA)[1], true);
    m.view.setInt32(GDT + 0x10, make(0x5000, 0xff, 0x93, 0)[0], true);
    seg.onGuestTableWrite(GDT + 0x0c, 8);
    expect(hwEntry(m, 0, 1).type).toBe(3);
    expect(hwEntry(m, 0, 2)).toMatchObject({ base: 0x5000, limit: 0xf00fffff }); // new low dword, old high dword
  });

  it('resync rereads everything (the guest remapped its GDT)', () => {
    const [m, seg] = setup([accessed(KCODE), accessed(KDATA)]);
    m.poke(GDT + 8, ...accessed(UCODE));
    expect(hwEntry(m, 0, 1).dpl).toBe(1);
    seg.resync();
    expect(hwEntry(m, 0, 1).dpl).toBe(3);
  });
});

// Checklist invariants 1 and 2 over random guest tables: every selector at CPL 3 (what DE
// code can try), and every software load at virtual CPL 0 (what translated code does).
describe('random tables (checklist 1 and 2)', () => {
  function randomDesc(next: () => number): [number, number] {
    const kind = next() % 10;
    if (kind === 0) return [0, 0];
    if (kind === 1) return [next() | 0, next() | 0]; // anything, system descriptors included
    const small = next() % 0x3000;
    const base = [0, small, M - small, M - 0x10000, M + small, 0xffffffff - small, next()][next() % 7] as number;
    const g = (next() & 1) !== 0;
    const raw = [0xfffff, next() & 0xfffff, 0xffff, small, ((M - base) >>> (g ? 12 : 0)) & 0xfffff][next() % 5] as number;
    const type = [0x3, 0x7, 0xb, 0xf, 0x1, 0x2, 0x5, 0x9][next() % 8] as number;
    const access = ((next() & 3) === 0 ? 0 : 0x80) | 0x10 | ((next() & 3) << 5) | type;
    return make(base >>> 0, raw, (next() & 3) === 0 ? access & ~1 : access, (g ? F_G : 0) | ((next() & 1) !== 0 ? F_DB : 0));
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}`, () => {
      const next = rng(seed * 7919);
      const m = new FakeMachine();
      const gdtCount = seed === 1 ? 8192 : 1 + (next() % 300);
      for (let i = 1; i < gdtCount; i++) m.poke(GDT + i * 8, ...randomDesc(next));
      for (let i = 0; i < 64; i++) m.poke(LDT + i * 8, ...randomDesc(next));
      m.poke(GDT + 8, ...make(LDT, 64 * 8 - 1, 0x82, 0));
      const seg = new Segmentation(m, { monitorEntries });
      m.seg = seg;
      seg.setGdtr(GDT, gdtCount * 8 - 1);
      seg.setMode(MODE_PROTECTED);
      expect(seg.loadLdtr(0x08)).toBe(true);
      const [gGdt, gLdt] = guestTables(m, seg);
      const failures: string[] = [];
      const fail = (s: string): void => {
        if (failures.length < 10) failures.push(s);
      };

      for (let sel = 0; sel < 0x10000 && failures.length < 10; sel += seed === 1 ? 1 : 3) {
        for (const ss of [false, true]) {
          const [hGdt, hLdt] = hardwareTables(m, seg);
          const guest = checkLoad(gGdt, gLdt, sel, 3, ss);
          let hw = checkLoad(hGdt, hLdt, sel, 3, ss);
          if (hw !== LOAD_OK) {
            const verdict = seg.classifyFault(hw >>> 16, hw & 0xffff);
            if (verdict === FAULT_REFLECT && hw !== guest) fail(`sel ${sel.toString(16)} ss=${ss}: hardware ${hw.toString(16)} reflected, guest ${guest.toString(16)}`);
            if (verdict === FAULT_RETRY) hw = checkLoad(hGdt, hLdt, sel, 3, ss);
            if (verdict === FAULT_EMULATE) {
              // the vmm emulates the guest's load: it must succeed or fault as the guest does
              const r = seg.loadSegment(ss ? SEG_SS : SEG_DS, sel, 3);
              const got = r >= 0 ? LOAD_OK : (seg.faultVector << 16) | seg.faultCode;
              if (got !== guest && (guest >>> 16) !== 14) fail(`sel ${sel.toString(16)} ss=${ss}: emulated ${got.toString(16)}, guest ${guest.toString(16)}`);
              continue;
            }
          }
          if (hw === LOAD_OK) {
            if (guest !== LOAD_OK) fail(`sel ${sel.toString(16)} ss=${ss}: hardware loads, guest faults ${guest.toString(16)}`);
            const table = (sel & 4) !== 0 ? 1 : 0;
            if (table === 0 && sel >>> 3 >= R && sel > 3) fail(`sel ${sel.toString(16)}: loaded a monitor entry at CPL 3`);
            if ((sel & 0xfffc) !== 0) {
              const lo = m.hw[table][(sel >>> 3) * 2] as number;
              const hi = m.hw[table][(sel >>> 3) * 2 + 1] as number;
              const [l, h] = validOffsets(lo, hi);
              if (l <= h && linear(fields(lo, hi).base, l) + (h - l + 1) > M) fail(`sel ${sel.toString(16)}: shadow reaches the monitor`);
            }
          } else if (guest === LOAD_OK) {
            fail(`sel ${sel.toString(16)} ss=${ss}: hardware ${hw.toString(16)} after retry, guest loads`);
          }
        }
      }

      // translated code: software loads at virtual CPL 0 never hand out a monitor entry
      // other than the register's own cached one, and what they hand out stays below M
      for (let i = 0; i < 20000 && failures.length < 10; i++) {
        const sel = next() & 0xffff;
        const reg = (next() % 6) as SegReg;
        if (reg === SEG_CS) continue;
        const [hGdt, hLdt] = hardwareTables(m, seg);
        const guest = checkLoad(gGdt, gLdt, sel, 0, reg === SEG_SS);
        const hwSel = seg.loadSegment(reg, sel, 0);
        if (guest !== LOAD_OK) {
          if (hwSel !== -1 || ((seg.faultVector << 16) | seg.faultCode) !== guest) fail(`load ${sel.toString(16)}: fault differs`);
          continue;
        }
        if (hwSel < 0) {
          fail(`load ${sel.toString(16)}: refused a legal load`);
          continue;
        }
        if ((hwSel & 0xfffc) === 0) continue;
        if ((hwSel & 4) === 0 && hwSel >>> 3 >= R && hwSel !== seg.cachedSelector(reg)) fail(`load ${sel.toString(16)}: monitor entry`);
        if (checkLoad(hGdt, hLdt, hwSel, 1, reg === SEG_SS) !== LOAD_OK) {
          const t = (hwSel & 4) !== 0 ? 1 : 0;
          fail(`load ${sel.toString(16)}: hardware refuses ${hwSel.toString(16)} at CPL 1: ${JSON.stringify(fields(m.hw[t][(hwSel >>> 3) * 2] as number, m.hw[t][(hwSel >>> 3) * 2 + 1] as number))} guest ${seg.base[reg]} ${seg.limit[reg]} ${seg.acc[reg]?.toString(16)}`);
        }
        const t = (hwSel & 4) !== 0 ? 1 : 0;
        const lo = m.hw[t][(hwSel >>> 3) * 2] as number;
        const hi = m.hw[t][(hwSel >>> 3) * 2 + 1] as number;
        const [l, h] = validOffsets(lo, hi);
        if (fields(lo, hi).p && l <= h && linear(fields(lo, hi).base, l) + (h - l + 1) > M) fail(`load ${sel.toString(16)}: reaches the monitor`);
        if (l <= h && fields(lo, hi).base !== seg.base[reg]) fail(`load ${sel.toString(16)}: base differs`);
      }
      // DE: a register the decision may trust is loadable by the hardware from the guest's
      // own selector at CPL 3, and gives the guest's base and a range inside the guest's
      let usable = 0;
      for (let i = 0; i < 20000 && failures.length < 10; i++) {
        const ti = (next() & 1) !== 0;
        const sel = ((next() % (ti ? 64 : gdtCount)) << 3) | (ti ? 4 : 0) | 3;
        const reg = (next() & 1) !== 0 ? SEG_SS : SEG_DS;
        if (seg.loadSegment(reg, sel, 3) < 0 || seg.segmentShadow(reg) !== SegmentShadow.USABLE) continue;
        usable++;
        const [hGdt, hLdt] = hardwareTables(m, seg);
        if (checkLoad(hGdt, hLdt, sel, 3, reg === SEG_SS) !== LOAD_OK) fail(`DE ${sel.toString(16)}: usable but refused`);
        if ((sel & 0xfffc) === 0) continue;
        const t = (sel & 4) !== 0 ? 1 : 0;
        const lo = m.hw[t][(sel >>> 3) * 2] as number;
        const hi = m.hw[t][(sel >>> 3) * 2 + 1] as number;
        const [l, h] = validOffsets(lo, hi);
        const g = (t === 1 ? gLdt : gGdt).read(sel >>> 3);
        if (g === null) {
          fail(`DE ${sel.toString(16)}: usable but the guest entry is unreadable`);
          continue;
        }
        const [gl, gh] = validOffsets(g[0], g[1]);
        if (fields(lo, hi).base !== seg.base[reg] || (l <= h && (l < gl || h > gh))) {
          fail(`DE ${sel.toString(16)}: shadow grants more than the guest`);
        }
      }
      expect(failures.join('\n')).toBe('');
      expect(usable).toBeGreaterThan(200);
    });
  }
});

describe('guard', () => {
  it('unusable before protected mode', () => {
    const [, seg] = setup();
    seg.setMode(MODE_REAL);
    expect(seg.segmentShadow(SEG_GS)).toBe(SegmentShadow.NON_REVERSIBLE);
    expect(ENTRY_OK).toBe(0);
    expect(TABLE_LDT).toBe(1);
    expect(SEG_ES).toBe(0);
  });
});
