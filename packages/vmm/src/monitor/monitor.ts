// The VMware-style monitor (`--monitor vmware`): the guest's virtual CPU, the hardware CPU
// in hosted mode, and the loop that decides between direct execution and the monitor's
// own execution of privileged code.
//
// What runs how (see the README's "Monitor" section for the full account):
// - DE: guest CPL-3 code runs on the hardware CPU at CPL 3 on shadow page tables
//   (@vmm86/shadow-mmu), with shadow GDT/LDT selectors (@vmm86/segmentation), the guest's
//   own EFLAGS (IF = 1, IOPL < 3, guaranteed by @vmm86/decision), hardware CR0.WP = 1.
//   Every exit is a hosted Trap: hidden page faults are filled and DE resumes; everything
//   else (true faults, traced writes, I/O, privileged instructions, int n) is handed to the
//   virtual CPU, which re-executes that one instruction with the guest's own semantics.
// - Everything the decision sends to "BT" runs on the virtual CPU: a cpu-core interpreter
//   holding the guest's privileged state (CR0-4, GDTR/IDTR/LDTR/TR, CPL, IF/IOPL, hidden
//   segment state) over guest RAM, which delivers interrupts and reflects faults through
//   the guest's IDT. The binary translator (@vmm86/dbt) is not wired yet: the brief's BT
//   engine is replaced, for now, by interpretation in the monitor.
//
// The virtual CPU is the machine's `cpu` (the board's PIC drives it, its retired count is
// virtual time); DE instructions are added to virtual time and to its TSC.

import {
  CR0_AM, CR0_EM, EFLAGS_ARITH, EFLAGS_DF, EFLAGS_TF, CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_TSD, EFLAGS_IF, EFLAGS_VM, Exit,
  PAGE_MMIO, PAGE_RAM, SEG_CS, SEG_LDTR, SEG_TR, createCpu, segFlagsOf, type Cpu, type PhysicalMemory,
} from '@vmm86/cpu-core';
import {
  REASON_COUNT, REASON_LABELS, getStrategy, type DecisionStrategy, type SegReg as DecisionSegReg, type VcpuView,
} from '@vmm86/decision';
import {
  FAULT_RETRY, MODE_PROTECTED, MODE_REAL, MODE_V86, Segmentation, TABLE_GDT, TABLE_LDT,
  descAcc, descBase, descLimit, type SegReg, type SegmentShadow, type TableId,
} from '@vmm86/segmentation';
import {
  FAULT_HIDDEN, FAULT_MMIO, FAULT_MONITOR, FAULT_TRACE, FAULT_TRUE, ShadowMmu, TRACE_WRITE,
} from '@vmm86/shadow-mmu';
import { CalloutKind, TranslationCache, VCPU, type TranslationContext } from '@vmm86/dbt';
import {
  GDT_LDT, GDT_MON_AREA, GDT_MON_CODE0, GDT_MON_CODE1, MON_AREA, MON_TC, TC_PAGES, MON_GDT, MON_LDT, MON_MAPPED, MON_POOL, MON_PT, MON_TSS, MONITOR_PAGES, PAGE, POOL_PAGES,
  linearOf, monitorEntries,
} from './layout.js';

declare const performance: { now(): number };

/** What the statistics report. */
export interface MonitorStats {
  decision: string;
  /** Guest instructions run directly on the hardware (DE) and by the monitor's virtual CPU. */
  deInstructions: number;
  monitorInstructions: number;
  /** Wall seconds in DE, in the virtual CPU, and in the monitor's own work (triage, sync). */
  deSeconds: number;
  vcpuSeconds: number;
  monitorSeconds: number;
  deEntries: number;
  /** DE exits by hardware vector ("budget" for a slice end). */
  exits: Record<string, number>;
  hiddenFaults: number;
  trueFaults: number;
  traceFaults: number;
  mmioFaults: number;
  monitorRegionFaults: number;
  segmentRetries: number;
  /** Instructions handed from DE to the virtual CPU after a trap. */
  emulated: number;
  /** Decisions by reason label. */
  decisions: Record<string, number>;
  shadow: Record<string, number>;
  /** BT: entries into the TC, hardware instructions retired there, wall seconds, callouts. */
  btEntries: number;
  btInstructions: number;
  btSeconds: number;
  callouts: number;
  /** The translation cache's counters. */
  translations: number;
  chainPatches: number;
  invalidations: number;
}

/** Guest instructions the virtual CPU runs before the monitor decides again. */
const VCPU_CHUNK = 64;
const VEC_PF = 14;
const VEC_NP = 11;
const VEC_SS = 12;
const VEC_GP = 13;
/** The `int` translated code uses to enter the monitor. */
const CALLOUT_VECTOR = 0x81;

export class Monitor {
  /** Host-physical memory: guest RAM at 0, monitor memory above it. */
  readonly host: Uint8Array;
  readonly hw: Cpu;
  readonly mmu: ShadowMmu;
  readonly seg: Segmentation;
  readonly strategy: DecisionStrategy;
  /** First host page of monitor memory. */
  readonly monitorPage: number;
  /** Guest instructions retired in DE (virtual time counts them). */
  deRetired = 0;
  private readonly ramPages: number;
  private readonly vcpuKind: Uint8Array;
  private readonly bus: PhysicalMemory;
  private nextPool = 0;
  private readonly freePool: number[] = [];
  private readonly reasons = new Float64Array(REASON_COUNT);
  private readonly exitCounts = new Map<string, number>();
  private readonly counts = {
    deEntries: 0, hidden: 0, true: 0, trace: 0, mmio: 0, monRegion: 0, segRetry: 0, emulated: 0,
    vcpuInstructions: 0, deMs: 0, vcpuMs: 0, monitorMs: 0,
  };
  private stopRequested = false;
  /**
   * How long the virtual CPU runs before the monitor decides again: short when DE is
   * possible (a return to CPL 3 should reach the hardware soon), long when it never is.
   */
  private readonly chunk: number;
  private inDe = false;
  /** HALT or SHUTDOWN from an instruction emulated after a DE or BT exit. */
  private vcpuExit: Exit = Exit.BUDGET;
  private hwRetiredAtVcpuSync = 0;
  private vcpuRetiredAtHwSync = -1;
  /** A virtual interrupt arrived while translated code ran: leave at the next boundary. */
  private leaveTc = false;
  /** The virtual CPU's TLB epoch when the TC's chains were last known to match its mappings. */
  private codeEpoch = -1;
  private lastGdtBase = -1;
  private lastGdtLimit = -1;
  private lastLdtr = -1;
  private watches: [number[], number[]] = [[], []];
  private readonly scratch = new Int32Array(2);
  private readonly view: VcpuView;
  private readonly segUsable: SegmentShadow[] = [0, 0, 0, 0, 0, 0];
  /** The binary translator; undefined when BT is replaced by the virtual CPU (`bt: false`). */
  readonly cache: TranslationCache | undefined;
  private readonly area: DataView;
  private readonly codeTraces = new Map<number, number>();
  private readonly ctx: TranslationContext = { csBase: 0, bits: 32, cliInTc: true, mode: 0 };
  private btCounts = { entries: 0, instructions: 0, callouts: 0, ms: 0, rollbacks: 0 };
  /** Test hook: called at every DE entry with the hardware and the virtual CPU, before the hardware runs. */
  onEnterDe: ((hw: Cpu, vcpu: Cpu) => void) | undefined = undefined;

  /**
   * `vcpu` is the machine's CPU (not hosted) over `bus`; this constructor gives it a
   * memory view of its own so its stores to traced pages reach the shadow MMU.
   */
  constructor(
    readonly vcpu: Cpu,
    bus: PhysicalMemory,
    host: Uint8Array,
    decision = 'vmware',
    bt = true,
  ) {
    this.bus = bus;
    this.host = host;
    this.strategy = getStrategy(decision);
    this.chunk = this.strategy.name === 'always-bt' ? 100_000 : VCPU_CHUNK;
    this.ramPages = bus.ram.length / PAGE;
    this.monitorPage = this.ramPages;
    this.vcpuKind = bus.pageKind.slice();
    const hostKind = new Uint8Array(1 << 20).fill(PAGE_MMIO);
    hostKind.fill(PAGE_RAM, 0, this.ramPages + MONITOR_PAGES);
    this.hw = createCpu({
      memory: { ram: host, pageKind: hostKind, mmioRead: () => -1, mmioWrite: () => {} },
      hosted: true,
    });
    // One FPU: DE and the virtual CPU run the same guest's x87 code.
    (this.hw as { fpu: Cpu['fpu'] }).fpu = vcpu.fpu;

    const mon = this.monitorPage;
    // The monitor region: its page table maps the GDT, LDT, TSS and per-vCPU area pages,
    // supervisor-only, so that CPL-3 code faults on them even through a segment that reached them.
    for (let i = 0; i < MON_MAPPED; i++) this.hostWrite32((mon + MON_PT) * PAGE + i * 4, ((mon + i) * PAGE) | 0x63);
    const monitorPde = ((mon + MON_PT) * PAGE) | 0x63;
    this.mmu = new ShadowMmu(
      {
        readGuestPhys: (gpa, size) => this.ramRead(gpa, size),
        writeGuestPhys: (gpa, size, value) => this.ramWrite(gpa, size, value),
        allocHostPage: () => this.allocPage(),
        freeHostPage: (hpn) => this.freePool.push(hpn),
        writeHost32: (hpa, value) => this.hostWrite32(hpa, value),
        flushTlb: () => this.hw.setCr3(this.hw.cr3),
        invalidatePage: () => this.hw.setCr3(this.hw.cr3),
        resolveGuestPage: (gpn) => (gpn < this.ramPages && bus.pageKind[gpn] === PAGE_RAM ? gpn : -1),
        traceChanged: (gpn) => this.refreshKind(gpn),
      },
      { monitorPde, guestPages: this.ramPages, hostPages: this.ramPages + MONITOR_PAGES, maxTables: POOL_PAGES },
    );
    this.seg = new Segmentation(
      {
        readGuestDescriptor: (addr, out) => this.readGuestDescriptor(addr, out),
        writeGuestByte: (addr, value) => {
          const gpa = this.guestWalk(addr);
          if (gpa >= 0) this.mmu.writeGuestPhys(gpa, 1, value);
        },
        writeShadow: (table, index, lo, hi) => {
          const at = (mon + (table === TABLE_GDT ? MON_GDT : MON_LDT)) * PAGE + index * 8;
          this.hostWrite32(at, lo);
          this.hostWrite32(at + 4, hi);
        },
        watchTable: (table, addr, length) => this.watchTable(table, addr, length),
      },
      { monitorBase: linearOf(0), shadowLdtBase: linearOf(MON_LDT), monitorEntries: monitorEntries() },
    );
    // The hardware TSS grants no I/O port: its bitmap offset lies beyond its limit.
    this.hostWrite32((mon + MON_TSS) * PAGE + 0x64, 0x68 << 16);

    const vcpuMemory: PhysicalMemory = {
      ram: bus.ram,
      pageKind: this.vcpuKind,
      mmioRead: (addr, bytes) => (this.isTracedRam(addr) ? this.mmu.readGuestPhys(addr, bytes as 1 | 2 | 4) : bus.mmioRead(addr, bytes)),
      mmioWrite: (addr, bytes, value) => {
        if (this.isTracedRam(addr)) this.mmu.writeGuestPhys(addr, bytes as 1 | 2 | 4, value);
        else bus.mmioWrite(addr, bytes, value);
      },
    };
    (vcpu as { mem: PhysicalMemory }).mem = vcpuMemory;

    const areaAt = (mon + MON_AREA) * PAGE;
    this.area = new DataView(host.buffer, host.byteOffset + areaAt, VCPU.SIZE);
    const tcAt = (mon + MON_TC) * PAGE;
    this.cache = !bt
      ? undefined
      : new TranslationCache({
          code: {
            fetch: (linear, dst, at, count) => this.fetchGuestCode(linear, dst, at, count),
            physPage: (linear) => {
              const gpa = this.guestWalk(linear);
              return gpa < 0 ? -1 : gpa >>> 12;
            },
          },
          tc: {
            bytes: host.subarray(tcAt, tcAt + TC_PAGES * PAGE),
            linearBase: linearOf(MON_TC),
            written: (offset, length) => this.hw.invalidateCode(tcAt + offset, length),
          },
          trace: {
            trace: (page) => {
              if (page >= this.ramPages || this.codeTraces.has(page)) return;
              this.codeTraces.set(page, this.mmu.trace(page, TRACE_WRITE, { onWrite: () => this.cache?.onCodeWrite(page) }));
            },
            untrace: (page) => {
              const h = this.codeTraces.get(page);
              if (h === undefined) return;
              this.codeTraces.delete(page);
              this.mmu.untrace(h);
            },
          },
          callout: { vector: CALLOUT_VECTOR },
          area: host.subarray(areaAt, areaAt + VCPU.SIZE),
        });
    (vcpu as { pageKind: Uint8Array }).pageKind = this.vcpuKind;

    const seg = this.seg;
    const usable = this.segUsable;
    this.view = {
      get cr0() {
        return vcpu.cr0;
      },
      get eflags() {
        return vcpu.getFlags();
      },
      get cpl() {
        return vcpu.cpl;
      },
      segmentShadow: (r: DecisionSegReg) => (usable[r] === 0 ? seg.segmentShadow(r) : (usable[r] as SegmentShadow)),
    };
  }

  /** Copies the board's page kinds (MMIO and ROM registered after construction) and re-applies traces. */
  syncPageKinds(): void {
    this.vcpuKind.set(this.bus.pageKind);
    for (let gpn = 0; gpn < this.ramPages; gpn++) if (this.mmu.traceState(gpn) !== 0) this.refreshKind(gpn);
  }

  /** Ends the current run at the next instruction boundary, whichever CPU is running. */
  requestStop(): void {
    this.stopRequested = true;
    this.vcpu.requestStop();
    this.hw.requestStop();
  }

  /** The PIC raised INTR: a DE slice must end so the monitor can deliver it. */
  interruptRaised(): void {
    if (this.inDe) {
      this.leaveTc = true;
      this.hw.requestStop();
    }
  }

  /**
   * Runs the guest for up to `budget` instructions (DE and virtual CPU together): the
   * monitor loop of the brief. Returns like `Cpu.run`.
   */
  run(budget: number): Exit {
    const vcpu = this.vcpu;
    this.stopRequested = false;
    this.vcpuExit = Exit.BUDGET;
    let left = budget;
    let t0 = performance.now();
    while (left > 0 && !this.stopRequested) {
      if (this.vcpuExit !== Exit.BUDGET) return this.vcpuExit;
      // Pending virtual interrupts are delivered by the virtual CPU at its next instruction
      // boundary, through the guest's IDT/IVT; only then is the next mode decided.
      const deliverable = vcpu.intrLine && (vcpu.getFlags() & EFLAGS_IF) !== 0;
      const mode = deliverable || vcpu.halted ? 'BT' : this.decide();
      if (mode === 'DE') {
        const done = this.runDirect(left);
        left -= done;
        t0 = performance.now();
        continue;
      }
      if (this.cache !== undefined && !deliverable && !vcpu.halted && this.canTranslate()) {
        const done = this.runTranslated(left);
        if (done >= 0) {
          left -= done;
          t0 = performance.now();
          continue;
        }
      }
      const t1 = performance.now();
      this.counts.monitorMs += t1 - t0;
      const before = vcpu.retired;
      // Delivering an interrupt needs one boundary; the handler then goes back to the decision.
      const n = deliverable && this.cache !== undefined ? 1 : Math.min(left, this.chunk);
      this.syncVcpuCode(n === 1 && !deliverable);
      const exit = vcpu.run(n);
      const ran = vcpu.retired - before;
      this.counts.vcpuInstructions += ran;
      left -= ran;
      t0 = performance.now();
      this.counts.vcpuMs += t0 - t1;
      if (exit === Exit.HALT || exit === Exit.SHUTDOWN) return exit;
      if (ran === 0 && exit === Exit.BUDGET && vcpu.halted) return Exit.HALT;
    }
    this.counts.monitorMs += performance.now() - t0;
    return Exit.BUDGET;
  }

  /** An instruction the virtual CPU ran for the monitor halted or shut the CPU down. */
  private noteExit(exit: Exit): void {
    if (exit === Exit.SHUTDOWN || exit === Exit.HALT) this.vcpuExit = exit;
  }

  /** Brings segmentation up to date with the virtual CPU, then asks the strategy. */
  private decide(): 'DE' | 'BT' {
    const vcpu = this.vcpu;
    const pe = (vcpu.cr0 & CR0_PE) !== 0;
    const v86 = pe && (vcpu.getFlags() & EFLAGS_VM) !== 0;
    this.seg.setMode(!pe ? MODE_REAL : v86 ? MODE_V86 : MODE_PROTECTED);
    if (pe && !v86) this.syncSegments();
    const d = this.strategy.decide(this.view);
    this.reasons[d.reason] = (this.reasons[d.reason] as number) + 1;
    // v8086 code (the vmware rule's DE) is not run directly yet: its emulation of
    // cli/sti/pushf/popf/int/iret by trap is not wired, so it stays on the virtual CPU.
    return d.mode === 'DE' && !v86 ? 'DE' : 'BT';
  }

  /**
   * Makes segmentation's view of the guest tables and hidden state match the virtual CPU.
   * A register whose hidden state equals its descriptor in the guest table is recorded as
   * loaded from it (reversible); any other is set as hidden state (non-reversible: BT).
   */
  private syncSegments(): void {
    const vcpu = this.vcpu;
    const seg = this.seg;
    if (vcpu.gdtBase !== this.lastGdtBase || vcpu.gdtLimit !== this.lastGdtLimit) {
      seg.setGdtr(vcpu.gdtBase >>> 0, vcpu.gdtLimit);
      this.lastGdtBase = vcpu.gdtBase;
      this.lastGdtLimit = vcpu.gdtLimit;
      this.lastLdtr = -1;
    }
    const ldtr = vcpu.segSel[SEG_LDTR] as number;
    if (ldtr !== this.lastLdtr) {
      this.lastLdtr = seg.loadLdtr(ldtr) ? ldtr : -2;
    }
    for (let r = 0; r < 6; r++) {
      const reg = r as SegReg;
      this.segUsable[r] = this.lastLdtr === -2 ? 2 : 0;
      const sel = vcpu.segSel[r] as number;
      const base = vcpu.segBase[r] as number;
      const limit = vcpu.segLimit[r] as number;
      const acc = (vcpu.segAcc[r] as number) & 0xfff;
      if (
        seg.selector[r] === sel && seg.base[r] === base >>> 0 && seg.limit[r] === limit >>> 0 &&
        ((seg.acc[r] as number) | 1) === (acc | 1) && seg.loadMode[r] === MODE_PROTECTED
      ) {
        continue;
      }
      if ((sel & 0xfffc) === 0) {
        seg.recordLoad(reg, sel, 0, 0);
        continue;
      }
      const table = (sel & 4) !== 0 ? vcpu.segBase[SEG_LDTR] : vcpu.gdtBase;
      const tlimit = (sel & 4) !== 0 ? vcpu.segLimit[SEG_LDTR] : vcpu.gdtLimit;
      const at = ((table as number) + (sel & 0xfff8)) >>> 0;
      const ok = (sel | 7) <= (tlimit as number) && this.readGuestDescriptor(at, this.scratch);
      const lo = this.scratch[0] as number;
      const hi = this.scratch[1] as number;
      if (ok && descBase(lo, hi) === base >>> 0 && descLimit(lo, hi) === limit >>> 0 && (descAcc(hi) | 1) === (acc | 1)) {
        seg.recordLoad(reg, sel, lo, hi);
      } else {
        seg.setHidden(reg, sel, base, limit, acc, MODE_PROTECTED);
      }
    }
  }

  /** One DE slice; returns the guest instructions it retired. */
  private runDirect(budget: number): number {
    const vcpu = this.vcpu;
    const hw = this.hw;
    const t0 = performance.now();
    if (!this.enterDirect()) {
      // A shadow the hardware refused: let the virtual CPU run the instruction.
      this.counts.emulated++;
      const before = vcpu.retired;
      this.syncVcpuCode(true);
      this.noteExit(vcpu.run(1));
      this.counts.monitorMs += performance.now() - t0;
      return vcpu.retired - before;
    }
    this.counts.deEntries++;
    this.onEnterDe?.(hw, vcpu);
    const t1 = performance.now();
    const before = hw.retired;
    this.inDe = true;
    const exit = hw.run(budget);
    this.inDe = false;
    const t2 = performance.now();
    let ran = hw.retired - before;
    const trap = hw.trap;
    let emulate = false;
    if (exit === Exit.TRAP) {
      if (trap.software) {
        // The int n retired on the hardware; the virtual CPU executes it again (gate checks,
        // delivery through the guest IDT), so it is counted once, there.
        ran--;
        hw.eip = (trap.eip - trap.length) >>> 0;
      }
      emulate = this.triage();
    } else this.countExit('budget');
    this.leaveDirect(ran);
    let total = ran;
    if (emulate) {
      this.counts.emulated++;
      const b = vcpu.retired;
      this.syncVcpuCode(true);
      this.noteExit(vcpu.run(1));
      total += vcpu.retired - b;
    }
    this.counts.deMs += t2 - t1;
    this.counts.monitorMs += performance.now() - t2 + (t1 - t0);
    return total;
  }

  /** Classifies a DE trap; true when the virtual CPU must run the trapping instruction. */
  private triage(): boolean {
    const trap = this.hw.trap;
    this.countExit(trap.software ? `int ${trap.vector}` : `#${trap.vector}`);
    if (trap.vector === VEC_PF && !trap.software) {
      const cls = this.mmu.triage(trap.cr2 >>> 0, trap.errorCode);
      if (cls === FAULT_HIDDEN) {
        this.counts.hidden++;
        return false;
      }
      if (cls === FAULT_TRUE) this.counts.true++;
      else if (cls === FAULT_TRACE) this.counts.trace++;
      else if (cls === FAULT_MMIO) this.counts.mmio++;
      else if (cls === FAULT_MONITOR) this.counts.monRegion++;
      return true;
    }
    if (!trap.software && (trap.vector === VEC_GP || trap.vector === VEC_NP || trap.vector === VEC_SS) && trap.errorCode > 0) {
      if (this.seg.classifyFault(trap.vector, trap.errorCode) === FAULT_RETRY) {
        this.counts.segRetry++;
        return false;
      }
    }
    return true;
  }

  private countExit(key: string): void {
    this.exitCounts.set(key, (this.exitCounts.get(key) ?? 0) + 1);
  }

  /**
   * Loads the virtual CPU's unprivileged state onto the hardware at CPL 3 with the
   * monitor's privileged state (GDT, LDT, TSS, shadow CR3). False if a shadow selector
   * does not load (the virtual CPU then runs the instruction itself).
   */
  private enterDirect(): boolean {
    const vcpu = this.vcpu;
    const hw = this.hw;
    this.mmu.setGuestControl(vcpu.cr0, vcpu.cr4);
    const root = this.mmu.activate(vcpu.cr3 >>> 0, false);
    hw.setCr0(CR0_PE | CR0_PG | CR0_WP | CR0_ET | (vcpu.cr0 & (CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_AM)));
    hw.setCr4(vcpu.cr4 & CR4_TSD);
    if (hw.cr3 !== root) hw.setCr3(root);
    if (vcpu.retired !== this.vcpuRetiredAtHwSync) {
      // The virtual CPU stored to guest RAM directly since: the hardware's decodes of
      // guest code may be stale.
      hw.invalidateCode(0, this.bus.ram.length);
      this.vcpuRetiredAtHwSync = vcpu.retired;
    }
    this.hardwareTables();
    hw.reg32.set(vcpu.reg32);
    hw.eip = vcpu.eip;
    hw.setFlags(vcpu.getFlags(), -1);
    hw.tscOffset = vcpu.tsc - hw.retired;
    hw.cpl = 3;
    hw.halted = false;
    // CS from its shadow descriptor (nothing loads CS at CPL 3 but a far transfer).
    const cs = vcpu.segSel[SEG_CS] as number;
    this.seg.readShadow((cs & 4) !== 0 ? TABLE_LDT : TABLE_GDT, cs >>> 3, this.scratch);
    const lo = this.scratch[0] as number;
    const hi = this.scratch[1] as number;
    const csAcc = descAcc(hi);
    if ((csAcc & 0x80) === 0) return false;
    hw.segSel[SEG_CS] = cs;
    hw.segBase[SEG_CS] = descBase(lo, hi);
    hw.segLimit[SEG_CS] = descLimit(lo, hi);
    hw.segAcc[SEG_CS] = csAcc;
    hw.segFlags[SEG_CS] = segFlagsOf(csAcc);
    try {
      for (const r of [2, 0, 3, 4, 5]) hw.loadSegment(r, vcpu.segSel[r] as number);
    } catch {
      return false;
    }
    return true;
  }

  /** Copies the hardware's unprivileged state back into the virtual CPU after DE. */
  private leaveDirect(ran: number): void {
    const vcpu = this.vcpu;
    const hw = this.hw;
    vcpu.reg32.set(hw.reg32);
    vcpu.eip = hw.eip;
    vcpu.setFlags(hw.getFlags(), -1);
    // Segment registers CPL-3 code reloaded: the virtual CPU loads the same selectors
    // from the guest's own tables (untruncated, the guest's accessed bits).
    for (const r of [0, 2, 3, 4, 5]) {
      if (hw.segSel[r] !== vcpu.segSel[r]) vcpu.loadSegment(r, hw.segSel[r] as number);
    }
    if (hw.segSel[SEG_CS] !== vcpu.segSel[SEG_CS]) {
      const cs = hw.segSel[SEG_CS] as number;
      const table = (cs & 4) !== 0 ? vcpu.segBase[SEG_LDTR] : vcpu.gdtBase;
      if (this.readGuestDescriptor(((table as number) + (cs & 0xfff8)) >>> 0, this.scratch)) {
        const lo = this.scratch[0] as number;
        const hi = this.scratch[1] as number;
        vcpu.segSel[SEG_CS] = cs;
        vcpu.segBase[SEG_CS] = descBase(lo, hi);
        vcpu.segLimit[SEG_CS] = descLimit(lo, hi);
        vcpu.segAcc[SEG_CS] = descAcc(hi);
        vcpu.segFlags[SEG_CS] = segFlagsOf(descAcc(hi));
      }
    }
    vcpu.tscOffset += ran;
    this.deRetired += ran;
  }

  /**
   * The hardware stores to guest RAM without the virtual CPU seeing it, so before the
   * virtual CPU runs, its cached decodes may be stale. For one instruction (a callout or
   * a trapped instruction) only its own pages matter; anything longer drops them all.
   */
  private syncVcpuCode(one: boolean): void {
    const vcpu = this.vcpu;
    if (this.hw.retired === this.hwRetiredAtVcpuSync) return;
    if (one) {
      const gpa = this.guestWalk(((vcpu.segBase[SEG_CS] as number) + vcpu.eip) >>> 0);
      if (gpa >= 0) {
        vcpu.invalidateCode(gpa & ~0xfff, PAGE);
        const next = this.guestWalk(((vcpu.segBase[SEG_CS] as number) + vcpu.eip + 15) >>> 0);
        if (next >= 0) vcpu.invalidateCode(next & ~0xfff, PAGE);
        return;
      }
    }
    vcpu.invalidateCode(0, this.bus.ram.length);
    this.hwRetiredAtVcpuSync = this.hw.retired;
  }

  // ---- binary translation ---------------------------------------------------------

  /** The translator handles 32-bit protected-mode code (real, v8086 and 16-bit code stay on the virtual CPU). */
  private canTranslate(): boolean {
    const vcpu = this.vcpu;
    if ((vcpu.cr0 & CR0_PE) === 0 || (vcpu.getFlags() & EFLAGS_VM) !== 0) return false;
    if (((vcpu.segAcc[SEG_CS] as number) & 0x400) === 0) return false; // D = 0: 16-bit code
    return (vcpu.getFlags() & EFLAGS_TF) === 0;
  }

  /**
   * One BT slice: the hardware runs the translation of the guest code at CPL 1 until a
   * callout, a trap or the end of the slice, and the monitor leaves the TC at a guest
   * instruction boundary. Returns the guest instructions retired, or -1 when the code
   * could not be entered (the virtual CPU then runs it).
   */
  private runTranslated(budget: number): number {
    const cache = this.cache as TranslationCache;
    const vcpu = this.vcpu;
    const hw = this.hw;
    const t0 = performance.now();
    const iopl = (vcpu.getFlags() >>> 12) & 3;
    const ctx = this.ctx;
    ctx.csBase = vcpu.segBase[SEG_CS] as number;
    ctx.bits = 32;
    ctx.cliInTc = vcpu.cpl <= iopl;
    ctx.mode = vcpu.cpl;
    // The guest's TLB epoch moves on CR3 loads, INVLPG and paging-mode changes: its code
    // mappings may differ now, and chained jumps and the indirect-target table skip the
    // lookup that checks a translation's physical pages, so unchain everything first.
    if (vcpu.tlb.epoch !== this.codeEpoch) {
      cache.requestExit();
      this.codeEpoch = vcpu.tlb.epoch;
    }
    const entry = cache.entry(vcpu.eip, ctx);
    if (typeof entry !== 'number' || !this.enterTranslated()) return -1;
    hw.eip = entry;
    this.leaveTc = false;
    this.btCounts.entries++;
    let ran = 0;
    let guestEip: number;
    let emulate = false;
    this.inDe = true;
    for (;;) {
      const before = hw.retired;
      const exit = hw.run(Math.max(1, budget - ran));
      ran += hw.retired - before;
      if (exit !== Exit.TRAP) {
        if (this.stopRequested || this.leaveTc || ran >= budget) {
          // Leave at a guest instruction boundary: the start of a sequence.
          const loc = cache.locate(hw.eip);
          if (loc !== undefined && loc.seqStart === hw.eip >>> 0) {
            guestEip = loc.guestEip;
            break;
          }
          budget = ran + 1; // step on until a boundary or a callout
          continue;
        }
        continue;
      }
      const trap = hw.trap;
      if (trap.software && trap.vector === CALLOUT_VECTOR) {
        ran--; // the int is the monitor's, not the guest's
        this.btCounts.callouts++;
        const site = cache.callout(trap.eip);
        if (site === undefined) throw new Error(`monitor: int 0x81 at ${trap.eip.toString(16)} is no callout site`);
        if (site.kind === CalloutKind.EXIT) {
          const next = cache.chain(site);
          if (typeof next === 'number' && !this.stopRequested && !this.leaveTc && ran < budget) {
            hw.eip = next;
            continue;
          }
          guestEip = site.target;
          break;
        }
        if (site.kind === CalloutKind.INDIRECT) {
          const target = this.area.getUint32(VCPU.TARGET, true);
          const next = cache.indirect(target, ctx);
          if (typeof next === 'number' && !this.stopRequested && !this.leaveTc && ran < budget) {
            hw.eip = next;
            continue;
          }
          guestEip = target;
          break;
        }
        guestEip = site.guestEip;
        emulate = true;
        break;
      }
      // A fault inside translated code is a fault of the guest instruction it belongs to.
      const loc = cache.locate(trap.eip);
      this.countExit(`bt ${trap.software ? 'int ' : '#'}${trap.vector}`);
      if (loc === undefined) throw new Error(`monitor: BT trap ${trap.vector} at ${trap.eip.toString(16)} outside the TC`);
      if (!trap.software && trap.vector === VEC_PF) {
        const cls = this.mmu.triage(trap.cr2 >>> 0, trap.errorCode);
        if (cls === FAULT_HIDDEN) {
          this.counts.hidden++;
          hw.eip = trap.eip;
          continue;
        }
        if (cls === FAULT_TRUE) this.counts.true++;
        else if (cls === FAULT_TRACE) this.counts.trace++;
        else if (cls === FAULT_MMIO) this.counts.mmio++;
        else this.counts.monRegion++;
      }
      // Inside a non-IDENT sequence the guest registers are still those at the start of
      // its guest instruction (dbt: every sequence is restartable up to its one visible
      // write, which is the one that faults), so the virtual CPU restarts it from there.
      if (loc.seqStart !== trap.eip >>> 0) this.btCounts.rollbacks++;
      guestEip = loc.guestEip;
      emulate = true;
      break;
    }
    this.inDe = false;
    this.leaveTranslated(guestEip, ran);
    let total = ran;
    if (emulate) {
      this.counts.emulated++;
      const b = vcpu.retired;
      this.syncVcpuCode(true);
      this.noteExit(vcpu.run(1));
      total += vcpu.retired - b;
    }
    this.btCounts.ms += performance.now() - t0;
    return total;
  }

  /** Hardware state for translated code: CPL 1, monitor CS and GS, guest DS/ES/SS/FS through their shadows. */
  private enterTranslated(): boolean {
    const vcpu = this.vcpu;
    const hw = this.hw;
    const seg = this.seg;
    this.mmu.setGuestControl(vcpu.cr0, vcpu.cr4);
    const root = this.mmu.activate(vcpu.cr3 >>> 0, vcpu.cpl === 3);
    hw.setCr0(CR0_PE | CR0_PG | CR0_WP | CR0_ET | (vcpu.cr0 & (CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_AM)));
    hw.setCr4(0);
    if (hw.cr3 !== root) hw.setCr3(root);
    this.hardwareTables();
    hw.reg32.set(vcpu.reg32);
    const flags = vcpu.getFlags();
    hw.setFlags(2 | (flags & (EFLAGS_ARITH | EFLAGS_DF)), -1);
    hw.tscOffset = vcpu.tsc - hw.retired;
    hw.cpl = 1;
    hw.halted = false;
    const a = this.area;
    a.setUint32(VCPU.VIF, flags & EFLAGS_IF, true);
    a.setUint32(VCPU.VFLAGS, (flags & ~(EFLAGS_ARITH | EFLAGS_DF | EFLAGS_TF | EFLAGS_IF | 0x10000)) >>> 0, true);
    for (let r = 0; r < 6; r++) a.setUint32(VCPU.VSEL + 4 * r, vcpu.segSel[r] as number, true);
    a.setUint32(VCPU.HW_FS_FOR_FS, seg.hardwareSelector(4, 1), true);
    a.setUint32(VCPU.HW_FS_FOR_GS, seg.hardwareSelector(5, 1), true);
    const cs = (GDT_MON_CODE1 << 3) | 1;
    this.seg.readShadow(TABLE_GDT, GDT_MON_CODE1, this.scratch);
    hw.segSel[SEG_CS] = cs;
    hw.segBase[SEG_CS] = 0;
    hw.segLimit[SEG_CS] = -1;
    const csAcc = descAcc(this.scratch[1] as number);
    hw.segAcc[SEG_CS] = csAcc;
    hw.segFlags[SEG_CS] = segFlagsOf(csAcc);
    try {
      hw.loadSegment(2, seg.hardwareSelector(2, 1));
      for (const r of [0, 3, 4] as const) hw.loadSegment(r, seg.hardwareSelector(r, 1));
      hw.loadSegment(5, (GDT_MON_AREA << 3) | 1);
    } catch {
      return false;
    }
    return true;
  }

  private leaveTranslated(guestEip: number, ran: number): void {
    const vcpu = this.vcpu;
    const hw = this.hw;
    vcpu.reg32.set(hw.reg32);
    vcpu.eip = guestEip >>> 0;
    const vif = this.area.getUint32(VCPU.VIF, true) & EFLAGS_IF;
    vcpu.setFlags((hw.getFlags() & (EFLAGS_ARITH | EFLAGS_DF)) | vif, EFLAGS_ARITH | EFLAGS_DF | EFLAGS_IF);
    vcpu.tscOffset += ran;
    this.deRetired += ran;
    this.btCounts.instructions += ran;
  }

  /** The monitor's GDT, the shadow LDT and the TSS on the hardware. */
  private hardwareTables(): void {
    const hw = this.hw;
    hw.gdtBase = linearOf(MON_GDT);
    hw.gdtLimit = 0xffff;
    hw.idtBase = 0;
    hw.idtLimit = 0;
    const ldtSel = this.seg.hardwareLdtr();
    hw.segSel[SEG_LDTR] = ldtSel;
    if (ldtSel !== 0) {
      this.seg.readShadow(TABLE_GDT, GDT_LDT, this.scratch);
      hw.segBase[SEG_LDTR] = descBase(this.scratch[0] as number, this.scratch[1] as number);
      hw.segLimit[SEG_LDTR] = descLimit(this.scratch[0] as number, this.scratch[1] as number);
    } else {
      hw.segBase[SEG_LDTR] = 0;
      hw.segLimit[SEG_LDTR] = 0;
    }
    hw.segSel[SEG_TR] = 0;
    hw.segBase[SEG_TR] = linearOf(MON_TSS);
    hw.segLimit[SEG_TR] = 0x67;
    hw.segAcc[SEG_TR] = 0x8b;
  }

  /** Guest code bytes through the guest's CS limit and paging, without side effects. */
  private fetchGuestCode(linear: number, dst: Uint8Array, at: number, count: number): number {
    const vcpu = this.vcpu;
    const base = vcpu.segBase[SEG_CS] as number;
    const limit = (vcpu.segLimit[SEG_CS] as number) >>> 0;
    const ram = this.bus.ram;
    let page = -1;
    let gpa = -1;
    for (let n = 0; n < count; n++) {
      const lin = (linear + n) >>> 0;
      if (((lin - base) >>> 0) > limit) return n;
      if (lin >>> 12 !== page) {
        page = lin >>> 12;
        gpa = this.guestWalk(lin);
        if (gpa < 0 || gpa >>> 12 >= this.ramPages || this.bus.pageKind[gpa >>> 12] !== PAGE_RAM) return n;
        gpa &= ~0xfff;
      }
      dst[at + n] = ram[gpa + (lin & 0xfff)] as number;
    }
    return count;
  }

  // ---- memory -----------------------------------------------------------------------

  private isTracedRam(addr: number): boolean {
    const gpn = addr >>> 12;
    return gpn < this.ramPages && this.bus.pageKind[gpn] === PAGE_RAM;
  }

  /** A traced RAM page is MMIO to the virtual CPU, so its stores reach the shadow MMU. */
  private refreshKind(gpn: number): void {
    if (gpn >= this.ramPages || this.bus.pageKind[gpn] !== PAGE_RAM) return;
    this.vcpuKind[gpn] = this.mmu.traceState(gpn) !== 0 ? PAGE_MMIO : PAGE_RAM;
  }

  private ramRead(gpa: number, size: number): number {
    const r = this.bus.ram;
    if (gpa + size > r.length) return size === 4 ? -1 : (1 << (size * 8)) - 1;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | (r[gpa + i] as number);
    return size === 4 ? v | 0 : v;
  }

  private ramWrite(gpa: number, size: number, value: number): void {
    const r = this.bus.ram;
    if (gpa + size > r.length) return;
    for (let i = 0; i < size; i++) r[gpa + i] = value >>> (8 * i);
    this.vcpu.invalidateCode(gpa, size);
    this.hw.invalidateCode(gpa, size);
  }

  private hostWrite32(hpa: number, value: number): void {
    const h = this.host;
    h[hpa] = value;
    h[hpa + 1] = value >>> 8;
    h[hpa + 2] = value >>> 16;
    h[hpa + 3] = value >>> 24;
  }

  private allocPage(): number {
    const hpn = this.freePool.pop() ?? (this.nextPool < POOL_PAGES ? this.monitorPage + MON_POOL + this.nextPool++ : -1);
    if (hpn >= 0) this.host.fill(0, hpn * PAGE, (hpn + 1) * PAGE);
    return hpn;
  }

  /** The guest's own translation of a linear address (supervisor, no side effects), or -1. */
  guestWalk(lin: number): number {
    const vcpu = this.vcpu;
    lin >>>= 0;
    if ((vcpu.cr0 & CR0_PG) === 0) return lin;
    const pde = this.ramRead(((vcpu.cr3 & ~0xfff) + (lin >>> 22) * 4) >>> 0, 4);
    if ((pde & 1) === 0) return -1;
    if ((pde & 0x80) !== 0 && (vcpu.cr4 & 0x10) !== 0) return ((pde & 0xffc00000) | (lin & 0x3fffff)) >>> 0;
    const pte = this.ramRead(((pde & ~0xfff) + ((lin >>> 12) & 0x3ff) * 4) >>> 0, 4);
    if ((pte & 1) === 0) return -1;
    return ((pte & ~0xfff) | (lin & 0xfff)) >>> 0;
  }

  private readGuestDescriptor(addr: number, out: Int32Array): boolean {
    const a = this.guestWalk(addr);
    const b = this.guestWalk(addr + 4);
    if (a < 0 || b < 0) return false;
    out[0] = this.ramRead(a, 4);
    out[1] = this.ramRead(b, 4);
    return true;
  }

  private watchTable(table: TableId, addr: number, length: number): void {
    for (const h of this.watches[table]) this.mmu.untrace(h);
    const handles: number[] = [];
    this.watches[table] = handles;
    if (length <= 0) return;
    const first = addr >>> 12;
    const last = ((addr + length - 1) >>> 0) >>> 12;
    for (let p = first; p <= last; p++) {
      const lin = (p << 12) >>> 0;
      const gpa = this.guestWalk(lin);
      if (gpa < 0 || gpa >>> 12 >= this.ramPages) continue;
      handles.push(
        this.mmu.trace(gpa >>> 12, TRACE_WRITE, {
          onWrite: (at, size) => this.seg.onGuestTableWrite((lin | (at & 0xfff)) >>> 0, size),
        }),
      );
    }
  }

  /**
   * FNV-1a fingerprint of the monitor memory no guest action may change: the monitor
   * region's page table, the monitor's own GDT entries and the TSS. (Shadow entries, the
   * six cached entries, the per-vCPU area and the translation cache follow the guest by
   * design.)
   */
  monitorHash(): number {
    const mon = this.monitorPage;
    let h = 0x811c9dc5;
    const mix = (from: number, to: number): void => {
      for (let i = from; i < to; i++) h = Math.imul(h ^ (this.host[i] as number), 0x01000193);
    };
    mix((mon + MON_PT) * PAGE, (mon + MON_PT + 1) * PAGE);
    mix((mon + MON_GDT) * PAGE + GDT_MON_CODE0 * 8, (mon + MON_GDT + 16) * PAGE);
    mix((mon + MON_TSS) * PAGE, (mon + MON_TSS + 1) * PAGE);
    return h >>> 0;
  }

  stats(): MonitorStats {
    const decisions: Record<string, number> = {};
    this.reasons.forEach((n, r) => {
      if (n > 0) decisions[REASON_LABELS[r] as string] = n;
    });
    const s = this.mmu.stats as unknown as Record<string, number>;
    return {
      decision: this.strategy.name,
      deInstructions: this.deRetired - this.btCounts.instructions,
      monitorInstructions: this.vcpu.retired,
      deSeconds: this.counts.deMs / 1000,
      vcpuSeconds: this.counts.vcpuMs / 1000,
      monitorSeconds: this.counts.monitorMs / 1000,
      deEntries: this.counts.deEntries,
      exits: Object.fromEntries(this.exitCounts),
      hiddenFaults: this.counts.hidden,
      trueFaults: this.counts.true,
      traceFaults: this.counts.trace,
      mmioFaults: this.counts.mmio,
      monitorRegionFaults: this.counts.monRegion,
      segmentRetries: this.counts.segRetry,
      emulated: this.counts.emulated,
      decisions,
      shadow: { ...s },
      btEntries: this.btCounts.entries,
      btInstructions: this.btCounts.instructions,
      btSeconds: this.btCounts.ms / 1000,
      callouts: this.btCounts.callouts,
      translations: this.cache?.stats.translations ?? 0,
      chainPatches: this.cache?.stats.chainPatches ?? 0,
      invalidations: this.cache?.stats.invalidations ?? 0,
    };
  }
}

/** Bytes of monitor memory a monitored machine adds above guest RAM. */
export const MONITOR_BYTES: number = MONITOR_PAGES * PAGE;
