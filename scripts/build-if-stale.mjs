// Builds the extension bundle unless extensions/crm/dist is newer than everything it is built from.
// Used by `npm start` (so a restart does not spend ~10 s rebuilding an unchanged bundle) and by
// postinstall (so a fresh install is ready to start). `npm test` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputs = ['extensions/crm/dist/api.js', 'extensions/crm/dist/app.js'].map((p) => join(root, p));
const inputs = [
  'extensions/crm/src',
  'contract/src',
  'extensions/crm/package.json',
  'extensions/crm/extension.config.js',
  'package-lock.json',
];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

const built = outputs.every(existsSync) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0;
const changed = Math.max(
  ...inputs
    .map((p) => join(root, p))
    .filter(existsSync)
    .map(newestMtime),
);
if (built > changed) {
  console.log('extension bundle is up to date');
} else {
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
