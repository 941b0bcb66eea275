// A newc ("070701") cpio writer, the format the Linux kernel unpacks into its initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Output is deterministic:
// owner root, mtime 0, inode numbers in entry order, entries in the order given.

import { utf8 } from './loaders/util.js';

export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'char' | 'block'; path: string; major: number; minor: number; mode?: number };

// File type bits of st_mode.
export const S_IFDIR: number = 0o040000;
export const S_IFREG: number = 0o100000;
export const S_IFLNK: number = 0o120000;
export const S_IFCHR: number = 0o020000;
export const S_IFBLK: number = 0o060000;

const DEFAULT_PERMS = { dir: 0o755, file: 0o644, symlink: 0o777, char: 0o600, block: 0o600 } as const;
const HEADER_SIZE = 110;

/** A bad entry list (empty or duplicate path, '..'). */
export class CpioError extends Error {
  override name = 'CpioError';
}

/**
 * The path as the archive stores it: relative, no '.' components, no trailing slash.
 * "/dev/console" and "./dev/console" both become "dev/console".
 */
export function cpioPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new CpioError(`cpio: path '${path}' contains '..'`);
  if (parts.length === 0) throw new CpioError(`cpio: empty path '${path}'`);
  return parts.join('/');
}

/** Builds a newc archive of `entries`, followed by the TRAILER!!! record. */
export function buildCpio(entries: readonly CpioEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const push = (bytes: Uint8Array): void => {
    chunks.push(bytes);
    total += bytes.length;
    const pad = (4 - (total % 4)) % 4;
    if (pad > 0) {
      chunks.push(new Uint8Array(pad));
      total += pad;
    }
  };
  const record = (name: string, fields: Fields, data: Uint8Array): void => {
    const nameBytes = utf8(name);
    const header = header32(fields, nameBytes.length + 1, data.length);
    const head = new Uint8Array(HEADER_SIZE + nameBytes.length + 1);
    for (let i = 0; i < HEADER_SIZE; i++) head[i] = header.charCodeAt(i);
    head.set(nameBytes, HEADER_SIZE);
    // The name (with its NUL) is padded so that header + name is a multiple of 4, and the
    // data so that the next header starts on a multiple of 4: both are "pad to 4 from the
    // archive's start", since every record starts aligned.
    push(head);
    if (data.length > 0) push(data);
  };

  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const name = cpioPath(e.path);
    if (seen.has(name)) throw new CpioError(`cpio: duplicate path '${name}'`);
    seen.add(name);
    const perms = (e.type === 'symlink' ? DEFAULT_PERMS.symlink : (e.mode ?? DEFAULT_PERMS[e.type])) & 0o7777;
    const ino = i + 1;
    switch (e.type) {
      case 'dir':
        record(name, { ino, mode: S_IFDIR | perms, nlink: 2 }, new Uint8Array(0));
        break;
      case 'file':
        record(name, { ino, mode: S_IFREG | perms, nlink: 1 }, e.data);
        break;
      case 'symlink':
        if (e.target === '') throw new CpioError(`cpio: symlink '${name}' has an empty target`);
        record(name, { ino, mode: S_IFLNK | perms, nlink: 1 }, utf8(e.target));
        break;
      case 'char':
      case 'block':
        record(name, { ino, mode: (e.type === 'char' ? S_IFCHR : S_IFBLK) | perms, nlink: 1, rdevmajor: e.major, rdevminor: e.minor }, new Uint8Array(0));
        break;
    }
  });
  record('TRAILER!!!', { ino: 0, mode: 0, nlink: 1 }, new Uint8Array(0));

  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

interface Fields {
  ino: number;
  mode: number;
  nlink: number;
  rdevmajor?: number;
  rdevminor?: number;
}

/** "070701" and 13 eight-digit hex fields; uid, gid, mtime, dev and check are 0. */
function header32(f: Fields, namesize: number, filesize: number): string {
  const fields = [f.ino, f.mode, 0, 0, f.nlink, 0, filesize, 0, 0, f.rdevmajor ?? 0, f.rdevminor ?? 0, namesize, 0];
  return '070701' + fields.map((n) => (n >>> 0).toString(16).padStart(8, '0')).join('');
}
