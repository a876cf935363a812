// The checks `npm test` runs before vitest: build, typecheck (tsc, and vue-tsc for the app's .vue
// files), lint and format check. They read the
// sources and write nothing another one reads (the build writes extensions/crm/dist, which tsc,
// ESLint and Prettier ignore), so they run side by side: on 2 cores the single-threaded ones
// (tsc, ESLint) overlap instead of queueing. Each one's output is printed in one piece when it
// ends; the exit code is non-zero when any failed, after all have ended, naming the failed ones.
// `node scripts/checks.mjs --serial` runs them one after another, as before (stops at the first failure).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHECKS = ['build', 'typecheck:ts', 'typecheck:vue', 'lint', 'format:check'];
const serial = process.argv.includes('--serial');

function run(script) {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => (output += `${error.message}\n`));
    child.on('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = code === 0;
      process.stdout.write(
        `\n> ${script}: ${ok ? 'ok' : `failed (${signal ?? `exit ${code}`})`} in ${seconds} s\n${output.trimEnd() ? `${output.trimEnd()}\n` : ''}`,
      );
      done(ok);
    });
  });
}

const failed = [];
if (serial) {
  for (const script of CHECKS) {
    if (!(await run(script))) {
      failed.push(script);
      break;
    }
  }
} else {
  const results = await Promise.all(CHECKS.map(run));
  CHECKS.forEach((script, i) => results[i] || failed.push(script));
}
if (failed.length) {
  console.error(`\nchecks failed: ${failed.join(', ')}`);
  process.exit(1);
}
