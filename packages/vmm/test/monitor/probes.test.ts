// The probes the technique cannot hide in direct execution (brief §3.3): CPL-3 code runs
// sgdt/sidt/sldt/str/smsw/lsl/lar/verr/verw on the hardware without trapping, so it sees
// the monitor's tables and truncated limits. A small CPL-3 program records each result;
// natively, under the monitor with the vmware decision (DE) and with always-bt (where
// they are callouts emulated on the virtual CPU), the results must be exactly those the
// README lists.

import { describe, expect, it } from 'vitest';
import { SEG_TR, segFlagsOf } from '@vmm86/cpu-core';
import { descAcc } from '@vmm86/segmentation';
import { createMachine, type Machine } from '../../src/index.js';

const CODE = 0x100000;
const GDT = 0x1000;
const OUT = 0x2000;
const IDT = 0x3000;

// prettier-ignore
const PROGRAM = [
  0x0f, 0x01, 0x05, 0x00, 0x20, 0x00, 0x00, // sgdt [0x2000]
  0x0f, 0x01, 0x0d, 0x08, 0x20, 0x00, 0x00, // sidt [0x2008]
  0x0f, 0x00, 0x05, 0x10, 0x20, 0x00, 0x00, // sldt [0x2010]
  0x0f, 0x00, 0x0d, 0x14, 0x20, 0x00, 0x00, // str  [0x2014]
  0x0f, 0x01, 0x25, 0x18, 0x20, 0x00, 0x00, // smsw [0x2018]
  0xb9, 0x23, 0x00, 0x00, 0x00, //             mov ecx, 0x23 (user data, DPL 3)
  0x0f, 0x03, 0xc1, //                         lsl eax, ecx
  0xa3, 0x1c, 0x20, 0x00, 0x00, //             mov [0x201c], eax
  0x0f, 0x02, 0xc1, //                         lar eax, ecx
  0xa3, 0x20, 0x20, 0x00, 0x00, //             mov [0x2020], eax
  0xb9, 0x10, 0x00, 0x00, 0x00, //             mov ecx, 0x10 (kernel data, DPL 0)
  0x0f, 0x02, 0xc1, //                         lar eax, ecx
  0x9c, 0x8f, 0x05, 0x24, 0x20, 0x00, 0x00, // pushf; pop dword [0x2024]
  0xb9, 0x23, 0x00, 0x00, 0x00, //             mov ecx, 0x23
  0x0f, 0x00, 0xe1, //                         verr cx
  0x9c, 0x8f, 0x05, 0x28, 0x20, 0x00, 0x00, // pushf; pop dword [0x2028]
  0x0f, 0x00, 0xe9, //                         verw cx
  0x9c, 0x8f, 0x05, 0x2c, 0x20, 0x00, 0x00, // pushf; pop dword [0x202c]
  0xf4, //                                     hlt: #GP at CPL 3, no guest handler: shutdown
];

/** Flat 4 GiB descriptors: kernel code/data (DPL 0), user code/data (DPL 3), accessed. */
const DESCRIPTORS: [number, number][] = [
  [0, 0],
  [0x0000ffff, 0x00cf9b00],
  [0x0000ffff, 0x00cf9300],
  [0x0000ffff, 0x00cffb00],
  [0x0000ffff, 0x00cff300],
];

function put32(ram: Uint8Array, at: number, v: number): void {
  for (let i = 0; i < 4; i++) ram[at + i] = (v >>> (8 * i)) & 0xff;
}

function get32(ram: Uint8Array, at: number): number {
  return ((ram[at] as number) | ((ram[at + 1] as number) << 8) | ((ram[at + 2] as number) << 16) | ((ram[at + 3] as number) << 24)) >>> 0;
}

/** Puts the CPU at CPL 3 in the program, protected mode without paging, IF = 1, IOPL 0. */
function setUp(m: Machine): void {
  const ram = m.memory.ram;
  DESCRIPTORS.forEach(([lo, hi], i) => {
    put32(ram, GDT + i * 8, lo);
    put32(ram, GDT + i * 8 + 4, hi);
  });
  ram.set(PROGRAM, CODE);
  const cpu = m.cpu;
  cpu.setCr0(0x11);
  cpu.gdtBase = GDT;
  cpu.gdtLimit = DESCRIPTORS.length * 8 - 1;
  cpu.idtBase = IDT;
  cpu.idtLimit = 0x7ff;
  cpu.segSel[SEG_TR] = 0x28;
  cpu.cpl = 3;
  cpu.setFlags(0x202, -1);
  for (let s = 0; s < 6; s++) {
    const user = s === 1 ? 0x1b : 0x23;
    const hi = (DESCRIPTORS[user >>> 3] as [number, number])[1];
    cpu.segSel[s] = user;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = -1;
    cpu.segAcc[s] = descAcc(hi);
    cpu.segFlags[s] = segFlagsOf(descAcc(hi));
  }
  cpu.reg32[4] = 0x4000;
  cpu.eip = CODE;
  cpu.invalidateCode(0, ram.length);
}

interface Probes {
  sgdt: [number, number];
  sidt: [number, number];
  sldt: number;
  str: number;
  smsw: number;
  lsl: number;
  lar: number;
  larKernelZf: number;
  verrZf: number;
  verwZf: number;
}

function probe(config: Parameters<typeof createMachine>[0]): { probes: Probes; m: Machine } {
  const m = createMachine({ memoryBytes: 4 << 20, ...config });
  setUp(m);
  for (;;) if (m.run({ wallMs: 10_000, maxInstructions: 10_000 }).kind !== 'running') break;
  const ram = m.memory.ram;
  const lo16 = (at: number): number => get32(ram, at) & 0xffff;
  const zf = (at: number): number => (get32(ram, at) >>> 6) & 1;
  return {
    m,
    probes: {
      sgdt: [lo16(OUT), get32(ram, OUT + 2)],
      sidt: [lo16(OUT + 8), get32(ram, OUT + 10)],
      sldt: lo16(OUT + 0x10),
      str: lo16(OUT + 0x14),
      smsw: lo16(OUT + 0x18),
      lsl: get32(ram, OUT + 0x1c),
      lar: get32(ram, OUT + 0x20),
      larKernelZf: zf(OUT + 0x24),
      verrZf: zf(OUT + 0x28),
      verwZf: zf(OUT + 0x2c),
    },
  };
}

const NATIVE: Probes = {
  sgdt: [0x27, GDT],
  sidt: [0x7ff, IDT],
  sldt: 0,
  str: 0x28,
  smsw: 0x11,
  lsl: 0xffffffff,
  lar: 0x00c0f300, // LAR keeps bytes 5-6 of the descriptor minus limit 19:16
  larKernelZf: 0,
  verrZf: 1,
  verwZf: 1,
};

describe('DE probes at CPL 3', () => {
  it('natively: the guest values', () => {
    expect(probe({}).probes).toEqual(NATIVE);
  });

  it('--monitor vmware (DE): sgdt, sidt, str and lsl show the monitor; the rest match', () => {
    const { probes, m } = probe({ monitor: 'vmware' });
    expect(m.stats().monitor?.decisions.user).toBeGreaterThan(0);
    expect(probes).toEqual({
      ...NATIVE,
      sgdt: [0xffff, 0xffc01000], // the monitor's GDT in the monitor region
      sidt: [0, 0], // the hardware IDT is unused in hosted mode
      str: 0, // the hardware TR
      lsl: 0xffbfffff, // truncated below the monitor region
    });
  });

  it('--decision always-bt: every probe is a callout and shows the guest values', () => {
    const { probes, m } = probe({ monitor: 'vmware', decision: 'always-bt' });
    expect(m.stats().monitor?.deInstructions).toBe(0);
    expect(probes).toEqual(NATIVE);
  });
});
