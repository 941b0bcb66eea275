import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { USAGE, run } from '../src/cli.js';
import { INITRAMFS_USAGE } from '../src/initramfs.js';

interface Parsed {
  name: string;
  ino: number;
  mode: string;
  rdev: [number, number];
  data: string;
}

/** A newc reader written from the format description, independent of the writer. */
function parseCpio(archive: Uint8Array): Parsed[] {
  const buf = Buffer.from(archive);
  const out: Parsed[] = [];
  let at = 0;
  for (;;) {
    expect(buf.toString('latin1', at, at + 6)).toBe('070701');
    const field = (i: number): number => Number.parseInt(buf.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const namesize = field(11);
    const filesize = field(6);
    expect([field(2), field(3), field(5)]).toEqual([0, 0, 0]); // uid, gid, mtime
    const name = buf.toString('utf8', at + 110, at + 110 + namesize - 1);
    const dataAt = (at + 110 + namesize + 3) & ~3;
    const entry: Parsed = { name, ino: field(0), mode: field(1).toString(8), rdev: [field(9), field(10)], data: buf.toString('utf8', dataAt, dataAt + filesize) };
    at = (dataAt + filesize + 3) & ~3;
    if (name === 'TRAILER!!!') {
      expect(at).toBe(buf.length);
      return out;
    }
    out.push(entry);
  }
}

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vmm86-initramfs-'));
});
afterEach(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function tree(): string {
  const root = join(dir, 'root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'etc/init.d'), { recursive: true });
  writeFileSync(join(root, 'init'), '#!/bin/sh\nexec sh\n', { mode: 0o755 });
  writeFileSync(join(root, 'bin/busybox'), 'not really busybox', { mode: 0o755 });
  symlinkSync('busybox', join(root, 'bin/sh'));
  writeFileSync(join(root, 'etc/init.d/rcS'), 'echo rc\n', { mode: 0o700 });
  writeFileSync(join(root, 'etc/motd'), 'hello\n', { mode: 0o640 });
  writeFileSync(join(root, 'bin-a'), '', { mode: 0o600 }); // '-' sorts before '/', but a directory's contents still come right after it
  return root;
}

function cli(argv: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = run(argv, {
    readFile: () => new Uint8Array(0),
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    decoder: () => {
      throw new Error('no decoder here');
    },
  });
  return { status, stdout, stderr };
}

describe('vmm86 initramfs', () => {
  it('packs a tree, sorted, with modes, links and the default device nodes', () => {
    const root = tree();
    const out = join(dir, 'out.cpio.gz');
    const r = cli(['initramfs', root, '-o', out]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^.*out\.cpio\.gz: 12 entries, \d+ bytes of cpio, \d+ gzipped\n$/);
    const entries = parseCpio(gunzipSync(readFileSync(out)));
    expect(entries.map((e) => [e.name, e.ino, e.mode, e.rdev, e.data])).toEqual([
      ['bin', 1, '40755', [0, 0], ''],
      ['bin/busybox', 2, '100755', [0, 0], 'not really busybox'],
      ['bin/sh', 3, '120777', [0, 0], 'busybox'],
      ['bin-a', 4, '100600', [0, 0], ''],
      ['dev', 5, '40755', [0, 0], ''],
      ['dev/console', 6, '20600', [5, 1], ''],
      ['dev/null', 7, '20666', [1, 3], ''],
      ['etc', 8, '40755', [0, 0], ''],
      ['etc/init.d', 9, '40755', [0, 0], ''],
      ['etc/init.d/rcS', 10, '100700', [0, 0], 'echo rc\n'],
      ['etc/motd', 11, '100640', [0, 0], 'hello\n'],
      ['init', 12, '100755', [0, 0], '#!/bin/sh\nexec sh\n'],
    ]);
  });

  it('is deterministic and leaves out its own output when it is inside DIR', () => {
    const root = tree();
    const out = join(root, 'self.cpio.gz');
    expect(cli(['initramfs', root, '-o', out]).status).toBe(0);
    const first = readFileSync(out);
    expect(cli(['initramfs', root, '-o', out]).status).toBe(0);
    expect(readFileSync(out)).toEqual(first);
    expect(parseCpio(gunzipSync(first)).some((e) => e.name === 'self.cpio.gz')).toBe(false);
  });

  it('--no-default-nodes adds nothing; existing nodes are not duplicated', () => {
    const root = tree();
    const out = join(dir, 'out.cpio.gz');
    expect(cli(['initramfs', root, '-o', out, '--no-default-nodes']).status).toBe(0);
    expect(parseCpio(gunzipSync(readFileSync(out))).map((e) => e.name)).not.toContain('dev');
    mkdirSync(join(root, 'dev'), { mode: 0o700 });
    writeFileSync(join(root, 'dev/null'), 'a regular file');
    expect(cli(['initramfs', root, '-o', out]).status).toBe(0);
    const devs = parseCpio(gunzipSync(readFileSync(out))).filter((e) => e.name.startsWith('dev'));
    expect(devs.map((e) => [e.name, e.mode])).toEqual([
      ['dev', '40700'],
      ['dev/console', '20600'],
      ['dev/null', '100644'],
    ]);
  });

  const cpio = spawnSync('cpio', ['--version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!cpio)(`lists the same names as cpio -t${cpio ? '' : ' (skipped: no cpio on PATH)'}`, () => {
    const root = tree();
    const out = join(dir, 'out.cpio.gz');
    expect(cli(['initramfs', root, '-o', out]).status).toBe(0);
    const r = spawnSync('cpio', ['-t', '--quiet'], { input: gunzipSync(readFileSync(out)), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(parseCpio(gunzipSync(readFileSync(out))).map((e) => e.name));
  });

  it('prints its help and is listed in the main usage', () => {
    expect(cli(['initramfs', '--help'])).toEqual({ status: 0, stdout: INITRAMFS_USAGE, stderr: '' });
    expect(USAGE).toContain('initramfs DIR');
  });

  it.each<[string[], string]>([
    [['initramfs'], "vmm86: initramfs: missing DIR (try 'vmm86 initramfs --help')\n"],
    [['initramfs', 'x'], "vmm86: initramfs: missing -o FILE (try 'vmm86 initramfs --help')\n"],
    [['initramfs', 'x', 'y', '-o', 'z'], "vmm86: initramfs: unexpected argument 'y'\n"],
    [['initramfs', 'x', '--frob'], "vmm86: Unknown option '--frob' (try 'vmm86 initramfs --help')\n"],
  ])('%j is a usage error', (argv, message) => {
    expect(cli(argv)).toEqual({ status: 2, stdout: '', stderr: message });
  });

  it('says why a directory or file cannot be used', () => {
    const missing = join(dir, 'missing');
    expect(cli(['initramfs', missing, '-o', join(dir, 'o')])).toEqual({ status: 2, stdout: '', stderr: `vmm86: initramfs: cannot read '${missing}': no such file or directory\n` });
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(cli(['initramfs', file, '-o', join(dir, 'o')]).stderr).toBe(`vmm86: initramfs: '${file}' is not a directory\n`);
    const root = tree();
    expect(cli(['initramfs', root, '-o', join(dir, 'no/such/dir/o')]).stderr).toBe(`vmm86: initramfs: cannot write '${join(dir, 'no/such/dir/o')}': no such file or directory\n`);
    spawnSync('mkfifo', [join(root, 'pipe')]);
    expect(cli(['initramfs', root, '-o', join(dir, 'o')]).stderr).toBe(`vmm86: initramfs: '${join(root, 'pipe')}' is a FIFO, which an initramfs cannot hold\n`);
  });

  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot)(`reports an unreadable file${isRoot ? ' (skipped: root reads everything)' : ''}`, () => {
    const root = tree();
    chmodSync(join(root, 'etc/motd'), 0);
    expect(cli(['initramfs', root, '-o', join(dir, 'o')]).stderr).toBe(`vmm86: initramfs: cannot read '${join(root, 'etc/motd')}': permission denied\n`);
  });
});
