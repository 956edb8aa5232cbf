import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../common/private-files.js';

/** What a running server (outside production) records in its DATA_DIR, so that the local CLIs use its settings. */
export interface RunningServer {
  pid: number;
  port: number;
  publicUrl: string;
}

const FILE = 'running-server.json';

/**
 * Records this server in DATA_DIR/running-server.json (0600, DATA_DIR 0700): `npm run token` and
 * `npm run admin:login` started without PORT/PUBLIC_URL then act for this server, not for
 * http://localhost:3000. Not in production (read-only file systems; the token CLI is refused there).
 * Returns a function that removes the record if it is still this process's.
 */
export function recordRunningServer(config: { isProduction: boolean; dataDir: string; publicUrl: string }, port: number): () => void {
  if (config.isProduction) return () => undefined;
  const path = join(config.dataDir, FILE);
  try {
    ensurePrivateDir(config.dataDir);
    writeFileSync(path, JSON.stringify({ pid: process.pid, port, publicUrl: config.publicUrl } satisfies RunningServer), { mode: 0o600 });
  } catch {
    return () => undefined; // a convenience for local CLIs only: never a reason not to serve
  }
  return () => {
    if (readRecord(path)?.pid === process.pid) rmSync(path, { force: true });
  };
}

/** The server recorded in `dataDir`, if its process is still alive. */
export function findRunningServer(dataDir: string): RunningServer | undefined {
  const record = readRecord(join(dataDir, FILE));
  if (!record || record.pid === process.pid || !isAlive(record.pid)) return undefined;
  return record;
}

function readRecord(path: string): RunningServer | undefined {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunningServer>;
    if (typeof r.pid !== 'number' || typeof r.port !== 'number' || typeof r.publicUrl !== 'string' || !/^https?:\/\//.test(r.publicUrl)) return undefined;
    return { pid: r.pid, port: r.port, publicUrl: r.publicUrl };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether npm printed its "> package@version script" lines on this process's stdout before it started
 * (`npm run token` without `-s`): a token captured from stdout would then carry them.
 */
export function npmPrintedBanner(): boolean {
  return Boolean(process.env.npm_lifecycle_event) && process.env.npm_config_loglevel !== 'silent' && !process.stdout.isTTY;
}
