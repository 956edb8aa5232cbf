import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApp } from './test-app.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment a CLI needs to act on the test run's database with the same settings as `t`
 * (same PUBLIC_URL, so the tokens it mints are valid there).
 */
export function cliEnv(t: TestApp, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    PORT: String(t.config.port),
    PUBLIC_URL: t.config.publicUrl,
    DATABASE_URL: process.env.E2E_DATABASE_URL!,
    KEY_ENCRYPTION_SECRET: process.env.E2E_KEY_SECRET!,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'mcp-cli-')),
    MIGRATIONS_RUN: 'false',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/**
 * Runs a compiled CLI (`src/cli/<name>.ts`, from the tests' build) in a fresh process with only
 * `env`, from a folder without a .env file. `onStderr` sees each chunk as it arrives (for CLIs that
 * print a URL and wait); the process is killed after `timeoutMs`.
 */
export function runCli(
  name: string,
  args: string[],
  env: Record<string, string>,
  opts: { onStderr?: (chunk: string, all: string) => void; timeoutMs?: number } = {},
): Promise<CliRun> {
  const script = join(process.cwd(), 'dist-test', 'src', 'cli', `${name}.js`);
  const child = spawn(process.execPath, ['--enable-source-maps', script, ...args], { env, cwd: mkdtempSync(join(tmpdir(), 'mcp-cli-cwd-')) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
    opts.onStderr?.(c.toString('utf8'), stderr);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
