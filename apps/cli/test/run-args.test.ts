import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { DEFAULT_GUEST, parseChardev, parseRunArgs, parseSize } from '../src/run-args.js';

describe('vmm86 run: arguments', () => {
  it('parses sizes as QEMU does (bare numbers are MiB)', () => {
    expect(parseSize('128', '--mem')).toBe(128 * 2 ** 20);
    expect(parseSize('128M', '--mem')).toBe(128 * 2 ** 20);
    expect(parseSize('1G', '--mem')).toBe(2 ** 30);
    expect(parseSize('65536K', '--mem')).toBe(64 * 2 ** 20);
    expect(parseSize('3G', '--mem')).toBe(3 * 2 ** 30);
    expect(() => parseSize('1M', '--mem')).toThrow('--mem: 1M is too small (at least 2M)');
    expect(() => parseSize('4G', '--mem')).toThrow('--mem: 4G is too large (at most 3G)');
    expect(() => parseSize('12k3', '--mem')).toThrow("--mem: bad size '12k3' (use e.g. 128M, 1G, 65536K)");
    expect(() => parseSize('4097K', '--mem')).toThrow('--mem: 4097K is not a multiple of 4 KiB');
  });

  it('parses character devices', () => {
    expect(parseChardev('stdio', '--serial')).toEqual({ kind: 'stdio' });
    expect(parseChardev('none', '--serial')).toEqual({ kind: 'none' });
    expect(parseChardev('file:/tmp/x', '--serial')).toEqual({ kind: 'file', path: '/tmp/x' });
    expect(() => parseChardev('tcp:1234', '--serial')).toThrow("--serial: 'tcp:1234' is not stdio, none or file:PATH");
  });

  it('takes the QEMU-style flags', () => {
    const a = parseRunArgs(['--kernel', 'k', '--initrd', 'i', '--append', 'console=ttyS0', '--mem', '256M', '--serial', 'file:out', '--debugcon', 'stdio', '--realtime', '--max-instructions', '1000', '--stats', '--monitor', 'none']);
    expect(a).toMatchObject({
      kernel: 'k', initrd: 'i', append: 'console=ttyS0', memoryBytes: 256 << 20, monitor: 'none',
      serial: { kind: 'file', path: 'out' }, debugcon: { kind: 'stdio' }, realtime: true, maxInstructions: 1000, stats: true,
    });
    const d = parseRunArgs(['--kernel', 'k']);
    expect(d).toMatchObject({ memoryBytes: 128 << 20, serial: { kind: 'stdio' }, debugcon: { kind: 'none' }, realtime: false, stats: false });
  });

  it('--monitor vmware and --decision', () => {
    expect(parseRunArgs(['--kernel', 'k', '--monitor', 'vmware'])).toMatchObject({ monitor: 'vmware', decision: 'vmware' });
    expect(parseRunArgs(['--kernel', 'k', '--monitor', 'vmware', '--decision', 'always-bt'])).toMatchObject({ decision: 'always-bt' });
    expect(parseRunArgs(['--kernel', 'k'])).toMatchObject({ monitor: 'none' });
  });

  it('boots the bundled demo OS when no guest is named', () => {
    const a = parseRunArgs([]);
    expect(a.kernel).toBe(DEFAULT_GUEST);
    expect(existsSync(DEFAULT_GUEST)).toBe(true);
    expect(parseRunArgs(['--append', 'fault']).append).toBe('fault');
    // The demo shows the monitor at work by default; --monitor none keeps it native.
    expect(parseRunArgs([])).toMatchObject({ monitor: 'vmware', stats: true });
    expect(parseRunArgs(['--monitor', 'none'])).toMatchObject({ monitor: 'none', stats: false });
    expect(parseRunArgs(['--decision', 'always-bt'])).toMatchObject({ monitor: 'vmware', decision: 'always-bt' });
    expect(parseRunArgs(['--kernel', 'k'])).toMatchObject({ monitor: 'none', stats: false });
  });

  it.each([
    [['--initrd', 'i'], 'run: --initrd needs --kernel'],
    [['--kernel', 'k', '--bios', 'b'], 'run: --kernel and --bios exclude each other'],
    [['--bios', 'b', '--initrd', 'i'], 'run: --initrd and --append need --kernel'],
    [['--kernel', 'k', '--monitor', 'kvm'], "--monitor: unknown monitor 'kvm' (available: none, vmware)"],
    [['--kernel', 'k', '--monitor', 'vmware', '--decision', 'nope'], "--decision: unknown decision strategy 'nope' (available: vmware, always-bt, no-v86)"],
    [['--kernel', 'k', '--decision', 'always-bt'], '--decision needs --monitor vmware'],
    [['--kernel', 'k', 'extra'], "run: unexpected argument 'extra' (try 'vmm86 run --help')"],
    [['--kernel', 'k', '--max-instructions', 'lots'], "--max-instructions: bad number 'lots' (use decimal or 0x-hex)"],
    [['--kernel', 'k', '--frob'], "Unknown option '--frob' (try 'vmm86 run --help')"],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseRunArgs(argv)).toThrow(message);
  });
});
