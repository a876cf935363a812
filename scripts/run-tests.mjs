// `npm test`: runs the whole vitest suite and closes with one plain line, "N passed, N failed,
// N skipped", that CI logs and humans can read at a glance. Exits non-zero when anything failed.
//
// Three vitest processes side by side (vitest runs projects without file parallelism one after
// another, never beside each other): the `integration` project, whose files share one system and
// run one at a time, then `system-late` (two files that start their own systems); the `browser`
// project, the same with a system of its own (the admin-app tests in Chromium); and the `unit`
// then `system` projects (files that start systems of their own). The
// first streams its output; the others' are printed in one piece each when all have ended, so the
// log stays readable. With arguments (`npm test -- tests/credit`), one vitest process runs just
// what they name.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, existsSync, createWriteStream } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, '.data', 'test-results');
mkdirSync(resultsDir, { recursive: true });
const vitest = join(root, 'node_modules', '.bin', 'vitest');
const args = process.argv.slice(2);

/** Runs vitest with a JSON report; resolves with its exit code, the report's file and its last lines. */
function run(name, extra, output) {
  const resultsFile = join(resultsDir, `vitest-${process.pid}-${name}.json`);
  const child = spawn(vitest, ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...extra], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // Names the shared systems' reports (tests/setup/global.ts) so that this run prints its own.
      CRM_TEST_RUN_ID: String(process.pid),
      FORCE_COLOR: process.stdout.isTTY ? '1' : '0',
    },
  });
  if (output === 'tee') {
    // Streamed as it comes (the first process's output is the live log) and kept for the tail.
    child.stdout.pipe(process.stdout, { end: false });
    child.stderr.pipe(process.stderr, { end: false });
  } else {
    child.stdout.pipe(output, { end: false });
    child.stderr.pipe(output, { end: false });
  }
  // The last lines of what the process printed, kept for the closing summary: a process that fails
  // before any test runs (a global setup that throws) names no failed test, and CI shows only the
  // end of the log, so its own last words are repeated there.
  const tail = [];
  const keep = (chunk) => {
    tail.push(...String(chunk).split('\n'));
    if (tail.length > 400) tail.splice(0, tail.length - 400);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise((done) =>
    child.on('close', (code, signal) => done({ name, code: code ?? (signal ? 1 : 0), signal, resultsFile, tail })),
  );
}

const runs =
  args.length > 0
    ? [run('all', args, 'tee')]
    : (() => {
        const logged = (name, projects) => {
          const logFile = join(resultsDir, `vitest-${process.pid}-${name}.log`);
          const log = createWriteStream(logFile);
          return run(
            name,
            projects.flatMap((project) => ['--project', project]),
            log,
          ).then(async (result) => {
            await new Promise((done) => log.end(done));
            return { ...result, logFile };
          });
        };
        return [
          run('integration', ['--project', 'integration', '--project', 'system-late'], 'tee'),
          logged('browser', ['browser']),
          logged('unit-system', ['unit', 'system']),
        ];
      })();

const results = await Promise.all(runs);
/** A process whose exit code says it failed while its report names no failed test (or is missing). */
const unexplained = [];
const perProcess = [];
let passed = 0;
let failed = 0;
let skipped = 0;
let exitCode = 0;
const failures = [];
for (const result of results) {
  if (result.logFile) {
    console.log(`\n──── ${result.name === 'browser' ? 'browser' : 'unit and system'} tests (run beside the integration tests) ────\n`);
    process.stdout.write(readFileSync(result.logFile));
  }
  if (result.code !== 0) exitCode = result.code;
  const failuresBefore = failures.length;
  if (existsSync(result.resultsFile)) {
    const report = JSON.parse(readFileSync(result.resultsFile, 'utf8'));
    perProcess.push(`${result.name}: ${report.numPassedTests ?? 0} passed, ${report.numFailedTests ?? 0} failed (exit ${result.code})`);
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    for (const file of report.testResults ?? []) {
      const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
      for (const test of failedTests) failures.push({ file: file.name, title: test.fullName, message: test.failureMessages?.[0] });
      // A file that failed before any test ran (an import or a beforeAll) has no failed test of its own.
      if (file.status === 'failed' && failedTests.length === 0)
        failures.push({ file: file.name, title: '(the file itself)', message: file.message });
    }
  } else if (result.code !== 0) {
    failed += 1; // vitest ended before writing a report: count the run as one failure
  }
  if (result.code !== 0 && failures.length === failuresBefore) unexplained.push(result);
}
// How the shared systems fared (tests/support/monitor.ts): a stall names its moment.
const summaries = readdirSync(resultsDir).filter((name) => name.startsWith(`system-${process.pid}-`) && name.endsWith('.summary'));
if (summaries.length > 0) console.log('');
for (const name of summaries.sort()) process.stdout.write(readFileSync(join(resultsDir, name), 'utf8'));
// CI shows the end of the log: what failed is named there, whichever process it ran in.
if (failures.length > 0) {
  console.log('\nFailed:');
  for (const failure of failures) {
    const firstLines = String(failure.message ?? '')
      .split('\n')
      .slice(0, 6)
      .join('\n      ');
    console.log(`  ✗ ${failure.file.replace(root + '/', '')} > ${failure.title}\n      ${firstLines}`);
  }
}
if (perProcess.length > 1) console.log(`\n${perProcess.join('\n')}`);
for (const result of unexplained) {
  const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
  console.log(`\nThe ${result.name} process ${how} and its report names no failed test; its last lines:`);
  console.log(
    result.tail
      .slice(-60)
      .map((line) => `  | ${line}`)
      .join('\n'),
  );
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode);
