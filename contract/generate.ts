/**
 * Writes contract/generated/ from contract/src (and the examples embedded in AsyncAPI).
 *
 *   npx tsx contract/generate.ts           regenerate (and delete generated files no longer produced)
 *   npx tsx contract/generate.ts --check   exit 1 and list the files that differ, are missing or
 *                                          are extra; writes nothing (for CI)
 *
 * The rendering itself is pure (src/render/files.ts); this file only does the I/O, so the drift
 * test can run the very same rendering in memory.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonValue } from './src/canonical-json.js';
import { renderGeneratedFiles } from './src/render/files.js';

export const CONTRACT_DIR = dirname(fileURLToPath(import.meta.url));
export const GENERATED_DIR = join(CONTRACT_DIR, 'generated');
export const EXAMPLES_DIR = join(CONTRACT_DIR, 'examples');

/**
 * Example files: examples/<event_type>.json is *the* example of a type (embedded in AsyncAPI);
 * examples/<event_type>--<variant>.json are further valid examples. invalid/ is not read here.
 */
export const EXAMPLE_VARIANT_SEPARATOR = '--';

export interface ExampleFile {
  readonly fileName: string;
  readonly eventType: string;
  readonly content: JsonValue;
}

export function readExampleFiles(directory = EXAMPLES_DIR): ExampleFile[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name)
    .sort()
    .map((fileName) => {
      const stem = fileName.slice(0, -'.json'.length);
      const eventType = stem.split(EXAMPLE_VARIANT_SEPARATOR)[0] ?? stem;
      const content = JSON.parse(readFileSync(join(directory, fileName), 'utf8')) as JsonValue;
      return { fileName, eventType, content };
    });
}

/** The primary example of each event type (examples/<event_type>.json). */
export function primaryExamples(files: readonly ExampleFile[]): Map<string, JsonValue> {
  return new Map(files.filter((file) => file.fileName === `${file.eventType}.json`).map((file) => [file.eventType, file.content]));
}

export function renderAll(): Map<string, string> {
  return renderGeneratedFiles(primaryExamples(readExampleFiles()));
}

/** Files currently under generated/, keyed by POSIX-style relative path. */
export function readGeneratedDir(directory = GENERATED_DIR): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(directory)) return files;
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.set(relative(directory, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(directory);
  return files;
}

export interface DriftReport {
  readonly changed: string[];
  readonly missing: string[];
  readonly extra: string[];
}

export function compareGenerated(expected: ReadonlyMap<string, string>, actual: ReadonlyMap<string, string>): DriftReport {
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [path, content] of expected) {
    const current = actual.get(path);
    if (current === undefined) missing.push(path);
    else if (current !== content) changed.push(path);
  }
  const extra = [...actual.keys()].filter((path) => !expected.has(path)).sort();
  return { changed, missing, extra };
}

export function hasDrift(report: DriftReport): boolean {
  return report.changed.length + report.missing.length + report.extra.length > 0;
}

function writeGenerated(expected: ReadonlyMap<string, string>): void {
  const report = compareGenerated(expected, readGeneratedDir());
  for (const path of report.extra) rmSync(join(GENERATED_DIR, path));
  for (const path of [...report.changed, ...report.missing]) {
    const target = join(GENERATED_DIR, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, expected.get(path) ?? '');
  }
  const touched = report.changed.length + report.missing.length + report.extra.length;
  console.log(
    `contract/generated: ${expected.size} files, ${touched} updated${report.extra.length ? `, ${report.extra.length} removed` : ''}.`,
  );
}

function main(argv: readonly string[]): number {
  const expected = renderAll();
  if (!argv.includes('--check')) {
    writeGenerated(expected);
    return 0;
  }
  const report = compareGenerated(expected, readGeneratedDir());
  if (!hasDrift(report)) {
    console.log(`contract/generated is up to date (${expected.size} files).`);
    return 0;
  }
  for (const path of report.changed) console.error(`differs: contract/generated/${path}`);
  for (const path of report.missing) console.error(`missing: contract/generated/${path}`);
  for (const path of report.extra) console.error(`extra:   contract/generated/${path}`);
  console.error('Run `npx tsx contract/generate.ts` and commit the result.');
  return 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
