// `pnpm test` / `npm test`: every check the repository has, then one closing line.
//
//   set-up     pnpm install when needed, Debian packages (objdump), guest images
//   lint       eslint over the whole repository, zero warnings
//   typecheck  tsc for the root files and each package's tsconfig.json (src + tests),
//              then tsc --build of each tsconfig.build.json (the emitting build, whose
//              project references enforce the package dependency rules)
//   tests      every vitest project, with a human reporter and the JSON reporter
//
// It ends by printing exactly one line, `tests: N passed, M failed` (`, K skipped` when
// K > 0), summed over all packages. A failed set-up, lint or typecheck step counts as one
// failed test each, named just before that line. Exit status 1 when M > 0.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { IS_CI, ROOT, banner, bin, ensureAptPackages, ensureInstall, fetchGuests, run, workspacePackages } from './lib.mjs';

/**
 * @typedef {{ status: string }} Assertion
 * @typedef {{ name: string, status: string, message?: string, assertionResults?: Assertion[] }} FileResult
 * @typedef {{ numPassedTests: number, numFailedTests: number, numPendingTests: number,
 *   numTodoTests: number, testResults: FileResult[] }} VitestReport
 * @typedef {{ passed: number, failed: number, skipped: number }} Counts
 */

/** Steps (not tests) that failed; each counts as one failure. @type {string[]} */
const stepFailures = [];

/**
 * @param {string} name
 * @param {number} status
 */
function record(name, status) {
  if (status !== 0) {
    stepFailures.push(`${name} (exit ${status})`);
    console.log(`\n!! ${name} FAILED (exit ${status})`);
  }
}

/** @returns {Promise<boolean>} whether dependencies are installed (nothing else can run otherwise) */
async function setUp() {
  banner('set-up');
  const installed = await ensureInstall();
  record('set-up: pnpm install', installed);
  record('set-up: apt packages', await ensureAptPackages());
  // Guest images need nothing from node_modules, but their script may. It needs Debian's
  // package tools and, on first use, root: outside CI a failure is a warning (the tests
  // that need the images say what is missing), in CI it fails the run.
  if (installed === 0) {
    const fetched = await fetchGuests();
    if (IS_CI) record('set-up: tools/fetch-guests', fetched);
    else if (fetched !== 0) console.log(`\n!! tools/fetch-guests failed (exit ${fetched}); tests that need guest images may fail or skip`);
  }
  return installed === 0;
}

async function lint() {
  banner('lint: eslint, zero warnings');
  record('lint', await run(bin('eslint'), ['--max-warnings=0', '.']));
}

async function typecheck() {
  const packages = workspacePackages();
  banner(`typecheck: root + ${packages.join(', ')}`);
  let failed = 0;
  for (const project of ['tsconfig.json', ...packages.map((p) => `${p}/tsconfig.json`)]) {
    if (!existsSync(join(ROOT, project))) continue;
    const status = await run(bin('tsc'), ['-p', project, '--pretty', 'false']);
    if (status !== 0) {
      failed++;
      console.log(`!! tsc -p ${project} failed`);
    }
  }
  const builds = packages.map((p) => `${p}/tsconfig.build.json`).filter((p) => existsSync(join(ROOT, p)));
  if (builds.length > 0) {
    banner('typecheck: emitting build (tsc --build, project references)');
    if ((await run(bin('tsc'), ['--build', ...builds, '--pretty', 'false'])) !== 0) failed++;
  }
  record('typecheck', failed === 0 ? 0 : 1);
}

/**
 * Runs every vitest project; returns the summed counts.
 * @returns {Promise<Counts>}
 */
async function tests() {
  banner('tests: vitest (all projects)');
  const dir = mkdtempSync(join(tmpdir(), 'vmm86-test-'));
  const jsonFile = join(dir, 'vitest.json');
  try {
    const status = await run(bin('vitest'), [
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${jsonFile}`,
    ]);
    if (!existsSync(jsonFile)) {
      record('tests: vitest wrote no report', status === 0 ? 1 : status);
      return { passed: 0, failed: 0, skipped: 0 };
    }
    const report = /** @type {VitestReport} */ (JSON.parse(readFileSync(jsonFile, 'utf8')));
    const counts = summarize(report);
    // A non-zero exit with no failed test (an unhandled error, a file that could not load)
    // still fails the run.
    if (status !== 0 && counts.failed === 0) record('tests: vitest', status);
    return counts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Prints per-package counts and returns the totals. A test file that failed without a
 * failed test (it did not load) counts as one failure.
 * @param {VitestReport} report
 * @returns {Counts}
 */
function summarize(report) {
  const packages = workspacePackages();
  /** @type {Map<string, Counts>} */
  const byPackage = new Map();
  let loadFailures = 0;
  for (const file of report.testResults) {
    const rel = relative(ROOT, file.name).split(sep).join('/');
    const pkg = packages.find((p) => rel.startsWith(`${p}/`)) ?? '(root)';
    const c = byPackage.get(pkg) ?? { passed: 0, failed: 0, skipped: 0 };
    const assertions = file.assertionResults ?? [];
    for (const a of assertions) {
      if (a.status === 'passed') c.passed++;
      else if (a.status === 'failed') c.failed++;
      else c.skipped++;
    }
    if (file.status === 'failed' && !assertions.some((a) => a.status === 'failed')) {
      loadFailures++;
      c.failed++;
      console.log(`!! ${rel}: failed to run: ${(file.message ?? '').split('\n')[0] ?? ''}`);
    }
    byPackage.set(pkg, c);
  }
  console.log('\nper package:');
  for (const [pkg, c] of [...byPackage].sort()) {
    console.log(`  ${pkg.padEnd(24)} ${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ''}`);
  }
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + loadFailures,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

async function main() {
  const started = Date.now();
  let counts = { passed: 0, failed: 0, skipped: 0 };
  if (await setUp()) {
    await lint();
    await typecheck();
    counts = await tests();
  } else {
    console.log('!! dependencies are not installed: lint, typecheck and tests did not run');
  }

  const failed = counts.failed + stepFailures.length;
  console.log(`\nfinished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (stepFailures.length > 0) {
    console.log(`FAILED steps, counted as ${stepFailures.length} failed test${stepFailures.length > 1 ? 's' : ''}:`);
    for (const f of stepFailures) console.log(`  - ${f}`);
  }
  if (counts.failed > 0) console.log(`FAILED tests: ${counts.failed} (see the vitest report above)`);
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
  console.log(`tests: ${counts.passed} passed, ${failed} failed${skipped}`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
