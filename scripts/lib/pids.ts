/** Process liveness by pid, shared by the instance lock and the embedded PostgreSQL's recovery. */

/** The process exists (EPERM: it exists but belongs to another user, e.g. postgres). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until the process is gone; false when it is still there after `timeoutS` seconds. */
export async function waitUntilGone(pid: number, timeoutS: number): Promise<boolean> {
  const deadline = Date.now() + timeoutS * 1000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 100));
  }
  return true;
}
