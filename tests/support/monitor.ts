/**
 * Watches a shared test system while the files run: every few seconds it times `/server/ping`
 * (Directus' event loop only) and `/crm/health` (which also needs a database connection) and reads
 * the Directus process' memory and CPU time from /proc. A test that times out then says whether the
 * system had stalled at that moment, and which kind of stall: an event loop that did not answer,
 * or a database pool that made health wait. Writes a line per sample to `file` and returns the
 * worst moments when stopped (printed at the end of `npm test`, where CI's excerpt shows them).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

export interface SystemMonitor {
  stop(): Promise<string>;
}

const INTERVAL_MS = 5_000;
/** A sample slower than this is a stall worth naming. */
const STALL_MS = 2_000;

function procStats(pid: number | undefined): { rssMb: number; cpuSeconds: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    // utime and stime are fields 14 and 15 of /proc/pid/stat, in clock ticks (100 a second on Linux).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssMb: Math.round(rssKb / 1024), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return undefined;
  }
}

async function timed(url: string): Promise<{ ms: number; status: number | string }> {
  const started = Date.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    await response.arrayBuffer();
    return { ms: Date.now() - started, status: response.status };
  } catch (error) {
    return { ms: Date.now() - started, status: (error as Error).name };
  }
}

export function monitorSystem(name: string, url: string, directusPid: () => number | undefined, file: string): SystemMonitor {
  writeFileSync(file, `# ${name}: time, /server/ping ms, /crm/health ms (status), Directus RSS MB, CPU s\n`);
  const stalls: string[] = [];
  let maxRss = 0;
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = new Date().toISOString().slice(11, 19);
      const [ping, health] = await Promise.all([timed(`${url}/server/ping`), timed(`${url}/crm/health`)]);
      const stats = procStats(directusPid());
      maxRss = Math.max(maxRss, stats?.rssMb ?? 0);
      samples += 1;
      const line = `${at} ping ${ping.ms} ms (${ping.status}), health ${health.ms} ms (${health.status}), rss ${stats?.rssMb ?? '?'} MB, cpu ${stats?.cpuSeconds ?? '?'} s`;
      appendFileSync(file, `${line}\n`);
      if (ping.ms > STALL_MS || health.ms > STALL_MS || ping.status !== 200 || health.status !== 200) stalls.push(line);
      await new Promise((done) => setTimeout(done, INTERVAL_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const worst = stalls.slice(0, 12);
      return [
        `${name}: ${samples} samples, ${stalls.length} slow (> ${STALL_MS} ms) or failed, Directus RSS at most ${maxRss} MB`,
        ...worst.map((line) => `  ${line}`),
        ...(stalls.length > worst.length ? [`  … ${stalls.length - worst.length} more in ${file}`] : []),
      ].join('\n');
    },
  };
}
