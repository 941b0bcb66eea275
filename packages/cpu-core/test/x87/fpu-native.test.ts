// Native confirmation of FPU details (this machine runs i386 code): a small static program
// built with i686-linux-gnu-gcc at test time (into node_modules/.cache) executes the same
// x87 sequences as the model; skipped when the cross compiler is missing.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACC_DB, type Cpu, createCpu, EFLAGS_ARITH, ramOnly, SEG_CS, SEG_DS } from '../../src/index.js';

const GCC = '/usr/bin/i686-linux-gnu-gcc';
const SOURCE = String.raw`#include <stdio.h>
#include <string.h>
static unsigned char v[10]={0,0,0,0,0,0,0,0x80,0xff,0x3f};
int main(void){
  unsigned int env[7]; unsigned short e16[7]; unsigned short cw, zero=0;
  memset(env,0,sizeof env); memset(e16,0,sizeof e16);
  __asm__ volatile("fninit; fldt %1; fnstenv %0; fninit" : "=m"(env) : "m"(v));
  printf("env32 %x %x %x %x %x\n", env[0], env[1], env[2], env[4], env[6]);
  __asm__ volatile("fninit; fldt %1; .byte 0x66; fnstenv %0; fninit" : "=m"(e16) : "m"(v));
  printf("env16 %x %x %x %x %x\n", e16[0], e16[1], e16[2], e16[4], e16[6]);
  __asm__ volatile("fninit; fldcw %1; fnstcw %0; fninit" : "=m"(cw) : "m"(zero));
  printf("cw0 %x\n", cw);
  unsigned short rcs[4]={0x037f,0x077f,0x0b7f,0x0f7f}; unsigned char o[10];
#define C(ins) for(int r=0;r<4;r++){ __asm__ volatile("fninit; fldcw %1; " ins "; fstpt %0" : "=m"(o) : "m"(rcs[r])); printf(#ins " %d %02x%02x%02x%02x\n", r, o[3],o[2],o[1],o[0]); }
  C("fldpi") C("fldl2t") C("fldl2e") C("fldlg2") C("fldln2")
  unsigned int fl; unsigned short sw;
  __asm__ volatile("fninit; pushl $0x8d5; popfl; fld1; fldz; fcomi %%st(1),%%st; pushfl; popl %0; fnstsw %1; fninit" : "=r"(fl), "=m"(sw));
  printf("fcomi %x %x\n", fl & 0x8d5, sw);
  __asm__ volatile("fninit; fxam; fnstsw %0; fninit" : "=m"(sw));
  printf("fxam-empty %x\n", sw);
  return 0;
}
`;

function nativeOutput(): Map<string, string> | undefined {
  if (!existsSync(GCC)) return undefined;
  const dir = join(import.meta.dirname, '../../node_modules/.cache/x87-native');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'n.c'), SOURCE);
  execFileSync(GCC, ['-static', '-O0', '-o', join(dir, 'n'), join(dir, 'n.c')]);
  const out = execFileSync(join(dir, 'n'), { encoding: 'utf8' });
  const m = new Map<string, string>();
  for (const line of out.trim().split('\n')) {
    const k = line.split(' ');
    const n = k[0]?.startsWith('"') ? 2 : 1;
    m.set(k.slice(0, n).join(' '), k.slice(n).join(' '));
  }
  return m;
}

function make(code: readonly number[]): Cpu {
  const memory = ramOnly(1 << 20);
  const cpu = createCpu({ memory, hosted: true });
  cpu.loadSegmentReal(SEG_CS, 0);
  cpu.loadSegmentReal(SEG_DS, 0);
  cpu.cr0 |= 1;
  cpu.segAcc[SEG_CS] = (cpu.segAcc[SEG_CS] as number) | ACC_DB;
  cpu.segLimit[SEG_CS] = -1;
  cpu.segLimit[SEG_DS] = -1;
  cpu.segSel[SEG_CS] = 0x23;
  cpu.segSel[SEG_DS] = 0x2b;
  memory.ram.set(code, 0x100);
  memory.ram.set([0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f], 0x2000);
  cpu.eip = 0x100;
  return cpu;
}
const hex = (v: number): string => (v >>> 0).toString(16);
const u16 = (cpu: Cpu, a: number): number => (cpu.ram[a] as number) | ((cpu.ram[a + 1] as number) << 8);
const u32 = (cpu: Cpu, a: number): number => (u16(cpu, a) | (u16(cpu, a + 2) << 16)) >>> 0;

const native = nativeOutput();

describe.skipIf(native === undefined)('x87 details against the host CPU', () => {
  const get = (k: string): string => native?.get(k) ?? '(missing)';

  it('FNSTENV 32-bit and 16-bit protected-mode images (CW, SW, TW, FCS:FOP, FDS, reserved bits)', () => {
    // fninit; fld tbyte [ebx+0x2000] (the modrm the native build uses); fnstenv [0x3000]
    const cpu = make([0xdb, 0xe3, 0xdb, 0xab, 0x00, 0x20, 0, 0, 0xd9, 0x35, 0x00, 0x30, 0, 0,
      0xdb, 0xe3, 0xdb, 0xab, 0x00, 0x20, 0, 0, 0x66, 0xd9, 0x35, 0x00, 0x31, 0, 0]);
    cpu.run(6);
    const e32 = [0, 4, 8, 16, 24].map((o) => hex(u32(cpu, 0x3000 + o))).join(' ');
    const e16 = [0, 2, 4, 8, 12].map((o) => hex(u16(cpu, 0x3100 + o))).join(' ');
    expect(e32).toBe(get('env32'));
    expect(e16).toBe(get('env16'));
  });

  it('FLDCW 0 then FNSTCW: reserved bit 6 reads as 1', () => {
    const cpu = make([0xdb, 0xe3, 0xd9, 0x2d, 0x00, 0x40, 0, 0, 0xd9, 0x3d, 0x00, 0x41, 0, 0]);
    cpu.run(3);
    expect(hex(u16(cpu, 0x4100))).toBe(get('cw0'));
  });

  it('constants under the four rounding modes', () => {
    const ops: [string, number][] = [['fldpi', 0xeb], ['fldl2t', 0xe9], ['fldl2e', 0xea], ['fldlg2', 0xec], ['fldln2', 0xed]];
    for (const [name, op] of ops) {
      for (let rc = 0; rc < 4; rc++) {
        const cpu = make([0xdb, 0xe3, 0xd9, 0x2d, 0x00, 0x40, 0, 0, 0xd9, op]);
        cpu.ram.set([0x7f, 0x03 | (rc << 2)], 0x4000);
        cpu.run(3);
        const lo = cpu.fpu.lo[cpu.fpu.phys(0)] as number;
        expect(lo.toString(16).padStart(8, '0'), `${name} rc=${rc}`).toBe(get(`"${name}" ${rc}`));
      }
    }
  });

  it('FCOMI: CF for less, OF SF AF PF ZF cleared; C1 cleared', () => {
    const cpu = make([0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xee, 0xdb, 0xf1, 0xdf, 0xe0]);
    cpu.run(3);
    cpu.setFlags(EFLAGS_ARITH, EFLAGS_ARITH);
    cpu.run(2);
    expect(`${hex(cpu.getFlags() & 0x8d5)} ${hex(cpu.reg16[0] as number)}`).toBe(get('fcomi'));
  });

  it('FXAM of an empty register: C3 C0', () => {
    const cpu = make([0xdb, 0xe3, 0xd9, 0xe5, 0xdf, 0xe0]);
    cpu.fpu.se.fill(0);
    cpu.run(3);
    expect(hex(cpu.reg16[0] as number)).toBe(get('fxam-empty'));
  });
});
