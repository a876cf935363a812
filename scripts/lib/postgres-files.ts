/**
 * Pure helpers of the embedded PostgreSQL's life cycle: reading `postmaster.pid`, telling whether a
 * process is the postmaster of a given data directory, and turning PostgreSQL's log into the one
 * line a newcomer needs. No processes, no file system: tested beside (postgres-files.test.ts).
 */

export interface PostmasterPid {
  pid: number;
  dataDir: string;
  port: number | undefined;
  /** `starting`, `stopping`, `ready` or `standby` (PostgreSQL 10+); undefined on older files. */
  status: string | undefined;
}

/** Parses `postmaster.pid` (see PostgreSQL's `miscadmin.h`, LOCK_FILE_LINE_*); undefined when unreadable. */
export function parsePostmasterPid(text: string): PostmasterPid | undefined {
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const port = Number.parseInt(lines[3] ?? '', 10);
  const status = lines[7]?.trim();
  return { pid, dataDir: (lines[1] ?? '').trim(), port: Number.isInteger(port) ? port : undefined, status: status || undefined };
}

/**
 * Whether `/proc/<pid>/cmdline` (NUL-separated) is a PostgreSQL server of `dataDir`: a `postgres`
 * executable started with `-D <dataDir>` (or `-D<dataDir>`, `--pgdata`).
 */
export function isPostmasterOf(cmdline: string, dataDirs: readonly string[]): boolean {
  const argv = cmdline.split('\0').filter(Boolean);
  const exe = argv[0] ?? '';
  if (!/(^|\/)postgres$/.test(exe)) return false;
  for (let i = 1; i < argv.length; i += 1) {
    const arg = argv[i]!;
    let value: string | undefined;
    if (arg === '-D' || arg === '--pgdata') value = argv[i + 1];
    else if (arg.startsWith('-D')) value = arg.slice(2);
    else if (arg.startsWith('--pgdata=')) value = arg.slice('--pgdata='.length);
    if (value !== undefined && dataDirs.includes(value.replace(/\/+$/, ''))) return true;
  }
  return false;
}

/**
 * The reason PostgreSQL gave for not starting, from its log: the last FATAL/PANIC/ERROR line with
 * its HINT, without the timestamp prefix. Undefined when the log says nothing useful.
 */
export function startFailureReason(log: string): string | undefined {
  const lines = log
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  let index = -1;
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    if (/\b(FATAL|PANIC|ERROR):/.test(lines[i]!)) {
      index = i;
      break;
    }
  }
  if (index < 0) return undefined;
  const strip = (line: string) => line.replace(/^.*?\b(FATAL|PANIC|ERROR|HINT|LOG|WARNING):\s*/, '');
  let reason = strip(lines[index]!);
  // "could not create any TCP/IP sockets" follows the line that says why (a LOG line).
  const bind = lines
    .slice(0, index)
    .reverse()
    .find((line) => /could not bind .*:/.test(line));
  if (bind && /could not create any TCP\/IP sockets/.test(reason)) reason = strip(bind);
  const hint = lines.slice(index + 1).find((line) => /\bHINT:/.test(line));
  return hint ? `${reason} (${strip(hint)})` : reason;
}

/** Whether PostgreSQL's failure means another program holds the port. */
export function isPortConflict(reason: string): boolean {
  return /could not bind .*Address already in use|could not create any TCP\/IP sockets/i.test(reason);
}

/** Every ancestor of an absolute path, from the root down to the path itself: `/a/b` → `/`, `/a`, `/a/b`. */
export function pathChain(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const chain = ['/'];
  for (let i = 1; i <= parts.length; i += 1) chain.push(`/${parts.slice(0, i).join('/')}`);
  return chain;
}
