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

/** Runs vitest with a JSON report; resolves with its exit code and the report's file. */
function run(name, extra, output) {
  const resultsFile = join(resultsDir, `vitest-${process.pid}-${name}.json`);
  const child = spawn(vitest, ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...extra], {
    cwd: root,
    stdio: output === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // Names the shared systems' reports (tests/setup/global.ts) so that this run prints its own.
      CRM_TEST_RUN_ID: String(process.pid),
      ...(output === 'inherit' ? {} : { FORCE_COLOR: process.stdout.isTTY ? '1' : '0' }),
    },
  });
  if (output !== 'inherit') {
    child.stdout.pipe(output, { end: false });
    child.stderr.pipe(output, { end: false });
  }
  return new Promise((done) => child.on('exit', (code, signal) => done({ name, code: code ?? (signal ? 1 : 0), resultsFile })));
}

const runs =
  args.length > 0
    ? [run('all', args, 'inherit')]
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
          run('integration', ['--project', 'integration', '--project', 'system-late'], 'inherit'),
          logged('browser', ['browser']),
          logged('unit-system', ['unit', 'system']),
        ];
      })();

const results = await Promise.all(runs);
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
  if (existsSync(result.resultsFile)) {
    const report = JSON.parse(readFileSync(result.resultsFile, 'utf8'));
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
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode);
