/** The child processes of the benchmark (servers, the embedded database): spawn, wait until ready, stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { ROOT } from './settings.js';
import { out } from './measure.js';

/**
 * The environment of every child: only what Node needs from ours plus what the benchmark sets, so a
 * developer's shell (REDIS_URL, ALLOWED_ORIGINS, NODE_ENV, ...) cannot change what is measured.
 */
export function childEnv(vars: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'NODE_EXTRA_CA_CERTS']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  return { ...base, ...vars };
}

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** The last lines the child printed, for diagnosis. */
  log: () => string;
  exited: Promise<number | null>;
}

export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string>,
  opts: { ipc?: boolean; profileDir?: string; cwd?: string; nodeArgs?: string[] } = {},
): Child {
  const args = [...(opts.nodeArgs ?? []), ...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : []), script];
  const proc = spawn(process.execPath, args, {
    cwd: opts.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(opts.ipc ? (['ipc'] as const) : [])],
  });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  return { name, proc, pid: proc.pid, log: () => lines.join('\n'), exited };
}

/** SIGTERM, then SIGKILL if it does not exit in time. */
export async function stopChild(child: Child, timeoutMs = 15_000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), timeoutMs).unref());
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    out(`[bench] ${child.name} did not stop within ${timeoutMs} ms; killing it`);
    child.proc.kill('SIGKILL');
    await child.exited;
  }
}

export function waitForIpc<T extends { type: string }>(child: Child, type: string, timeoutMs: number): Promise<T> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${child.name} did not report "${type}" within ${timeoutMs} ms\n${child.log()}`)), timeoutMs);
    child.proc.on('message', (m: T) => {
      if (m?.type !== type) return;
      clearTimeout(timer);
      done(m);
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`${child.name} exited (code ${code}) before it was ready\n${child.log()}`));
    });
  });
}

/** Polls `url` until it answers 200; resolves with the time of the first 200 (performance.now()). */
export async function waitFor200(child: Child, url: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (performance.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited before it was ready\n${child.log()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms\n${child.log()}`);
}
