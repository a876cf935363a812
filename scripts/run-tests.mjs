// `npm test`: runs the whole vitest suite (unit + integration) and closes with one plain line,
// "N passed, N failed, N skipped", that CI logs and humans can read at a glance. Exits with
// vitest's own exit code.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, '.data', 'test-results');
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, `vitest-${process.pid}.json`);

const child = spawn(
  join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => {
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
    console.log(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
