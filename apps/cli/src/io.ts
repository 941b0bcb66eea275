// The real CliIo: files from disk, text to the process's streams, the x86 decoder.

import { readFileSync } from 'node:fs';
import type { CliIo } from './cli.js';
import { UsageError } from './errors.js';
import { x86LineDecoder } from './x86-line-decoder.js';

const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
};

/** Reads a whole file; failures become a one-line UsageError. */
export function readFileOrFail(path: string): Uint8Array {
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = typeof code === 'string' ? (FILE_ERRORS[code] ?? code) : String(err);
    throw new UsageError(`cannot read '${path}': ${why}`);
  }
}

export const nodeIo: CliIo = {
  readFile: readFileOrFail,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  decoder: x86LineDecoder,
  console: {
    stdout: (bytes) => void process.stdout.write(bytes),
    stdin: process.stdin,
  },
};
