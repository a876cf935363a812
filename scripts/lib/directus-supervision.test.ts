import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DirectusServer } from './directus-process.js';
import { restartDelaySeconds, superviseDirectus } from './directus-supervision.js';

/** A Directus server whose process the test ends (`die`); no process is started. */
function fakeDirectus(pid: number) {
  const child = Object.assign(new EventEmitter(), { pid, exitCode: null as number | null, signalCode: null as NodeJS.Signals | null });
  const server: DirectusServer = { child: child as unknown as ChildProcess, url: 'http://127.0.0.1:1', stop: async () => undefined };
  /** Ends with a signal, or with an exit code when given a number. */
  const die = (how: NodeJS.Signals | number = 'SIGKILL') => {
    if (typeof how === 'number') child.exitCode = how;
    else child.signalCode = how;
    child.emit('exit', child.exitCode, child.signalCode);
  };
  return { server, die };
}

/** A supervision of fake servers: pids 100, 101, …; `latest()` is the one running now. */
function supervised(delaySeconds: number | 'never') {
  const lines: string[] = [];
  const stop = new AbortController();
  let pid = 100;
  const servers = [fakeDirectus(pid++)];
  const restart = vi.fn(async () => {
    const next = fakeDirectus(pid++);
    servers.push(next);
    return next.server;
  });
  const result = superviseDirectus({
    delaySeconds,
    log: (line) => lines.push(line),
    stopAsked: stop.signal,
    first: servers[0]!.server,
    restart,
  });
  return { lines, stop, restart, result, latest: () => servers.at(-1)! };
}

describe('restart delay', () => {
  it('doubles per exit within the window, capped at 60 s; a base above the cap stays as it is', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => restartDelaySeconds(2, n))).toEqual([2, 4, 8, 16, 32, 60, 60]);
    expect(restartDelaySeconds(3600, 3)).toBe(3600);
  });
});

describe('superviseDirectus', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('restarts after the delay, doubling it per exit, and gives up at the sixth exit within 10 min', async () => {
    const s = supervised(2);
    for (const [index, delay] of [2, 4, 8, 16, 32].entries()) {
      const dead = s.latest();
      dead.die();
      await vi.advanceTimersByTimeAsync(delay * 1000 - 1);
      expect(s.restart).toHaveBeenCalledTimes(index);
      await vi.advanceTimersByTimeAsync(1);
      expect(s.restart).toHaveBeenCalledTimes(index + 1);
      expect(s.lines.slice(-2)).toEqual([
        `✗ Directus (pid ${dead.server.child.pid}) exited unasked (SIGKILL): restarting it in ${delay} s (exit ${index + 1} of at most 5 within 10 min)`,
        `✓ Directus restarted (pid ${s.latest().server.child.pid})`,
      ]);
    }
    s.latest().die('SIGSEGV');
    const error = await s.result;
    expect(error?.message).toBe('Directus (pid 105) exited unasked (SIGSEGV), 6 times within 10 min: giving up, stopping the CRM');
    expect(s.restart).toHaveBeenCalledTimes(5);
  });

  it('counts only the exits of the last 10 minutes', async () => {
    const s = supervised(2);
    s.latest().die();
    await vi.advanceTimersByTimeAsync(2_000);
    await vi.advanceTimersByTimeAsync(11 * 60_000);
    s.latest().die();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.lines.at(-1)).toBe('✗ Directus (pid 101) exited unasked (SIGKILL): restarting it in 2 s (exit 1 of at most 5 within 10 min)');
  });

  it('never: gives up at the first exit, with its exit code', async () => {
    const s = supervised('never');
    s.latest().die(137);
    const error = await s.result;
    expect(error?.message).toBe(
      'Directus (pid 100) exited unasked (exit code 137); DIRECTUS_RESTART_DELAY_SECONDS=never: not restarting it, stopping the CRM',
    );
    expect(s.restart).not.toHaveBeenCalled();
  });

  it('a stop during the delay cancels the restart at once', async () => {
    const s = supervised(30);
    s.latest().die();
    await vi.advanceTimersByTimeAsync(5_000);
    s.stop.abort();
    expect(await s.result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.restart).not.toHaveBeenCalled();
  });

  it('a stop while Directus runs or while it restarts ends the supervision', async () => {
    const running = supervised(1);
    running.stop.abort();
    expect(await running.result).toBeUndefined();

    const restarting = supervised(1);
    // A restart that is stopped: startDirectusServer stops its process and rejects.
    restarting.restart.mockImplementationOnce(
      () => new Promise((_, fail) => restarting.stop.signal.addEventListener('abort', () => fail(new Error('exited during start-up')))),
    );
    restarting.latest().die();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(restarting.restart).toHaveBeenCalledTimes(1);
    restarting.stop.abort();
    expect(await restarting.result).toBeUndefined();
    expect(restarting.lines.filter((line) => line.startsWith('✓'))).toEqual([]);
  });

  it('a restart that fails counts as one more exit', async () => {
    const s = supervised(1);
    s.restart.mockRejectedValueOnce(new Error('Directus exited during start-up (exit 1); see its log above'));
    s.latest().die();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(s.lines.at(-1)).toBe(
      '✗ Directus did not start again (Directus exited during start-up (exit 1); see its log above): restarting it in 2 s (exit 2 of at most 5 within 10 min)',
    );
    await vi.advanceTimersByTimeAsync(2_000);
    expect(s.lines.at(-1)).toBe('✓ Directus restarted (pid 101)');
    s.stop.abort();
    expect(await s.result).toBeUndefined();
  });
});
