// System test: Debian 12's unmodified i386 kernel (686 flavour) with the standard busybox
// initramfs boots natively under `vmm86 run`, answers commands typed at its shell prompt,
// and powers off; run twice side by side, the two serial transcripts are byte-identical;
// the kernel log carries no warning outside the documented allow-list.
//
// The guest images come from tools/fetch-guests (the test setup runs it). Without them the
// test is skipped, unless CI is set: CI fetches the guests first, so there it fails.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CPUID_FEATURES, CPUID_SIGNATURE } from '@vmm86/cpu-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
const CACHE = process.env['VMM86_CACHE'] ?? join(homedir(), '.cache/vmm86');
const inCi = !!process.env['CI'] && process.env['CI'] !== 'false' && process.env['CI'] !== '0';

interface Manifest {
  kernel?: { bzImage?: string; release?: string };
  initramfs?: string | { file?: string };
}

function guestImages(): { kernel: string; initramfs: string } | string {
  const where = join(CACHE, 'manifest.json');
  if (!existsSync(where)) return `no guest manifest at ${where}`;
  const m = JSON.parse(readFileSync(where, 'utf8')) as Manifest;
  const kernel = m.kernel?.bzImage;
  const initramfs = typeof m.initramfs === 'string' ? m.initramfs : m.initramfs?.file;
  if (kernel === undefined || !existsSync(kernel)) return `the manifest names no kernel bzImage`;
  if (initramfs === undefined || !existsSync(initramfs)) return `the manifest names no initramfs`;
  return { kernel, initramfs };
}

/** The commands the issue asks for, typed at the prompt; then a forced power-off. */
const SCRIPT = String.raw`# vmm86 system test session
expect vmm86:/# 
send uname -a; cat /proc/cpuinfo; cat /proc/interrupts; ls /; echo do''ne\n
expect done
expect vmm86:/# 
send poweroff -f\n
`;

/** Names /proc/cpuinfo gives the CPUID.1 EDX feature bits (arch/x86/include/asm/cpufeatures.h). */
const EDX_FLAGS: readonly (string | undefined)[] = [
  'fpu', 'vme', 'de', 'pse', 'tsc', 'msr', 'pae', 'mce', 'cx8', 'apic', undefined, 'sep', 'mtrr', 'pge', 'mca', 'cmov',
  'pat', 'pse36', 'pn', 'clflush', undefined, 'dts', 'acpi', 'mmx', 'fxsr', 'sse', 'sse2', 'ss', 'ht', 'tm', 'ia64', 'pbe',
];

/**
 * Kernel log lines that match the warning patterns but are expected on this machine, each
 * with the reason. Everything else that matches fails the test.
 */
const ALLOWED: readonly [RegExp, string][] = [
  [/ACPI BIOS Error \(bug\): A valid RSDP was not found/, 'no ACPI tables: the board has no BIOS with direct kernel boot'],
];
/** What a kernel log line must not say (case matters: "BUG:" is the kernel's, "bugs :" is /proc/cpuinfo's). */
const SUSPICIOUS = /BUG|WARNING|Oops|unknown NMI|[Ss]purious|[Cc]alibration failed|Call Trace|[Pp]anic|segfault|unchecked MSR|\bError\b|\bFailed\b|invalid opcode/;
/** Kernel log lines carry a printk timestamp; command output does not. */
const KERNEL_LINE = /^\[\s*\d+\.\d+\] /;

interface Run {
  status: number | null;
  serial: Buffer;
  stderr: string;
}

function vmm86Run(kernel: string, initramfs: string, dir: string, name: string): Promise<Run> {
  const script = join(dir, 'session.script');
  writeFileSync(script, SCRIPT);
  const serialFile = join(dir, `${name}.serial`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=source', '--import', 'tsx', 'src/main.ts', 'run',
        '--kernel', kernel, '--initrd', initramfs, '--append', 'console=ttyS0', '--mem', '128M',
        '--serial', `file:${serialFile}`, '--script', script, '--max-instructions', '12000000000',
      ],
      { cwd: CLI_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, serial: readFileSync(serialFile), stderr }));
  });
}

const images = guestImages();

describe('Debian 12 i386 Linux on vmm86 (--monitor none)', () => {
  if (typeof images === 'string') {
    if (inCi) it('has the guest images (CI)', () => expect.fail(`${images}: CI must run tools/fetch-guests first`));
    else it.skip(`skipped: ${images} (run tools/fetch-guests to enable)`, () => {});
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vmm86-linux-'));
  // The transcripts stay for a look when a test failed.
  let failed = false;
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(() => {
    if (failed) console.log(`vmm86 Linux test: transcripts kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  // Two runs side by side: the session of the first is checked, and the second must match it byte for byte.
  let runs: Promise<[Run, Run]> | undefined;
  const both = (): Promise<[Run, Run]> => (runs ??= Promise.all([vmm86Run(images.kernel, images.initramfs, dir, 'a'), vmm86Run(images.kernel, images.initramfs, dir, 'b')]));

  it('boots to the busybox prompt, answers the commands and powers off with status 0', async () => {
    const [a] = await both();
    const out = a.serial.toString('latin1');
    expect(a.stderr).toMatch(/vmm86: the guest halted the CPU with interrupts disabled/);
    expect(a.status, a.stderr).toBe(0);
    expect(out).toContain('vmm86-initramfs: ready');
    // uname -a: Debian's 6.1 kernel, 686 flavour.
    expect(out).toMatch(/Linux \S+ 6\.1\.\d+-\d+-686 #1 SMP .* i686 GNU\/Linux/);
    // /proc/cpuinfo: the CPUID family/model/stepping and exactly the feature flags we advertise.
    expect(out).toMatch(/vendor_id\s*: GenuineIntel/);
    expect(out).toMatch(new RegExp(`cpu family\\s*: ${(CPUID_SIGNATURE >> 8) & 0xf}\\r?\\n`));
    expect(out).toMatch(new RegExp(`model\\s*: ${(CPUID_SIGNATURE >> 4) & 0xf}\\r?\\n`));
    expect(out).toMatch(new RegExp(`stepping\\s*: ${CPUID_SIGNATURE & 0xf}\\r?\\n`));
    const flags = new Set((/flags\s*: (.*)\r?\n/.exec(out)?.[1] ?? '').trim().split(/\s+/));
    EDX_FLAGS.forEach((name, bit) => {
      if (name === undefined) return;
      const advertised = ((CPUID_FEATURES >>> bit) & 1) === 1;
      expect(flags.has(name), `cpuinfo flag ${name} (CPUID.1:EDX bit ${bit})`).toBe(advertised);
    });
    // /proc/interrupts: the PIT timer and the serial port have been interrupting.
    const interrupts = /CPU0[\s\S]*?PIW:.*/.exec(out)?.[0] ?? '(no /proc/interrupts table in the output)';
    const timer = /^ *0: +(\d+) +XT-PIC +timer/m.exec(interrupts);
    const serial = /^ *4: +(\d+) +XT-PIC +ttyS0/m.exec(interrupts);
    expect(Number(timer?.[1] ?? 0), interrupts).toBeGreaterThan(100);
    expect(Number(serial?.[1] ?? 0), interrupts).toBeGreaterThan(10);
    // ls / (what follows the /proc/interrupts table, whose last row is PIW, up to "done"), in columns
    const end = out.indexOf('\r\ndone\r\n');
    expect(end, 'the marker printed by echo done').toBeGreaterThan(0);
    const ls = out.slice(out.indexOf(interrupts) + interrupts.length, end).trim().split(/\s+/).sort();
    expect(ls).toEqual(['bin', 'dev', 'etc', 'init', 'linuxrc', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr']);
  }, 1_800_000);

  it('is deterministic: a second run gives a byte-identical serial transcript', async () => {
    const [a, b] = await both();
    expect(b.status, b.stderr).toBe(0);
    expect(b.serial.length).toBe(a.serial.length);
    expect(b.serial.equals(a.serial)).toBe(true);
  }, 1_800_000);

  it('logs no warning outside the documented allow-list', async () => {
    const [a] = await both();
    const lines = a.serial.toString('latin1').split(/\r?\n/).filter((l) => KERNEL_LINE.test(l));
    expect(lines.length).toBeGreaterThan(200);
    const unexpected = lines.filter((l) => SUSPICIOUS.test(l) && !ALLOWED.some(([re]) => re.test(l)));
    expect(unexpected).toEqual([]);
  }, 1_800_000);
});
