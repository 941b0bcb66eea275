// The machine under `monitor: 'vmware'`: every guest in guests/ must give the transcript it
// gives natively (the .expected files are the native transcripts), the monitor's own memory
// must come out of a run unchanged, and the decision must have sent demo-os's user
// processes to direct execution.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMachine, loadMultiboot, type Machine, type RunResult } from '../../src/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

interface Run {
  m: Machine;
  result: RunResult;
  out: string;
  hashBefore: number;
}

function run(file: string, port: 'e9' | 'com1', decision?: string, cmdline = '', translate = true): Run {
  let out = '';
  const sink = { write: (b: number) => (out += String.fromCharCode(b)) };
  const m = createMachine({
    memoryBytes: 32 << 20,
    monitor: 'vmware',
    translate,
    ...(decision !== undefined ? { decision } : {}),
    ...(port === 'e9' ? { debugcon: sink } : { serial: sink }),
  });
  m.enter(loadMultiboot(m.memory.ram, new Uint8Array(readFileSync(join(ROOT, file))), { cmdline }));
  const hashBefore = m.monitor?.monitorHash() ?? 0;
  let result: RunResult;
  for (;;) {
    result = m.run({ wallMs: 10_000, maxInstructions: 60_000_000, inputClosed: true });
    if (result.kind !== 'running') break;
  }
  return { m, result, out, hashBefore };
}

describe('Multiboot test kernels under the monitor', () => {
  for (const dir of ['guests/cpu-tests', 'guests/x87-tests']) {
    for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.bin'))) {
      const name = file.slice(0, -4);
      for (const decision of ['vmware', 'always-bt']) {
        it(`${dir}/${name} (--decision ${decision}): the native transcript, monitor memory unchanged`, () => {
          const r = run(join(dir, file), 'e9', decision);
          expect(r.result.kind === 'stopped' && r.result.reason, r.out).toBe('exit-port');
          expect(r.out).toBe(readFileSync(join(ROOT, dir, `${name}.expected`), 'utf8'));
          expect(r.m.monitor?.monitorHash()).toBe(r.hashBefore);
        });
      }
    }
  }
});

describe('isolation kernels (guests/escape-tests) under the monitor', () => {
  const dir = 'guests/escape-tests';
  for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.bin'))) {
    const name = file.slice(0, -4);
    // NAME.board marks lines where our board differs from QEMU's, so such a kernel is
    // compared with its native run here (escape-tests.test.ts ties that to NAME.expected).
    const board = existsSync(join(ROOT, dir, `${name}.board`));
    it(`${dir}/${name}: the native transcript, monitor memory unchanged`, { timeout: 300_000 }, () => {
      const r = run(join(dir, file), 'e9');
      expect(r.result.kind === 'stopped' && r.result.reason, r.out).toBe('exit-port');
      if (board) {
        let native = '';
        const m = createMachine({ memoryBytes: 32 << 20, debugcon: { write: (b) => (native += String.fromCharCode(b)) } });
        m.enter(loadMultiboot(m.memory.ram, new Uint8Array(readFileSync(join(ROOT, dir, file)))));
        for (;;) if (m.run({ wallMs: 10_000, maxInstructions: 60_000_000, inputClosed: true }).kind !== 'running') break;
        expect(r.out).toBe(native);
      } else {
        expect(r.out).toBe(readFileSync(join(ROOT, dir, `${name}.expected`), 'utf8'));
      }
      expect(r.m.monitor?.monitorHash()).toBe(r.hashBefore);
    });
  }
});

describe('guests/demo-os under the monitor', () => {
  const EXPECTED = readFileSync(join(ROOT, 'guests/demo-os/demo-os.expected'), 'utf8');

  it('prints demo-os.expected, user processes run by DE, the kernel by BT', { timeout: 120_000 }, () => {
    const r = run('guests/demo-os/demo-os.bin', 'com1');
    expect(r.result, r.out).toMatchObject({ kind: 'stopped', reason: 'exit-port', exitCode: 1 });
    expect(r.out).toBe(EXPECTED);
    const s = r.m.stats().monitor;
    expect(s).toBeDefined();
    if (s === undefined) return;
    expect(s.decisions.user, 'CPL-3 processes were never sent to DE').toBeGreaterThan(0);
    expect(s.decisions.cpl, 'the kernel was never kept out of DE').toBeGreaterThan(0);
    // Most of the demo's work is user computation: it must have run on the hardware.
    expect(s.deInstructions).toBeGreaterThan(r.m.stats().instructions / 2);
    expect(s.exits['int 128'], 'system calls from DE').toBeGreaterThan(0);
    expect(s.hiddenFaults).toBeGreaterThan(0);
    expect(s.btInstructions, 'the kernel never ran translated').toBeGreaterThan(0);
    expect(s.translations).toBeGreaterThan(0);
    expect(s.chainPatches).toBeGreaterThan(0);
    expect(s.callouts).toBeGreaterThan(0);
    expect(r.m.monitor?.monitorHash()).toBe(r.hashBefore);
  });

  it('without the translator, the run counts exactly the guest instructions of the native run', { timeout: 120_000 }, () => {
    // Virtual time is retired instructions: any instruction counted twice or lost between
    // DE and the monitor would move timer interrupts. (Under BT the hardware retires
    // translated instructions, so virtual time there is close to, not equal to, native.)
    const native = createMachine({ memoryBytes: 32 << 20 });
    native.enter(loadMultiboot(native.memory.ram, new Uint8Array(readFileSync(join(ROOT, 'guests/demo-os/demo-os.bin')))));
    for (;;) if (native.run({ wallMs: 10_000, maxInstructions: 60_000_000, inputClosed: true }).kind !== 'running') break;
    const r = run('guests/demo-os/demo-os.bin', 'com1', undefined, '', false);
    expect(r.out).toBe(EXPECTED);
    expect(r.m.stats().monitor?.btInstructions).toBe(0);
    expect(r.m.stats().instructions).toBe(native.stats().instructions);
  });

  it('--decision always-bt: the same transcript, nothing direct', { timeout: 120_000 }, () => {
    const r = run('guests/demo-os/demo-os.bin', 'com1', 'always-bt');
    expect(r.out).toBe(EXPECTED);
    expect(r.m.stats().monitor?.deInstructions).toBe(0);
    expect(r.m.stats().monitor?.decisions['forced-bt']).toBeGreaterThan(0);
  });

  it('command line `fault`: CLI at CPL 3 is the guest #GP, reported by the guest', { timeout: 120_000 }, () => {
    const r = run('guests/demo-os/demo-os.bin', 'com1', undefined, 'fault');
    expect(r.result).toMatchObject({ kind: 'stopped', reason: 'exit-port', exitCode: 5 });
    expect(r.out).toMatch(/demo-os: exception #GP \(vector 13\) err=0 eip=4[0-9a-f]{7} cs=1b cr2=[0-9a-f]{8} in pid 4\n/);
  });
});

describe('the monitor hash', () => {
  it('changes when monitor memory changes (so the checks above can fail)', () => {
    const m = createMachine({ memoryBytes: 4 << 20, monitor: 'vmware' });
    const mon = m.monitor;
    expect(mon).toBeDefined();
    if (mon === undefined) return;
    const before = mon.monitorHash();
    const at = (mon.monitorPage + 33) * 4096 + 8; // a byte of the monitor's TSS
    mon.host[at] = (mon.host[at] as number) ^ 1;
    expect(mon.monitorHash()).not.toBe(before);
  });

  it('--monitor none has no monitor', () => {
    expect(createMachine({ memoryBytes: 4 << 20 }).monitor).toBeUndefined();
  });

  it('an unknown decision strategy is refused with the valid names', () => {
    expect(() => createMachine({ memoryBytes: 4 << 20, monitor: 'vmware', decision: 'nope' })).toThrow(/valid strategies: vmware, always-bt, no-v86/);
  });
});
