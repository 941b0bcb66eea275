// `pnpm bench` (vmm): Debian 12's i386 Linux with the busybox initramfs, from power-on to
// the shell prompt, then a compute loop in the guest's shell — on vmm86 (natively, in this
// process) and, when it is installed, on qemu-system-i386 with TCG, side by side in one
// run. Wall times are taken when the guest prints the markers; vmm86 also reports guest
// instructions. Needs the guest images (tools/fetch-guests); prints why when they are absent.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ScriptedConsole, createMachine, loadKernel } from '../src/index.js';

const CACHE = process.env['VMM86_CACHE'] ?? join(homedir(), '.cache/vmm86');
const ITERATIONS = 20_000;
const PROMPT = 'vmm86:/# ';
const LOOP = `echo loop-st''art; i=0; while [ $i -lt ${ITERATIONS} ]; do i=$((i+1)); done; echo loop-e''nd\n`;

interface Result {
  bootSeconds: number;
  loopSeconds: number;
  bootInstructions?: number;
  loopInstructions?: number;
}

function images(): { kernel: string; initramfs: string } | undefined {
  const where = join(CACHE, 'manifest.json');
  if (!existsSync(where)) return undefined;
  const m = JSON.parse(readFileSync(where, 'utf8')) as { kernel?: { bzImage?: string }; initramfs?: string };
  if (m.kernel?.bzImage === undefined || m.initramfs === undefined) return undefined;
  return { kernel: m.kernel.bzImage, initramfs: m.initramfs };
}

function vmm86(kernel: string, initramfs: string): Result {
  const marks: { wall: number; insns: number }[] = [];
  const late: { input?: (b: Uint8Array) => void; retired?: () => number } = {};
  const console = new ScriptedConsole(
    [{ expect: PROMPT, send: LOOP }, { expect: 'loop-start\r\n' }, { expect: 'loop-end\r\n' }, { expect: PROMPT, send: 'poweroff -f\n' }],
    (bytes) => late.input?.(bytes),
  );
  console.onMatch = () => marks.push({ wall: performance.now(), insns: late.retired?.() ?? 0 });
  const machine = createMachine({ serial: console });
  late.input = (bytes) => machine.input(bytes);
  late.retired = () => machine.cpu.retired;
  machine.enter(loadKernel(machine.memory.ram, new Uint8Array(readFileSync(kernel)), { initrd: new Uint8Array(readFileSync(initramfs)), cmdline: 'console=ttyS0' }));
  const start = performance.now();
  machine.startClock();
  for (;;) {
    const r = machine.run({ wallMs: 1000, inputClosed: true, maxInstructions: 30e9 });
    if (r.kind === 'stopped') {
      if (!console.done) throw new Error(`vmm86: the guest stopped (${r.message}) while waiting for ${JSON.stringify(console.waitingFor)}`);
      break;
    }
  }
  const [boot, loopStart, loopEnd] = marks as [(typeof marks)[0], (typeof marks)[0], (typeof marks)[0]];
  return {
    bootSeconds: (boot.wall - start) / 1000,
    loopSeconds: (loopEnd.wall - loopStart.wall) / 1000,
    bootInstructions: boot.insns,
    loopInstructions: loopEnd.insns - loopStart.insns,
  };
}

function qemu(kernel: string, initramfs: string): Promise<Result | string> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(
      'qemu-system-i386',
      ['-accel', 'tcg', '-cpu', 'pentium2', '-m', '128M', '-kernel', kernel, '-initrd', initramfs, '-append', 'console=ttyS0', '-nographic', '-no-reboot', '-monitor', 'none'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    const marks: number[] = [];
    const timer = setTimeout(() => child.kill(), 600_000);
    child.on('error', (err) => resolve(`qemu-system-i386 not runnable: ${err.message}`));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (marks.length === 0 && out.includes(PROMPT)) {
        marks.push(performance.now());
        child.stdin.write(LOOP);
      }
      if (marks.length === 1 && out.includes('loop-start\r\n')) marks.push(performance.now());
      if (marks.length === 2 && out.includes('loop-end\r\n')) {
        marks.push(performance.now());
        child.stdin.write('poweroff -f\n');
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (marks.length < 3) resolve(`qemu did not complete the session (${marks.length} of 3 marks)`);
      else resolve({ bootSeconds: ((marks[0] as number) - start) / 1000, loopSeconds: ((marks[2] as number) - (marks[1] as number)) / 1000 });
    });
  });
}

const found = images();
if (found === undefined) {
  console.log(`boot benchmark skipped: no guest images in ${CACHE} (run tools/fetch-guests)`);
} else {
  const ours = vmm86(found.kernel, found.initramfs);
  const theirs = await qemu(found.kernel, found.initramfs);
  const f = (n: number): string => n.toFixed(2).padStart(9);
  const g = (n: number | undefined): string => (n === undefined ? '—' : `${(n / 1e9).toFixed(2)} G`).padStart(12);
  console.log('\n| Debian 12 i386 boot (console=ttyS0)         | to prompt, s | guest insns | loop, s | loop insns | loop iter/s |');
  console.log('|---------------------------------------------|--------------|-------------|---------|------------|-------------|');
  const row = (name: string, r: Result): void =>
    console.log(`| ${name.padEnd(43)} | ${f(r.bootSeconds)}    | ${g(r.bootInstructions)}| ${f(r.loopSeconds)}| ${g(r.loopInstructions)} | ${(ITERATIONS / r.loopSeconds).toFixed(0).padStart(11)} |`);
  row('vmm86 --monitor none (interpreter)', ours);
  if (typeof theirs === 'string') console.log(`| qemu-system-i386 -accel tcg: ${theirs}`);
  else {
    row('qemu-system-i386 -accel tcg -cpu pentium2', theirs);
    console.log(`\nvmm86 / QEMU TCG: boot ${(ours.bootSeconds / theirs.bootSeconds).toFixed(1)}x, loop ${(ours.loopSeconds / theirs.loopSeconds).toFixed(1)}x the wall time`);
  }
  console.log(`vmm86 guest speed: ${((ours.bootInstructions ?? 0) / ours.bootSeconds / 1e6).toFixed(1)} MIPS to the prompt, ${((ours.loopInstructions ?? 0) / ours.loopSeconds / 1e6).toFixed(1)} MIPS in the loop (${ITERATIONS} shell iterations)`);
}
