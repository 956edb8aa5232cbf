import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** The compiled server, as `npm start` runs it (npm test compiles src into dist-test/). */
const MAIN = join(process.cwd(), 'dist-test', 'src', 'main.js');

export interface ServerProcess {
  readonly port: number;
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** The process's environment (for a CLI that must find the same server: same database, secret, PUBLIC_URL). */
  readonly env: Record<string, string>;
  /** Everything the process wrote (stdout and stderr) so far. */
  output(): string;
  /** The JSON log lines written so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves when the process exits, with its code and when (performance.now()). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** SIGKILL if still running (cleanup). */
  kill(): Promise<void>;
}

/**
 * The real server in its own process (for signals, exit codes and start-up), configured like
 * startTestApp: test mode, a random port, the run's database and key secret unless overridden.
 */
export async function spawnServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${port}`,
    DATABASE_URL: process.env.E2E_DATABASE_URL ?? '',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'mcp-proc-')),
    MIGRATIONS_RUN: 'false',
    KEY_ENCRYPTION_SECRET: process.env.E2E_KEY_SECRET ?? '',
    LOG_LEVEL: 'log',
    AUDIT_FLUSH_INTERVAL_MS: '100',
    RATE_LIMIT_MCP_PER_MINUTE: '100000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    ...env,
  };
  // From a folder without a .env file, so that only `childEnv` configures it.
  const child = spawn(process.execPath, ['--enable-source-maps', MAIN], {
    env: childEnv,
    cwd: mkdtempSync(join(tmpdir(), 'mcp-proc-cwd-')),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    env: childEnv,
    output: () => out,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
