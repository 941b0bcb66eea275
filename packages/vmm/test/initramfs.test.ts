import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CpioEntry, CpioError, buildCpio, cpioPath } from '../src/initramfs.js';

interface Parsed {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdevmajor: number;
  rdevminor: number;
  data: Uint8Array;
}

/** An independent newc reader: checks the magic, the padding and the trailer as it goes. */
function parseCpio(archive: Uint8Array): Parsed[] {
  const text = (a: number, n: number): string => String.fromCharCode(...archive.subarray(a, a + n));
  const out: Parsed[] = [];
  let at = 0;
  for (;;) {
    expect(at % 4).toBe(0);
    expect(text(at, 6)).toBe('070701');
    const f = Array.from({ length: 13 }, (_, i) => Number.parseInt(text(at + 6 + i * 8, 8), 16));
    const [ino, mode, uid, gid, nlink, mtime, filesize, , , rdevmajor, rdevminor, namesize, check] = f as [number, number, number, number, number, number, number, number, number, number, number, number, number];
    expect(check).toBe(0);
    const name = Buffer.from(archive.subarray(at + 110, at + 110 + namesize - 1)).toString('utf8');
    expect(archive[at + 110 + namesize - 1]).toBe(0);
    let p = at + 110 + namesize;
    while (p % 4 !== 0) expect(archive[p++]).toBe(0);
    const data = archive.subarray(p, p + filesize);
    p += filesize;
    while (p % 4 !== 0) expect(archive[p++]).toBe(0);
    at = p;
    if (name === 'TRAILER!!!') {
      expect(at).toBe(archive.length);
      return out;
    }
    out.push({ name, ino, mode, uid, gid, nlink, mtime, rdevmajor, rdevminor, data });
  }
}

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

const ENTRIES: CpioEntry[] = [
  { type: 'dir', path: '/bin' },
  { type: 'file', path: 'bin/busybox', data: bytes('\x7fELF fake busybox'), mode: 0o755 },
  { type: 'symlink', path: 'bin/sh', target: 'busybox' },
  { type: 'dir', path: './dev', mode: 0o700 },
  { type: 'char', path: 'dev/console', major: 5, minor: 1 },
  { type: 'block', path: 'dev/sda1', major: 8, minor: 1, mode: 0o660 },
  { type: 'file', path: 'init', data: bytes('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { type: 'file', path: 'empty', data: new Uint8Array(0) },
  { type: 'file', path: 'dir-less/ünïcode', data: bytes('abc') },
];

describe('buildCpio', () => {
  it('writes newc records that parse back, with deterministic metadata', () => {
    const archive = buildCpio(ENTRIES);
    expect(archive.length % 4).toBe(0);
    const parsed = parseCpio(archive);
    expect(parsed.map((p) => [p.name, p.ino, p.mode.toString(8), p.nlink, p.rdevmajor, p.rdevminor, Buffer.from(p.data).toString('utf8')])).toEqual([
      ['bin', 1, '40755', 2, 0, 0, ''],
      ['bin/busybox', 2, '100755', 1, 0, 0, '\x7fELF fake busybox'],
      ['bin/sh', 3, '120777', 1, 0, 0, 'busybox'],
      ['dev', 4, '40700', 2, 0, 0, ''],
      ['dev/console', 5, '20600', 1, 5, 1, ''],
      ['dev/sda1', 6, '60660', 1, 8, 1, ''],
      ['init', 7, '100755', 1, 0, 0, '#!/bin/sh\necho hi\n'],
      ['empty', 8, '100644', 1, 0, 0, ''],
      ['dir-less/ünïcode', 9, '100644', 1, 0, 0, 'abc'],
    ]);
    expect(parsed.every((p) => p.uid === 0 && p.gid === 0 && p.mtime === 0)).toBe(true);
    expect(buildCpio(ENTRIES)).toEqual(archive);
  });

  it('pads names and data to 4 bytes for every name length', () => {
    const entries: CpioEntry[] = ['a', 'bb', 'ccc', 'dddd', 'eeeee'].map((n, i) => ({ type: 'file', path: n, data: new Uint8Array(i).fill(0x41) }));
    const parsed = parseCpio(buildCpio(entries));
    expect(parsed.map((p) => [p.name, p.data.length])).toEqual([['a', 0], ['bb', 1], ['ccc', 2], ['dddd', 3], ['eeeee', 4]]);
  });

  it('an empty list is just the trailer', () => {
    const archive = buildCpio([]);
    expect(Buffer.from(archive.subarray(0, 6)).toString()).toBe('070701');
    expect(Buffer.from(archive.subarray(110, 120)).toString()).toBe('TRAILER!!!');
    expect(archive.length).toBe(124);
  });

  it.each<[CpioEntry[], string]>([
    [[{ type: 'dir', path: '/' }], "cpio: empty path '/'"],
    [[{ type: 'file', path: 'a/../../etc/passwd', data: new Uint8Array(0) }], "cpio: path 'a/../../etc/passwd' contains '..'"],
    [
      [
        { type: 'dir', path: 'dev' },
        { type: 'dir', path: '/dev/' },
      ],
      "cpio: duplicate path 'dev'",
    ],
    [[{ type: 'symlink', path: 'x', target: '' }], "cpio: symlink 'x' has an empty target"],
  ])('rejects %j', (entries, message) => {
    expect(() => buildCpio(entries)).toThrow(new CpioError(message));
  });

  it('normalises paths', () => {
    expect(cpioPath('/./a//b/')).toBe('a/b');
  });

  const cpio = spawnSync('cpio', ['--version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!cpio)(`agrees with cpio -t and cpio -i${cpio ? '' : ' (skipped: no cpio on PATH)'}`, () => {
    const archive = buildCpio(ENTRIES.filter((e) => e.type !== 'char' && e.type !== 'block'));
    const listing = spawnSync('cpio', ['-t', '--quiet'], { input: archive, encoding: 'utf8' });
    expect(listing.status).toBe(0);
    expect(listing.stdout.split('\n').filter((l) => l !== '')).toEqual(['bin', 'bin/busybox', 'bin/sh', 'dev', 'init', 'empty', 'dir-less/ünïcode']);
    const dir = mkdtempSync(join(tmpdir(), 'vmm86-cpio-'));
    try {
      writeFileSync(join(dir, 'a.cpio'), archive);
      const r = spawnSync('sh', ['-c', 'mkdir out && cd out && cpio -id --quiet < ../a.cpio'], { cwd: dir, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(readFileSync(join(dir, 'out/init'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
      expect(statSync(join(dir, 'out/init')).mode & 0o777).toBe(0o755);
      expect(readlinkSync(join(dir, 'out/bin/sh'))).toBe('busybox');
      expect(readFileSync(join(dir, 'out/dir-less/ünïcode'), 'utf8')).toBe('abc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
