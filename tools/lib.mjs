// Shared helpers for the repository scripts (setup, start, test-all). Plain Node.js with no
// dependencies: these scripts run before `pnpm install` has, on a machine that may have
// nothing but Node.js 20 (`npm start` / `npm test` from a fresh clone).

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The pnpm version the repository pins (package.json "packageManager"). */
export const PNPM_VERSION = '10.34.9';

/** Where downloads live, outside the repository: guest images, a bootstrapped pnpm. */
export const CACHE_DIR = process.env['VMM86_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'vmm86');

/** Running in CI (CI set to anything but empty or `false`). */
export const IS_CI = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';

/** Debian packages the tests need, each with a command that shows it is installed. */
export const APT_PACKAGES = [
  { command: 'i686-linux-gnu-objdump', pkg: 'binutils-i686-linux-gnu' },
  // cpu-core's host-CPU oracle builds a static i386 runner (the libc is only a Recommends)
  { command: 'i686-linux-gnu-gcc', pkg: 'gcc-i686-linux-gnu libc6-dev-i386-cross' },
  { command: 'xz', pkg: 'xz-utils' },
];

// A corepack shim for pnpm must never stop to ask before downloading.
process.env['COREPACK_ENABLE_DOWNLOAD_PROMPT'] = '0';

/**
 * Prints a step banner.
 * @param {string} text
 */
export function banner(text) {
  console.log(`\n== ${text}`);
}

/**
 * Runs a command with inherited stdio and waits for it; returns its exit status (1 when it
 * could not start or died on a signal).
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, quiet?: boolean }} [options]
 * @returns {Promise<number>}
 */
export function run(command, args, options = {}) {
  if (options.quiet !== true) console.log(`$ ${[command, ...args].map(shellQuote).join(' ')}`);
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: 'inherit',
    });
    child.on('error', (err) => {
      console.error(`cannot run ${command}: ${err.message}`);
      resolvePromise(1);
    });
    child.on('close', (code) => resolvePromise(code ?? 1));
  });
}

/** @param {string} s */
function shellQuote(s) {
  return /^[\w./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * Whether `command` runs (exit status 0 for `command ...args`).
 * @param {string} command
 * @param {readonly string[]} [args]
 */
export function commandWorks(command, args = ['--version']) {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 60_000 });
  return r.error === undefined && r.status === 0;
}

/**
 * Path of a tool installed in the root node_modules/.bin.
 * @param {string} name
 */
export function bin(name) {
  return join(ROOT, 'node_modules', '.bin', name);
}

/**
 * Returns a command that runs pnpm PNPM_VERSION's major version: the one on PATH when there
 * is one, else a private copy installed with npm into the cache directory, whose bin
 * directory is then put on PATH for every child (turbo runs `pnpm` itself).
 * @returns {Promise<string>}
 */
export async function ensurePnpm() {
  const major = PNPM_VERSION.split('.')[0];
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8', timeout: 120_000 });
  if (onPath.status === 0 && onPath.stdout.trim().split('.')[0] === major) return 'pnpm';

  const prefix = join(CACHE_DIR, `pnpm-${PNPM_VERSION}`);
  const binDir = process.platform === 'win32' ? prefix : join(prefix, 'bin');
  const pnpm = join(binDir, process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm');
  if (!existsSync(pnpm)) {
    banner(`bootstrap: installing pnpm ${PNPM_VERSION} into ${prefix} (no pnpm ${major} on PATH)`);
    mkdirSync(prefix, { recursive: true });
    const status = await run('npm', ['install', '--global', '--prefix', prefix, '--no-fund', '--no-audit', `pnpm@${PNPM_VERSION}`]);
    if (status !== 0 || !existsSync(pnpm)) throw new Error(`could not install pnpm ${PNPM_VERSION} with npm`);
  }
  process.env['PATH'] = `${binDir}${delimiter}${process.env['PATH'] ?? ''}`;
  return pnpm;
}

/** Workspace package directories (relative to ROOT), from pnpm-workspace.yaml's `dir/*` globs. */
export function workspacePackages() {
  const yaml = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages:\s*$/.test(line)) inPackages = true;
    else if (/^\S/.test(line)) inPackages = false;
    else if (inPackages) {
      const m = /^\s+-\s+['"]?([^'"#]+?)['"]?\s*$/.exec(line);
      if (m?.[1] !== undefined) globs.push(m[1]);
    }
  }
  /** @type {string[]} */
  const dirs = [];
  for (const glob of globs) {
    if (!glob.endsWith('/*')) {
      if (existsSync(join(ROOT, glob, 'package.json'))) dirs.push(glob);
      continue;
    }
    const parent = glob.slice(0, -2);
    if (!existsSync(join(ROOT, parent))) continue;
    for (const entry of readdirSync(join(ROOT, parent), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(ROOT, parent, entry.name, 'package.json'))) {
        dirs.push(`${parent}/${entry.name}`);
      }
    }
  }
  return dirs.sort();
}

/** Hash of everything that decides what `pnpm install` does. */
function installInputsHash() {
  const hash = createHash('sha256');
  const files = ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', ...workspacePackages().map((d) => `${d}/package.json`)];
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file)) : '');
    hash.update('\0');
  }
  return hash.digest('hex');
}

const STAMP = join(ROOT, 'node_modules', '.vmm86-install-stamp');

/**
 * Runs `pnpm install` when node_modules is missing or older than the lockfile or a
 * package.json (a stamp in node_modules records what the last install saw). In CI the
 * lockfile must be up to date (--frozen-lockfile).
 * @returns {Promise<number>} exit status
 */
export async function ensureInstall() {
  const want = installInputsHash();
  const have = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : '';
  if (have === want && existsSync(join(ROOT, 'node_modules', '.modules.yaml'))) {
    console.log('== install: node_modules is up to date');
    return 0;
  }
  const pnpm = await ensurePnpm();
  banner('install: pnpm install');
  const args = ['install', '--config.confirmModulesPurge=false'];
  if (IS_CI) args.push('--frozen-lockfile');
  const status = await run(pnpm, args);
  if (status === 0) writeFileSync(STAMP, `${installInputsHash()}\n`);
  return status;
}

/**
 * Installs the Debian packages the tests need when one is missing and we can (apt-get
 * present and running as root); otherwise says what to install.
 * @returns {Promise<number>} exit status (0 when nothing was missing or all installed)
 */
export async function ensureAptPackages() {
  const missing = APT_PACKAGES.filter((p) => !commandWorks(p.command));
  if (missing.length === 0) {
    console.log(`== apt: ${APT_PACKAGES.flatMap((p) => p.pkg.split(' ')).join(', ')} present`);
    return 0;
  }
  const pkgs = missing.flatMap((p) => p.pkg.split(' '));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !commandWorks('apt-get', ['--version'])) {
    console.warn(
      `== apt: missing ${pkgs.join(', ')}; install ${pkgs.length > 1 ? 'them' : 'it'} (sudo apt-get install ${pkgs.join(' ')}), ` +
        'or the tests that compare with GNU objdump and the host CPU will fail',
    );
    return 0;
  }
  banner(`apt: installing ${pkgs.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let status = await run('apt-get', ['update', '-qq'], { env });
  if (status === 0) status = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env });
  return status;
}

/**
 * Fetches the guest images into the cache with tools/fetch-guests (in whichever form it
 * exists: .mjs/.js run with node, .sh or no extension with bash). No script: nothing to do.
 * @returns {Promise<number>} exit status
 */
export async function fetchGuests() {
  const candidates = [
    ['fetch-guests.mjs', process.execPath],
    ['fetch-guests.js', process.execPath],
    ['fetch-guests.sh', 'bash'],
    ['fetch-guests', 'bash'],
  ];
  for (const [name, runner] of candidates) {
    const script = join(ROOT, 'tools', name ?? '');
    if (name === undefined || runner === undefined || !existsSync(script)) continue;
    let interpreter = runner;
    if (name === 'fetch-guests') {
      const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
      if (/\bnode\b/.test(first)) interpreter = process.execPath;
    }
    banner(`guests: tools/${name} (cache: ${CACHE_DIR})`);
    return run(interpreter, [relative(ROOT, script)]);
  }
  console.log('== guests: no tools/fetch-guests script yet, nothing to fetch');
  return 0;
}
