/** Output, and what the benchmark reads about processes and the host (/proc on Linux): CPU time, memory, percentiles. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const CLK_TCK = 100; // USER_HZ on Linux; /proc/<pid>/stat counts CPU time in these ticks
export const HAS_PROC = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

export const out = (line = ''): void => void process.stdout.write(`${line}\n`);
export const step = (line: string): void => out(`[bench] ${line}`);

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

/** User + system CPU time of a process (all its threads), in ms. */
export function processCpuMs(pid: number): number | undefined {
  if (!HAS_PROC) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** VmRSS / VmHWM of a process, in MB. */
export function processMemMb(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number | undefined {
  if (!HAS_PROC) return undefined;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Jiffies of the whole machine (all cores): busy (everything but idle/iowait), process time
 * (user + nice + system, which processes are charged with) and total.
 */
export function hostCpu(): { busy: number; processes: number; total: number } | undefined {
  if (!HAS_PROC) return undefined;
  const [, ...nums] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const v = nums.map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, processes: v[0] + v[1] + v[2], total };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const fmt = (n: number | undefined, digits = 2): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));

/** Cleanup actions, run in reverse order, once. */
export class Cleanup {
  private readonly actions: { label: string; fn: () => Promise<void> }[] = [];
  private ran = false;

  push(label: string, fn: () => Promise<void>): void {
    this.actions.push({ label, fn });
  }

  async run(): Promise<void> {
    if (this.ran) return;
    this.ran = true;
    for (const { label, fn } of this.actions.reverse()) {
      try {
        await fn();
      } catch (e) {
        out(`[bench] clean-up "${label}" failed: ${(e as Error).message}`);
      }
    }
  }
}
