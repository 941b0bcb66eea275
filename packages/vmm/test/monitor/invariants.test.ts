// Property tests of the brief's checklist (design/vmware-monitor.md §7) on the composed
// monitor, over random guests built here (raw protected-mode kernels, no Multiboot):
// - 3 "In DE the hardware's unprivileged state equals the vCPU's (including IOPL and IF)":
//   random CPL-3 programs over random user descriptors; at every DE entry (the monitor's
//   `onEnterDe` hook) the hardware's GPRs, EIP, EFLAGS, selectors, bases, limits and CPL 3
//   are compared with the virtual CPU's; the transcript, the program's register dump and the
//   final CPU state are compared with the native run (and with --decision always-bt).
// - 4 "Every CCF's guest bytes are still what it was translated from...": random kernels
//   (CPL 0, so under BT) rewriting their own code between and during executions, directly
//   and through a second linear mapping, must print the native transcript. The fixed cases
//   are guests/escape-tests/smc.asm (run by monitor.test.ts); the cache-level property is
//   packages/dbt/test/invariants.test.ts.
// Elsewhere: 1, 2 (no guest segment reaches the monitor region; no guest selector loads a
// monitor descriptor) are packages/segmentation/test/segmentation.test.ts, "random tables
// (checklist 1 and 2)", and truncation.test.ts, "truncation property (checklist 1)"; 5
// (shadow PTEs grant no more than the guest PTE, pmap and traces) is
// packages/shadow-mmu/test/property.test.ts, "random guest page tables"; 6 (native
// transcript) is monitor.test.ts over every guest in guests/ (and the comparisons here).
// The DE entry checks also assert item 1 for the loaded segments (limits stop below the
// monitor region).

import { describe, expect, it } from 'vitest';
import { segFlagsOf, type Cpu } from '@vmm86/cpu-core';
import { descAcc } from '@vmm86/segmentation';
import { createMachine, type Machine } from '../../src/index.js';

const GDT = 0x1000;
const IDT = 0x2000;
const TSS = 0x3000;
const PD = 0x4000;
const PT = 0x5000;
const KCODE = 0x6000;
const HANDLER = 0x6800;
const OUT = 0x8000;
const KSTACK = 0xa000;
const ROUTINE = 0xc000;
const UCODE = 0x10000;
const USTACK = 0x30000;
const ALIAS = 0x400000; // PDE 1: the same page table, so 4 MiB..8 MiB is physical 0..4 MiB again
const EXIT_MAGIC = 0x0e0e0e0e;
const MONITOR_BASE = 0xffc00000;
const USER_SEGS = 8; // GDT entries 6..13

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

function put32(ram: Uint8Array, at: number, v: number): void {
  ram.set(u32(v), at);
}

function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((limit & 0xffff) | ((base & 0xffff) << 16)) >>> 0;
  const hi = (((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000)) >>> 0;
  return [lo, hi];
}

/** The guest's memory image and initial CPU state, identical for every run of one seed. */
interface Guest {
  descriptors: [number, number][];
  kernel: number[];
  handler: number[];
  user: number[];
  routine: number[];
  /** Further [physical address, bytes] to load. */
  more?: [number, number[]][];
}

/**
 * Fixed descriptors: null, kernel code/data (DPL 0), user code/data (DPL 3), TSS; then
 * `extra` (random user-loadable segments).
 */
function baseDescriptors(extra: [number, number][]): [number, number][] {
  return [
    [0, 0],
    descriptor(0, 0xfffff, 0x9b, 0xc),
    descriptor(0, 0xfffff, 0x93, 0xc),
    descriptor(0, 0xfffff, 0xfb, 0xc),
    descriptor(0, 0xfffff, 0xf3, 0xc),
    descriptor(TSS, 0x67, 0x89, 0),
    ...extra,
  ];
}

/** Kernel init: TR, paging on (identity + alias), then `tail`. */
function kernelInit(tail: number[]): number[] {
  return [
    0x66, 0xb8, 0x28, 0x00, //                 mov ax, 0x28
    0x0f, 0x00, 0xd8, //                       ltr ax
    0xb8, ...u32(PD), //                       mov eax, PD
    0x0f, 0x22, 0xd8, //                       mov cr3, eax
    0x0f, 0x20, 0xc0, //                       mov eax, cr0
    0x0d, ...u32(0x80000000), //               or eax, PG
    0x0f, 0x22, 0xc0, //                       mov cr0, eax
    0xeb, 0x00, //                             jmp short $+2
    ...tail,
  ];
}

function load(m: Machine, g: Guest): void {
  const ram = m.memory.ram;
  g.descriptors.forEach(([lo, hi], i) => {
    put32(ram, GDT + i * 8, lo);
    put32(ram, GDT + i * 8 + 4, hi);
  });
  // int 0x80: a DPL-3 32-bit interrupt gate to the handler.
  put32(ram, IDT + 0x80 * 8, (0x08 << 16) | (HANDLER & 0xffff));
  put32(ram, IDT + 0x80 * 8 + 4, (HANDLER & 0xffff0000) | 0xee00);
  put32(ram, TSS + 4, KSTACK); // esp0
  put32(ram, TSS + 8, 0x10); // ss0
  put32(ram, TSS + 0x64, 0x68 << 16); // no I/O bitmap
  put32(ram, PD, PT | 7);
  put32(ram, PD + 4, PT | 7);
  for (let i = 0; i < 1024; i++) put32(ram, PT + i * 4, (i << 12) | 7);
  ram.set(g.kernel, KCODE);
  ram.set(g.handler, HANDLER);
  ram.set(g.user, UCODE);
  ram.set(g.routine, ROUTINE);
  for (const [at, bytes] of g.more ?? []) ram.set(bytes, at);
  const cpu = m.cpu;
  cpu.setCr0(0x11);
  cpu.gdtBase = GDT;
  cpu.gdtLimit = g.descriptors.length * 8 - 1;
  cpu.idtBase = IDT;
  cpu.idtLimit = 0x80 * 8 + 7;
  cpu.cpl = 0;
  cpu.setFlags(0x2, -1);
  for (let s = 0; s < 6; s++) {
    const sel = s === 1 ? 0x08 : 0x10;
    const hi = (g.descriptors[sel >>> 3] as [number, number])[1];
    cpu.segSel[s] = sel;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = -1;
    cpu.segAcc[s] = descAcc(hi);
    cpu.segFlags[s] = segFlagsOf(descAcc(hi));
  }
  cpu.reg32[4] = KSTACK;
  cpu.eip = KCODE;
  cpu.invalidateCode(0, ram.length);
}

interface Outcome {
  out: string;
  dump: number[];
  regs: number[];
  m: Machine;
}

function runGuest(g: Guest, config: Parameters<typeof createMachine>[0], onEnterDe?: (hw: Cpu, vcpu: Cpu) => void): Outcome {
  let out = '';
  const m = createMachine({ memoryBytes: 4 << 20, debugcon: { write: (b) => (out += String.fromCharCode(b)) }, ...config });
  if (m.monitor !== undefined) m.monitor.onEnterDe = onEnterDe;
  load(m, g);
  let result;
  for (;;) {
    result = m.run({ wallMs: 10_000, maxInstructions: 2_000_000, inputClosed: true });
    if (result.kind !== 'running') break;
  }
  expect(result, `the guest did not reach its exit port; output so far: ${JSON.stringify(out)}`).toMatchObject({ kind: 'stopped', reason: 'exit-port' });
  const ram = m.memory.ram;
  const dump: number[] = [];
  for (let i = 0; i < 16; i++) dump.push(new DataView(ram.buffer, ram.byteOffset).getUint32(OUT + i * 4, true));
  const cpu = m.cpu;
  const regs = [...cpu.reg32, cpu.eip, cpu.getFlags(), ...cpu.segSel.slice(0, 6), cpu.cpl];
  return { out, dump, regs, m };
}

// ---- checklist 3: random CPL-3 programs -----------------------------------------------

/** Registers random code may change: everything but ESP. */
const GPRS = [0, 1, 2, 3, 5, 6, 7];
/** Flags popf at CPL 3 may set here: arithmetic, DF, AC, ID (never TF, NT, IF or IOPL from CPL 3). */
const POPF_MASK = 0x0cd5 | 0x40000 | 0x200000;

function randomUserSegment(r: () => number): [number, number] {
  const pick = Math.floor(r() * 6);
  const accessed = r() < 0.7 ? 1 : 0; // A-clear entries are shadowed not present (retry path)
  const bases = [0, 0x1000, 0x123456, 0x80000000, 0xffb00000, 0xffbff000, 0xfff00000, Math.floor(r() * 0x100000000)];
  const base = (bases[Math.floor(r() * bases.length)] as number) >>> 0;
  const limit = r() < 0.5 ? 0xfffff : Math.floor(r() * 0x100000);
  const flags = (r() < 0.6 ? 0x8 : 0) | (r() < 0.8 ? 0x4 : 0);
  // Types a CPL-3 data-segment load accepts: data DPL 3 (r/w, r/o, expand-down), readable
  // code DPL 3, readable conforming code of any DPL.
  const type = [0x2, 0x0, 0x6, 0x4, 0xa, 0xe][pick] as number;
  const dpl = type === 0xe ? Math.floor(r() * 4) : 3;
  return descriptor(base, limit, 0x90 | (dpl << 5) | type | accessed, flags);
}

function randomUserProgram(r: () => number, length: number): number[] {
  const code: number[] = [];
  const reg = (): number => GPRS[Math.floor(r() * GPRS.length)] as number;
  const imm = (): number => (r() < 0.3 ? [0, 1, 0x7fffffff, 0x80000000, 0xffffffff][Math.floor(r() * 5)] as number : Math.floor(r() * 0x100000000));
  const userSel = (): number => (r() < 0.15 ? 0 : r() < 0.2 ? 0x23 : ((6 + Math.floor(r() * USER_SEGS)) << 3) | 3);
  const simple = (): number[] => {
    const k = Math.floor(r() * 14);
    const d = reg();
    const s = reg();
    switch (k) {
      case 0: return [[0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39, 0x85][Math.floor(r() * 9)] as number, 0xc0 | (s << 3) | d];
      case 1: return [0x81, 0xc0 | (Math.floor(r() * 8) << 3) | d, ...u32(imm())];
      case 2: {
        const modrm = 0xc0 | (([0, 1, 2, 3, 4, 5, 7][Math.floor(r() * 7)] as number) << 3) | d;
        return r() < 0.5 ? [0xc1, modrm, Math.floor(r() * 40)] : [0xd1, modrm];
      }
      case 3: return [r() < 0.5 ? 0x40 + d : 0x48 + d];
      case 4: return [0xf7, 0xc0 | ([2, 3, 4, 5][Math.floor(r() * 4)] as number) << 3 | d];
      case 5: return [0x0f, 0xaf, 0xc0 | (d << 3) | s];
      case 6: return [0x0f, [0xa3, 0xab, 0xb3, 0xbb][Math.floor(r() * 4)] as number, 0xc0 | (s << 3) | d];
      case 7: return [0x0f, 0x90 + Math.floor(r() * 16), 0xc0 | Math.floor(r() * 4)];
      case 8: return [0x0f, 0x40 + Math.floor(r() * 16), 0xc0 | (d << 3) | s];
      case 9: return [[0xf5, 0xf8, 0xf9, 0xfc, 0xfd, 0x9e, 0x9f, 0x90][Math.floor(r() * 8)] as number];
      case 10: return [0x50 + s, 0x58 + d];
      case 11: return [0x68, ...u32(imm() & POPF_MASK), 0x9d]; // push imm; popf
      case 12: return [0x9c, 0x58 + d]; // pushf; pop r
      default: return [0x0f, 0xc8 + d]; // bswap
    }
  };
  while (code.length < length) {
    const k = r();
    if (k < 0.55) code.push(...simple());
    else if (k < 0.62) {
      // A short conditional jump over one instruction.
      const body = simple();
      code.push(0x70 + Math.floor(r() * 16), body.length, ...body);
    } else if (k < 0.74) {
      // Segment register loads with random user selectors (null only for ES/FS/GS/DS).
      const sreg = [0, 3, 4, 5][Math.floor(r() * 4)] as number;
      code.push(0x66, 0xb8, ...u32(userSel()).slice(0, 2), 0x8e, 0xc0 | (sreg << 3));
    } else if (k < 0.78) {
      code.push(0x8c, 0xc0 | ([0, 1, 2, 3, 4, 5][Math.floor(r() * 6)] as number) << 3 | reg()); // mov r, sreg
    } else if (k < 0.82) {
      code.push(...([[0x1e, 0x07], [0x06, 0x1f], [0x0f, 0xa0, 0x0f, 0xa9], [0x0f, 0xa8, 0x0f, 0xa1], [0x16, 0x1f]][Math.floor(r() * 5)] as number[]));
    } else if (k < 0.88) {
      // Through SS (flat): a store to a fresh stack-area page (hidden faults), or a
      // same-value rewrite of a GDT or page-table dword (traced pages: trace faults).
      const d = reg();
      if (r() < 0.5) {
        const at = USTACK + 0x1000 + Math.floor(r() * 0x3000) * 4;
        code.push(0x36, 0x89, 0x05 | (d << 3), ...u32(at), 0x36, 0x03, 0x05 | (reg() << 3), ...u32(at));
      } else {
        const at = r() < 0.5 ? GDT + Math.floor(r() * 14) * 4 : PT + Math.floor(r() * 64) * 4;
        code.push(0x36, 0x8b, 0x05 | (d << 3), ...u32(at), 0x36, 0x89, 0x05 | (d << 3), ...u32(at));
      }
    } else {
      code.push(0xcd, 0x80); // a system call: the handler prints AL, flips EFLAGS bits, changes EAX
    }
  }
  // Dump: EAX..EDI, EFLAGS, DS ES FS GS SS to OUT through SS, then the exit system call.
  for (let i = 0; i < 8; i++) code.push(0x36, 0x89, 0x05 | (i << 3), ...u32(OUT + i * 4));
  code.push(0x9c, 0x58, 0x36, 0xa3, ...u32(OUT + 32)); // pushf; pop eax; mov [ss:OUT+32], eax
  [3, 0, 4, 5, 2].forEach((sreg, i) => code.push(0x8c, 0xc0 | (sreg << 3), 0x36, 0xa3, ...u32(OUT + 36 + i * 4)));
  code.push(0xb8, ...u32(EXIT_MAGIC), 0xcd, 0x80);
  return code;
}

function userGuest(seed: number): Guest {
  const r = rng(seed);
  const extra: [number, number][] = [];
  for (let i = 0; i < USER_SEGS; i++) extra.push(randomUserSegment(r));
  // Initial user EFLAGS: IF = 1 mostly, IOPL random (IOPL 3 or IF = 0 sends CPL 3 to BT).
  const eflags = 0x2 | (r() < 0.9 ? 0x200 : 0) | ((r() < 0.9 ? Math.floor(r() * 3) : 3) << 12) | (Math.floor(r() * 0x10000) & 0x8d5);
  const kernel = kernelInit([
    0x6a, 0x23, //                         push 0x23 (user SS)
    0x68, ...u32(USTACK), //               push USTACK
    0x68, ...u32(eflags), //               push eflags
    0x6a, 0x1b, //                         push 0x1b (user CS)
    0x68, ...u32(UCODE), //                push UCODE
    0xcf, //                               iretd
  ]);
  // The system call flips random EFLAGS bits of the interrupted program (IF, IOPL, DF, AC,
  // arithmetic), so DE entries see them change; it also adds a constant to EAX.
  const flip = [0x200, 0x1000, 0x2000, 0x3000, 0x400, 0x40000, 0x8d5, 0x1200, 0][Math.floor(r() * 9)] as number;
  const handler = [
    0x3d, ...u32(EXIT_MAGIC), //           cmp eax, EXIT_MAGIC
    0x75, 0x04, //                         jne +4
    0xb0, 0x00, //                         mov al, 0
    0xe6, 0xf4, //                         out 0xf4, al (exit)
    0xe6, 0xe9, //                         out 0xe9, al
    0x81, 0x74, 0x24, 0x08, ...u32(flip), // xor dword [esp+8], flip
    0x05, ...u32(Math.floor(r() * 0x100000000)), // add eax, imm32
    0xcf, //                               iretd
  ];
  return { descriptors: baseDescriptors(extra), kernel, handler, user: randomUserProgram(r, 800 + Math.floor(r() * 800)), routine: [0xc3] };
}

/** Invariant 3 at one DE entry; returns a description of the first difference, or ''. */
function deMismatch(hw: Cpu, vcpu: Cpu): string {
  if (hw.cpl !== 3) return `hardware CPL ${hw.cpl}`;
  for (let i = 0; i < 8; i++) if (hw.reg32[i] !== vcpu.reg32[i]) return `GPR ${i}: hw ${hw.reg32[i]} vcpu ${vcpu.reg32[i]}`;
  if (hw.eip >>> 0 !== vcpu.eip >>> 0) return `EIP hw ${hw.eip.toString(16)} vcpu ${vcpu.eip.toString(16)}`;
  const hf = hw.getFlags() >>> 0;
  const vf = vcpu.getFlags() >>> 0;
  if (hf !== vf) return `EFLAGS hw ${hf.toString(16)} vcpu ${vf.toString(16)}`;
  if ((vf & 0x200) === 0 || ((vf >>> 12) & 3) === 3) return `DE with IF = 0 or IOPL 3 (EFLAGS ${vf.toString(16)})`;
  for (let s = 0; s < 6; s++) {
    const sel = vcpu.segSel[s] as number;
    if (hw.segSel[s] !== sel) return `selector ${s}: hw ${(hw.segSel[s] as number).toString(16)} vcpu ${sel.toString(16)}`;
    if ((sel & 0xfffc) === 0) continue;
    const base = (vcpu.segBase[s] as number) >>> 0;
    if ((hw.segBase[s] as number) >>> 0 !== base) return `segment ${s} base hw ${(hw.segBase[s] as number) >>> 0} vcpu ${base}`;
    const vacc = vcpu.segAcc[s] as number;
    const hacc = hw.segAcc[s] as number;
    if ((hacc & 0x1e) !== (vacc & 0x1e)) return `segment ${s} type hw ${hacc.toString(16)} vcpu ${vacc.toString(16)}`;
    const vlim = (vcpu.segLimit[s] as number) >>> 0;
    const hlim = (hw.segLimit[s] as number) >>> 0;
    const expandDown = (vacc & 0x1c) === 0x14;
    if (!expandDown) {
      // Equal limits, except where the guest segment reaches the monitor region: there
      // the hardware's stops below it (checklist 1).
      if (base + vlim < MONITOR_BASE ? hlim !== vlim : hlim > vlim || base + hlim >= MONITOR_BASE) {
        return `segment ${s} limit hw ${hlim.toString(16)} vcpu ${vlim.toString(16)} (base ${base.toString(16)})`;
      }
    }
  }
  return '';
}

describe('checklist 3: in DE the hardware holds the virtual CPU\'s unprivileged state (random CPL-3 programs)', () => {
  const SEEDS = 24;
  it(`${SEEDS} random programs: every DE entry matches, transcript/dump/final state as native and under always-bt`, { timeout: 60_000 }, () => {
    let entries = 0;
    let flagChanges = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const g = userGuest(seed);
      const native = runGuest(g, {});
      let lastFlags = -1;
      const bad: string[] = [];
      const de = runGuest(g, { monitor: 'vmware' }, (hw, vcpu) => {
        entries++;
        const f = vcpu.getFlags();
        if (f !== lastFlags) flagChanges++;
        lastFlags = f;
        const why = deMismatch(hw, vcpu);
        if (why !== '' && bad.length < 3) bad.push(`seed ${seed}, DE entry at ${vcpu.eip.toString(16)}: ${why}`);
      });
      expect(bad.join('\n')).toBe('');
      expect(de.out, `seed ${seed}: transcript`).toBe(native.out);
      expect(de.dump, `seed ${seed}: register dump`).toEqual(native.dump);
      expect(de.regs, `seed ${seed}: final CPU state`).toEqual(native.regs);
      const bt = runGuest(g, { monitor: 'vmware', decision: 'always-bt' });
      expect(bt.out, `seed ${seed}: transcript under always-bt`).toBe(native.out);
      expect(bt.dump, `seed ${seed}: register dump under always-bt`).toEqual(native.dump);
    }
    // Meaningful only if DE ran often, with varying flags.
    expect(entries).toBeGreaterThan(SEEDS * 10);
    expect(flagChanges).toBeGreaterThan(SEEDS * 3);
  });

  it('the check catches a hardware state that differs from the vCPU\'s', () => {
    // Corrupt the hardware after the monitor loaded it (as a broken DE entry would): the
    // comparison reports it.
    const found: string[] = [];
    for (let seed = 1; found.length === 0 && seed < 10; seed++) {
      runGuest(userGuest(seed), { monitor: 'vmware' }, (hw, vcpu) => {
        const saved = hw.getFlags();
        hw.setFlags(saved ^ 0x1000, -1);
        found.push(deMismatch(hw, vcpu));
        hw.setFlags(saved, -1);
      });
    }
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((w) => w.startsWith('EFLAGS'))).toBe(true);
  });
});

// ---- checklist 4: kernels rewriting their own code under BT -----------------------------

/**
 * A routine of 10-byte slots at ROUTINE (CPL 0, so translated): ALU on EAX/EBX/ECX/ESI/EDI
 * with an immediate (6 bytes + 4 nops), or a store into another slot of the routine (so a
 * translation is rewritten by its own unit, before or after the store), ending in ret.
 */
const SLOTS = 14;
const ALU_REGS = [0, 1, 3, 6, 7];

function aluSlot(r: () => number): number[] {
  const op = [0, 1, 4, 5, 6][Math.floor(r() * 5)] as number; // add or and sub xor
  return [0x81, 0xc0 | (op << 3) | (ALU_REGS[Math.floor(r() * ALU_REGS.length)] as number), ...u32(Math.floor(r() * 0x100000000)), 0x90, 0x90, 0x90, 0x90];
}

/** A store rewriting part of slot `k`: its immediate or its ModRM (operation and register). */
function patch(r: () => number, k: number, alias: boolean): number[] {
  const at = (alias ? ALIAS : 0) + ROUTINE + k * 10;
  if (r() < 0.6) return [0xc7, 0x05, ...u32(at + 2), ...u32(Math.floor(r() * 0x100000000))]; // mov dword [at+2], imm
  const op = [0, 1, 4, 5, 6][Math.floor(r() * 5)] as number;
  return [0xc6, 0x05, ...u32(at + 1), 0xc0 | (op << 3) | (ALU_REGS[Math.floor(r() * ALU_REGS.length)] as number)]; // mov byte [at+1], modrm
}

function smcGuest(seed: number): Guest {
  const r = rng(seed);
  // Stores only ever rewrite ALU slots (a rewritten store slot could store anywhere).
  const isStore = Array.from({ length: SLOTS }, () => r() < 0.25);
  const alu = [...isStore.keys()].filter((k) => !isStore[k]);
  const aluTarget = (): number => alu[Math.floor(r() * alu.length)] as number;
  const routine: number[] = [];
  for (let k = 0; k < SLOTS; k++) {
    if (isStore[k] === true && alu.length > 0) {
      const p = patch(r, aluTarget(), r() < 0.3);
      routine.push(...p, ...new Array<number>(10 - p.length).fill(0x90));
    } else routine.push(...aluSlot(r));
  }
  routine.push(0xc3);
  const main: number[] = [0x31, 0xc0, 0x31, 0xdb, 0x31, 0xc9, 0x31, 0xf6, 0x31, 0xff]; // zero EAX EBX ECX ESI EDI
  const rounds = 6 + Math.floor(r() * 6);
  const callRoutine = (): void => {
    const from = KCODE + kernelInit([]).length + main.length;
    main.push(0xe8, ...u32(ROUTINE - (from + 5)));
  };
  for (let i = 0; i < rounds; i++) {
    const calls = 1 + Math.floor(r() * 3);
    for (let c = 0; c < calls; c++) callRoutine();
    // Print EAX+EBX+ECX+ESI+EDI (kept in EDX), then patch the routine between executions.
    main.push(0x89, 0xc2, 0x01, 0xda, 0x01, 0xca, 0x01, 0xf2, 0x01, 0xfa, 0x50, 0x89, 0xd0); // mov edx,eax; add edx,...; push eax; mov eax,edx
    for (let b = 0; b < 4; b++) main.push(0xe6, 0xe9, 0xc1, 0xe8, 0x08); // out 0xe9, al; shr eax, 8
    main.push(0x58); // pop eax
    const patches = Math.floor(r() * 4);
    for (let p = 0; p < patches && alu.length > 0; p++) main.push(...patch(r, aluTarget(), r() < 0.4));
  }
  main.push(0xb0, 0x00, 0xe6, 0xf4); // exit
  return { descriptors: baseDescriptors([]), kernel: kernelInit(main), handler: [0xcf], user: [0xf4], routine };
}

describe('checklist 4: random kernels rewriting their translated code give the native transcript', () => {
  const SEEDS = 16;
  it(`${SEEDS} random self-modifying kernels under BT (direct and aliased stores, in and between executions)`, { timeout: 60_000 }, () => {
    let invalidations = 0;
    let translations = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const g = smcGuest(seed);
      const native = runGuest(g, {});
      const bt = runGuest(g, { monitor: 'vmware' });
      expect(bt.out, `seed ${seed}: transcript`).toBe(native.out);
      expect(bt.regs, `seed ${seed}: final CPU state`).toEqual(native.regs);
      const s = bt.m.stats().monitor;
      invalidations += s?.invalidations ?? 0;
      translations += s?.translations ?? 0;
    }
    expect(translations).toBeGreaterThan(SEEDS * 3);
    expect(invalidations).toBeGreaterThan(SEEDS);
  });
});

describe('checklist 4: a code page remapped under the same linear address', () => {
  // Found by this file: the translation cache keyed CCFs by guest linear EIP and context
  // only, so when the guest's page tables changed which physical page backs that EIP (a
  // PTE rewrite + INVLPG, or a CR3 switch between address spaces with different code at
  // one address) the old CCF kept running under BT. Now a lookup checks the CCF's physical
  // pages and the monitor unchains the TC when the virtual CPU's TLB epoch moves.
  // Linear 0x100000 is mapped in turn to routine A (physical 0xd000, returns 'A') and
  // routine B (0xe000, returns 'B'); each mapping is called twice. The switch is a PTE
  // rewrite + INVLPG, or (`viaCr3`) a CR3 switch to a second address space (PD2/PT2).
  const PD2 = 0xf000;
  const PT2 = 0x7000;
  const remapGuest = (viaCr3 = false): Guest => {
    const LIN = 0x100000;
    const main: number[] = [];
    const callLin = (): void => {
      const from = KCODE + kernelInit([]).length + main.length;
      main.push(0xe8, ...u32(LIN - (from + 5)), 0xe6, 0xe9); // call LIN; out 0xe9, al
    };
    const mapTo = (phys: number): void => {
      if (viaCr3) {
        main.push(0xb8, ...u32(phys === 0xd000 ? PD : PD2), 0x0f, 0x22, 0xd8); // mov eax, PD or PD2; mov cr3, eax
        return;
      }
      main.push(0xc7, 0x05, ...u32(PT + (LIN >>> 12) * 4), ...u32(phys | 7)); // mov dword [PTE], phys|7
      main.push(0x0f, 0x01, 0x3d, ...u32(LIN)); // invlpg [LIN]
    };
    for (let i = 0; i < 3; i++) {
      mapTo(0xd000);
      callLin();
      callLin();
      mapTo(0xe000);
      callLin();
      callLin();
    }
    main.push(0xb0, 0x00, 0xe6, 0xf4);
    return {
      descriptors: baseDescriptors([]), kernel: kernelInit(main), handler: [0xcf], user: [0xf4], routine: [],
      more: [
        [0xd000, [0xb0, 0x41, 0xc3]],
        [0xe000, [0xb0, 0x42, 0xc3]],
        [PT + (LIN >>> 12) * 4, u32(0xd007)],
        [PD2, [...u32(PT2 | 7), ...u32(PT | 7)]],
        [PT2, Array.from({ length: 1024 }, (_, i) => u32(i === LIN >>> 12 ? 0xe007 : (i << 12) | 7)).flat()],
      ],
    };
  };

  it('natively and on the virtual CPU alone (translate: false) the new bytes run', () => {
    for (const viaCr3 of [false, true]) {
      expect(runGuest(remapGuest(viaCr3), {}).out).toBe('AABBAABBAABB');
      expect(runGuest(remapGuest(viaCr3), { monitor: 'vmware', translate: false }).out).toBe('AABBAABBAABB');
    }
  });

  it('under BT the new bytes run too (PTE rewrite + INVLPG)', () => {
    expect(runGuest(remapGuest(), { monitor: 'vmware' }).out).toBe('AABBAABBAABB');
  });

  it('under BT the new bytes run too (CR3 switch)', () => {
    expect(runGuest(remapGuest(true), { monitor: 'vmware' }).out).toBe('AABBAABBAABB');
  });
});
