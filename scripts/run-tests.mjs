// `npm test`: runs the whole vitest suite and closes with one plain line, "N passed, N failed,
// N skipped", that CI logs and humans can read at a glance. Exits non-zero when anything failed.
//
// Two vitest processes side by side (vitest runs projects without file parallelism one after
// another, never beside each other): the `integration` project, whose files share one system and
// run one at a time, and the `unit` then `system` projects (files that start systems of their
// own). The first streams its output; the second's is printed in one piece when it ends, so the
// log stays readable. With arguments (`npm test -- tests/credit`), one vitest process runs just
// what they name.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, createWriteStream } from 'node:fs';
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
    env: { ...process.env, ...(output === 'inherit' ? {} : { FORCE_COLOR: process.stdout.isTTY ? '1' : '0' }) },
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
        const logFile = join(resultsDir, `vitest-${process.pid}-unit-system.log`);
        const log = createWriteStream(logFile);
        const second = run('unit-system', ['--project', 'unit', '--project', 'system'], log).then(async (result) => {
          await new Promise((done) => log.end(done));
          return { ...result, logFile };
        });
        return [run('integration', ['--project', 'integration'], 'inherit'), second];
      })();

const results = await Promise.all(runs);
let passed = 0;
let failed = 0;
let skipped = 0;
let exitCode = 0;
for (const result of results) {
  if (result.logFile) {
    console.log(`\n──── unit and system tests (run beside the integration tests) ────\n`);
    process.stdout.write(readFileSync(result.logFile));
  }
  if (result.code !== 0) exitCode = result.code;
  if (existsSync(result.resultsFile)) {
    const report = JSON.parse(readFileSync(result.resultsFile, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  } else if (result.code !== 0) {
    failed += 1; // vitest ended before writing a report: count the run as one failure
  }
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode);
