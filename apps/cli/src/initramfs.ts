// `vmm86 initramfs DIR -o FILE`: packs a directory into a gzip-compressed newc cpio, the
// initramfs format Linux unpacks at boot. Everything in the archive is owned by root with
// mtime 0 and listed in sorted order, so the same tree always gives the same bytes.

import { lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type CpioEntry, buildCpio } from '@vmm86/vmm';
import { withUsageErrors } from './args.js';
import { UsageError } from './errors.js';

export const INITRAMFS_USAGE: string = `usage: vmm86 initramfs DIR -o FILE [--no-default-nodes]

Packs DIR into FILE as a gzip-compressed newc cpio archive, the format Linux unpacks
into its initramfs. Files keep their permission bits, directories and symbolic links are
kept as they are, character and block devices keep their numbers; owner and group become
root and every time stamp 0, and entries are sorted, so the same tree always gives the
same archive.

Unless DIR has them already, /dev, /dev/console (c 5 1) and /dev/null (c 1 3) are
added: the kernel opens /dev/console for init's stdin/stdout before any devtmpfs is
mounted.

options:
  -o, --output FILE     the archive to write (required)
  --no-default-nodes    do not add /dev/console and /dev/null
  -h, --help            show this help
`;

export interface InitramfsArgs {
  readonly help: boolean;
  readonly dir: string;
  readonly output: string;
  readonly defaultNodes: boolean;
}

export function parseInitramfsArgs(argv: readonly string[]): InitramfsArgs {
  const { values, positionals } = withUsageErrors('initramfs', () =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        output: { type: 'string', short: 'o' },
        'no-default-nodes': { type: 'boolean' },
      },
    }),
  );
  const help = values.help ?? false;
  const defaultNodes = !(values['no-default-nodes'] ?? false);
  if (help) return { help, dir: '', output: '', defaultNodes };
  if (positionals.length === 0) throw new UsageError("initramfs: missing DIR (try 'vmm86 initramfs --help')");
  if (positionals.length > 1) throw new UsageError(`initramfs: unexpected argument '${positionals[1]}'`);
  if (values.output === undefined || values.output === '') throw new UsageError("initramfs: missing -o FILE (try 'vmm86 initramfs --help')");
  return { help, dir: positionals[0] ?? '', output: values.output, defaultNodes };
}

const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many symbolic links',
};

function fsError(err: unknown, what: string): UsageError {
  const code = (err as { code?: unknown } | null)?.code;
  const why = typeof code === 'string' ? (FS_ERRORS[code] ?? code) : err instanceof Error ? err.message : String(err);
  return new UsageError(`initramfs: ${what}: ${why}`);
}

/** Linux's dev_t split (new_decode_dev): 12 bits of major, 20 of minor, interleaved. */
function devNumbers(rdev: number): { major: number; minor: number } {
  const low = rdev % 2 ** 32;
  const high = Math.floor(rdev / 2 ** 32);
  return { major: ((low >>> 8) & 0xfff) | ((high & ~0xfff) >>> 0), minor: (low & 0xff) | ((low >>> 12) & ~0xff) };
}

/** Orders by path component, so that a directory always precedes what is in it. */
function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/**
 * The cpio entries for everything under `dir` (not `dir` itself), sorted. `skip` is an
 * absolute path left out (the archive being written, when it is inside `dir`).
 */
export function collectEntries(dir: string, options: { defaultNodes: boolean; skip?: string }): CpioEntry[] {
  let top: Stats;
  try {
    top = lstatSync(dir);
  } catch (err) {
    throw fsError(err, `cannot read '${dir}'`);
  }
  if (!top.isDirectory()) throw new UsageError(`initramfs: '${dir}' is not a directory`);

  const entries: CpioEntry[] = [];
  const walk = (abs: string): void => {
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (err) {
      throw fsError(err, `cannot read '${abs}'`);
    }
    for (const name of names) {
      const full = join(abs, name);
      if (options.skip !== undefined && resolve(full) === options.skip) continue;
      const path = relative(dir, full).split(sep).join('/');
      let st: Stats;
      try {
        st = lstatSync(full);
      } catch (err) {
        throw fsError(err, `cannot read '${full}'`);
      }
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        entries.push({ type: 'dir', path, mode });
        walk(full);
      } else if (st.isFile()) {
        let data: Uint8Array;
        try {
          const buf = readFileSync(full);
          data = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
        } catch (err) {
          throw fsError(err, `cannot read '${full}'`);
        }
        entries.push({ type: 'file', path, data, mode });
      } else if (st.isSymbolicLink()) {
        entries.push({ type: 'symlink', path, target: readlinkSync(full) });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        entries.push({ type: st.isCharacterDevice() ? 'char' : 'block', path, mode, ...devNumbers(st.rdev) });
      } else {
        throw new UsageError(`initramfs: '${full}' is a ${st.isFIFO() ? 'FIFO' : 'socket'}, which an initramfs cannot hold`);
      }
    }
  };
  walk(dir);

  if (options.defaultNodes) {
    const have = new Set(entries.map((e) => e.path));
    if (!have.has('dev')) entries.push({ type: 'dir', path: 'dev', mode: 0o755 });
    if (!have.has('dev/console')) entries.push({ type: 'char', path: 'dev/console', major: 5, minor: 1, mode: 0o600 });
    if (!have.has('dev/null')) entries.push({ type: 'char', path: 'dev/null', major: 1, minor: 3, mode: 0o666 });
  }
  return entries.sort((a, b) => comparePaths(a.path, b.path));
}

/** Runs `vmm86 initramfs`; returns the exit status. Usage and file errors throw UsageError. */
export function initramfsCommand(argv: readonly string[], io: { stdout(text: string): void }): number {
  const args = parseInitramfsArgs(argv);
  if (args.help) {
    io.stdout(INITRAMFS_USAGE);
    return 0;
  }
  const entries = collectEntries(args.dir, { defaultNodes: args.defaultNodes, skip: resolve(args.output) });
  const cpio = buildCpio(entries);
  const gz = gzipSync(cpio, { level: 9 });
  try {
    writeFileSync(args.output, gz);
  } catch (err) {
    throw fsError(err, `cannot write '${args.output}'`);
  }
  io.stdout(`${args.output}: ${entries.length} entries, ${cpio.length} bytes of cpio, ${gz.length} gzipped\n`);
  return 0;
}
