// The machine end to end on small guests: the repo's Multiboot test kernels, and
// hand-assembled programs for each way a run can end, the VGA grid, A20, BIOS boot and
// virtual time.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMachine, loadMultiboot, loadRaw, type Machine, type MachineConfig, type RunResult } from '../src/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function machineWith(config: MachineConfig = {}): { m: Machine; debug: () => string } {
  let out = '';
  const m = createMachine({ memoryBytes: 16 << 20, debugcon: { write: (b) => (out += String.fromCharCode(b)) }, ...config });
  return { m, debug: () => out };
}

/** Runs to a stop (or a wait) with a generous instruction limit. */
function runToEnd(m: Machine, maxInstructions = 50_000_000): RunResult {
  for (;;) {
    const r = m.run({ wallMs: 10_000, maxInstructions, inputClosed: true });
    if (r.kind !== 'running') return r;
  }
}

/** A flat 32-bit program at 1 MiB (or `at`). */
function raw(m: Machine, code: number[], at = 0x100000): void {
  m.enter(loadRaw(m.memory.ram, Uint8Array.from(code), at, { mode: 'flat32' }));
}

const OUT_E9 = [0xe6, 0xe9]; // out 0xe9, al
const EXIT = (v: number): number[] => [0xb0, v, 0xe6, 0xf4]; // mov al, v; out 0xf4, al

describe('Multiboot test kernels on the machine', () => {
  for (const dir of ['guests/cpu-tests', 'guests/x87-tests']) {
    for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.bin'))) {
      const name = file.slice(0, -4);
      it(`${dir}/${name}: debugcon transcript matches ${name}.expected and the exit port ends the run`, () => {
        const { m, debug } = machineWith({ memoryBytes: 32 << 20 });
        m.enter(loadMultiboot(m.memory.ram, new Uint8Array(readFileSync(join(ROOT, dir, file)))));
        const r = runToEnd(m);
        expect(r.kind === 'stopped' && r.reason, debug()).toBe('exit-port');
        expect(debug()).toBe(readFileSync(join(ROOT, dir, `${name}.expected`), 'utf8'));
      });
    }
  }
});

describe('how a run ends', () => {
  it('port 0xF4: status (value << 1) | 1, as QEMU isa-debug-exit', () => {
    const { m, debug } = machineWith();
    raw(m, [0xb0, 0x41, ...OUT_E9, ...EXIT(0x10)]);
    const r = runToEnd(m);
    expect(r).toMatchObject({ kind: 'stopped', reason: 'exit-port', exitCode: 0x21 });
    expect(debug()).toBe('A');
  });

  it('HLT with interrupts disabled: halted, status 0', () => {
    const { m } = machineWith();
    raw(m, [0xfa, 0xf4]); // cli; hlt
    expect(runToEnd(m)).toMatchObject({ kind: 'stopped', reason: 'halted', exitCode: 0 });
  });

  it('a triple fault shuts the CPU down: status 3 and the CPU state in the message', () => {
    const { m } = machineWith();
    // lidt [0x100010] (a zero-limit IDT); int3 -> #GP -> #DF -> shutdown
    raw(m, [0x0f, 0x01, 0x1d, 0x10, 0x00, 0x10, 0x00, 0xcc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const r = runToEnd(m);
    expect(r).toMatchObject({ kind: 'stopped', reason: 'shutdown', exitCode: 3 });
    expect(r.kind === 'stopped' && r.message).toMatch(/triple fault[\s\S]*EIP=00100007[\s\S]*CR0=/);
  });

  it('the instruction limit', () => {
    const { m } = machineWith();
    raw(m, [0xeb, 0xfe]); // jmp $
    expect(runToEnd(m, 1000)).toMatchObject({ kind: 'stopped', reason: 'instruction-limit' });
    expect(m.cpu.retired).toBe(1000);
  });

  it('a reset request (i8042 0xFE) ends the run', () => {
    const { m } = machineWith();
    raw(m, [0xb0, 0xfe, 0xe6, 0x64, 0xeb, 0xfe]); // mov al,0xfe; out 0x64,al; jmp $
    expect(runToEnd(m)).toMatchObject({ kind: 'stopped', reason: 'reset', exitCode: 0 });
  });

  it('an idle guest with no timer armed waits for input, and stops once input has ended', () => {
    const { m } = machineWith();
    raw(m, [0xfb, 0xf4, 0xeb, 0xfd]); // sti; hlt; jmp -3
    expect(m.run({ wallMs: 1000 })).toEqual({ kind: 'waiting', waitMs: Infinity });
    expect(m.run({ wallMs: 1000, inputClosed: true })).toMatchObject({ kind: 'stopped', reason: 'idle-forever', exitCode: 1 });
  });
});

describe('board', () => {
  it('VGA text written by the guest appears in the character grid', () => {
    const { m } = machineWith();
    // mov dword [0xb8000], 0x07690748 ('H', 'i' in attribute 7); exit
    raw(m, [0xc7, 0x05, 0x00, 0x80, 0x0b, 0x00, 0x48, 0x07, 0x69, 0x07, ...EXIT(0)]);
    runToEnd(m);
    expect(m.vga.text()[0]).toBe('Hi');
  });

  it('A20 is the OR of the i8042 output port and port 0x92', () => {
    const { m } = machineWith();
    // out 0x92, 0 (fast A20 off: the keyboard controller still holds it on); write 1 MiB + 0x500, read 0x500
    raw(m, [
      0x31, 0xc0, 0xe6, 0x92, // xor eax,eax; out 0x92,al
      0xc7, 0x05, 0x00, 0x05, 0x10, 0x00, 0x11, 0x11, 0x11, 0x11, // mov dword [0x100500], 0x11111111
      0xb0, 0xd1, 0xe6, 0x64, 0xb0, 0x01, 0xe6, 0x60, // i8042 output port = 0x01: A20 off
      0xc7, 0x05, 0x00, 0x05, 0x10, 0x00, 0x22, 0x22, 0x22, 0x22, // mov dword [0x100500] (now 0x500), 0x22222222
      ...EXIT(0),
    ], 0x10000); // below 1 MiB: with A20 off, code above it would wrap too
    runToEnd(m);
    const dv = new DataView(m.memory.ram.buffer);
    expect(dv.getUint32(0x100500, true)).toBe(0x11111111);
    expect(dv.getUint32(0x500, true)).toBe(0x22222222);
  });

  it('--bios: the ROM answers at the reset vector, below 4 GiB and below 1 MiB', () => {
    const { m, debug } = machineWith();
    const rom = new Uint8Array(0x10000).fill(0xff);
    // The reset vector (FFFFFFF0, CS base FFFF0000) far-jumps to F000:FFE0, the copy below
    // 1 MiB, which prints 'B' and the byte at F000:0000, then exits with 0x11.
    rom.set([0xb0, 0x42, ...OUT_E9, 0x2e, 0xa0, 0x00, 0x00, ...OUT_E9, ...EXIT(0x11)], 0xffe0);
    rom.set([0xea, 0xe0, 0xff, 0x00, 0xf0], 0xfff0); // jmp far f000:ffe0
    rom[0] = 0x43; // 'C'
    m.loadBios(rom);
    const r = runToEnd(m);
    expect(r).toMatchObject({ kind: 'stopped', reason: 'exit-port', exitCode: 0x23 });
    expect(debug()).toBe('BC');
  });
});

describe('virtual time', () => {
  it('advances 5 ns per instruction at 200 MHz, with the TSC ticking once per instruction', () => {
    const { m } = machineWith();
    raw(m, [0x0f, 0x31, 0x89, 0xc3, 0x0f, 0x31, 0x89, 0xc1, ...EXIT(0)]); // rdtsc; mov ebx,eax; rdtsc; mov ecx,eax
    runToEnd(m);
    expect((m.cpu.reg32[1] as number) - (m.cpu.reg32[3] as number)).toBe(2);
  });

  it('an I/O access takes 1 µs of bus time, seen by the TSC', () => {
    const { m } = machineWith();
    raw(m, [0x0f, 0x31, 0x89, 0xc3, 0xe4, 0x80, 0x0f, 0x31, 0x89, 0xc1, ...EXIT(0)]); // ...; in al,0x80; rdtsc; mov ecx,eax
    runToEnd(m);
    expect((m.cpu.reg32[1] as number) - (m.cpu.reg32[3] as number)).toBe(3 + 200);
  });

  it('HLT skips to the next timer: PIT channel 0 wakes the CPU after its period, deterministically', () => {
    const run = (): number[] => {
      const { m } = machineWith();
      // PIC: ICW1-4 master (vector 0x20), unmask IRQ 0; PIT ch0 mode 2, count 11932 (10 ms);
      // IDT entry 0x20 -> handler that counts in EDI, EOIs; sti; hlt until EDI = 3; exit.
      const code = [
        0xbc, 0x00, 0x00, 0x09, 0x00, // mov esp, 0x90000
        0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21, 0xb0, 0xfe, 0xe6, 0x21,
        0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x9c, 0xe6, 0x40, 0xb0, 0x2e, 0xe6, 0x40,
        0x0f, 0x01, 0x1d, 0x00, 0x20, 0x10, 0x00, // lidt [0x102000]
        0x31, 0xff, 0xfb, // xor edi,edi; sti
        0xf4, 0x83, 0xff, 0x03, 0x72, 0xfa, // hlt; cmp edi,3; jb hlt
        ...EXIT(0),
      ];
      const handler = [0x47, 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf]; // inc edi; push eax; mov al,0x20; out 0x20,al; pop eax; iret
      const m2 = m;
      raw(m2, code);
      const ram = m2.memory.ram;
      ram.set(handler, 0x101000);
      const dv = new DataView(ram.buffer);
      dv.setUint16(0x102000, 0x20 * 8 + 7, true); // IDT limit
      dv.setUint32(0x102002, 0x102010, true); // IDT base
      const gate = 0x102010 + 0x20 * 8; // 32-bit interrupt gate to 0x10:0x101000
      dv.setUint32(gate, (0x10 << 16) | 0x1000, true);
      dv.setUint32(gate + 4, 0x00108e00 | 0x0000, true);
      const r = runToEnd(m2);
      expect(r.kind === 'stopped' && r.message).toBe('the guest wrote 0x0 to the exit port 0xf4');
      return [m2.now(), m2.cpu.retired, m2.stats().irqs[0] as number];
    };
    const a = run();
    expect(a[2]).toBe(3);
    // The mode write raises OUT (the first interrupt, at once); two more periods of
    // 11932 / 1.193182 MHz (10.0 ms) each passed in virtual time, mostly halted.
    const period = (11932 / 1193182) * 1e9;
    expect(a[0]).toBeGreaterThan(2 * period);
    expect(a[0]).toBeLessThan(2 * period + 100e3);
    expect(a[1]).toBeLessThan(100);
    expect(run()).toEqual(a);
  });
});
