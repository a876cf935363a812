/**
 * After "ready", the start process watches its Directus and starts it again when it exits unasked
 * (OOM kill, crash, kill -9): otherwise the start process would live on with nothing behind it,
 * and an outer supervisor (systemd, docker, a process manager) would see nothing wrong.
 * docs/start-and-stop.md, "When Directus dies".
 */
import type { ChildProcess } from 'node:child_process';
import type { DirectusServer } from './directus-process.js';

/**
 * A crash loop (a bad deployment, a database that refuses, OOM at every start) must neither hammer
 * the machine forever nor hide from an outer supervisor: each exit within the window doubles the
 * delay (capped), and the exit after MAX_EXITS_IN_WINDOW gives up (the CRM stops, exit code 1).
 */
export const EXIT_WINDOW_MS = 10 * 60_000;
export const MAX_EXITS_IN_WINDOW = 5;
const MAX_DELAY_S = 60;

/** The delay before the restart after the `exitsInWindow`-th exit within the window (1, 2, …). */
export function restartDelaySeconds(base: number, exitsInWindow: number): number {
  // A base above the cap (a deployment that wants a long pause) is kept as it is.
  return Math.min(base * 2 ** (exitsInWindow - 1), Math.max(base, MAX_DELAY_S));
}

/** 'SIGKILL', 'exit code 1': how a child process ended. */
function howExited(child: ChildProcess): Promise<string> {
  const describe = () => child.signalCode ?? `exit code ${child.exitCode}`;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(describe());
  return new Promise((done) => child.once('exit', () => done(describe())));
}

/** Resolves after `ms`, or at once when `abort` fires; true when it was aborted. */
function sleepUnlessAborted(ms: number, abort: AbortSignal): Promise<boolean> {
  if (abort.aborted) return Promise.resolve(true);
  return new Promise((done) => {
    const onAbort = () => {
      clearTimeout(timer);
      done(true);
    };
    const timer = setTimeout(() => {
      abort.removeEventListener('abort', onAbort);
      done(false);
    }, ms);
    abort.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Supervision {
  /** DIRECTUS_RESTART_DELAY_SECONDS: the first delay, or `never` (give up at the first exit). */
  delaySeconds: number | 'never';
  log: (line: string) => void;
  /** Aborted by the system's stop(): no further restart; a restart in progress stops its Directus. */
  stopAsked: AbortSignal;
  /** The Directus of the start path. */
  first: DirectusServer;
  /** Starts a new Directus with the environment of the first (the same CRM_START_RUN_ID). */
  restart(): Promise<DirectusServer>;
}

/**
 * Runs until a stop is asked for (resolves with nothing) or it gives up (resolves with the reason;
 * the caller stops everything and exits non-zero). Logs one line per exit and per restart.
 */
export async function superviseDirectus({ delaySeconds, log, stopAsked, first, restart }: Supervision): Promise<Error | undefined> {
  const stopped = new Promise<void>((done) => stopAsked.addEventListener('abort', () => done(), { once: true }));
  const exitOf = async (server: DirectusServer) =>
    `Directus (pid ${server.child.pid}) exited unasked (${await Promise.race([howExited(server.child), stopped])})`;
  let exits: number[] = [];
  let what = await exitOf(first);
  for (;;) {
    if (stopAsked.aborted) return undefined;
    const now = Date.now();
    exits = [...exits.filter((at) => now - at < EXIT_WINDOW_MS), now];
    const window = `${EXIT_WINDOW_MS / 60_000} min`;
    if (delaySeconds === 'never') return new Error(`${what}; DIRECTUS_RESTART_DELAY_SECONDS=never: not restarting it, stopping the CRM`);
    if (exits.length > MAX_EXITS_IN_WINDOW)
      return new Error(`${what}, ${exits.length} times within ${window}: giving up, stopping the CRM`);
    const delay = restartDelaySeconds(delaySeconds, exits.length);
    log(`✗ ${what}: restarting it in ${delay} s (exit ${exits.length} of at most ${MAX_EXITS_IN_WINDOW} within ${window})`);
    if (await sleepUnlessAborted(delay * 1000, stopAsked)) return undefined;
    let server: DirectusServer;
    try {
      server = await restart();
    } catch (error) {
      // It exited (or hung) before it listened: one more exit, with a longer delay.
      if (stopAsked.aborted) return undefined;
      what = `Directus did not start again (${(error as Error).message})`;
      continue;
    }
    if (stopAsked.aborted) return undefined; // the system's stop() stops this new one
    log(`✓ Directus restarted (pid ${server.child.pid})`);
    what = await exitOf(server);
  }
}
