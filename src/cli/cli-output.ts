import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/**
 * Nest's console logger writes `log` and `warn` lines to stdout. A CLI whose stdout is its result (a
 * token read with `$(...)`) sends every log line to stderr, or a warning such as "Database not
 * available yet" would end up inside the captured token.
 */
export class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

export function cliLogger(): StderrLogger {
  return new StderrLogger({ logLevels: ['error', 'warn'] });
}

/** Writes the CLI's one result line to stdout and resolves once it has been handed over, so no exit can cut it short. */
export function writeResult(line: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(`${line}\n`, (e) => (e ? reject(e) : resolve())));
}

/** Messages go to stderr, never stdout (which carries only the result). */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export type ServerCheck = { kind: 'ok' } | { kind: 'unreachable'; reason: string } | { kind: 'other'; detail: string };

/** Whether the authorization server at `publicUrl` is this configuration's (its RFC 8414 metadata names it as issuer). */
export async function checkServer(publicUrl: string, timeoutMs = 3000): Promise<ServerCheck> {
  let res: Response;
  try {
    res = await fetch(`${publicUrl}/.well-known/oauth-authorization-server`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { kind: 'unreachable', reason: cause ?? (e as Error).message };
  }
  const body = (await res.json().catch(() => undefined)) as { issuer?: unknown } | undefined;
  if (res.status === 200 && body?.issuer === publicUrl) return { kind: 'ok' };
  return {
    kind: 'other',
    detail: typeof body?.issuer === 'string' ? `its issuer is ${body.issuer}` : `its metadata answered HTTP ${res.status} without an issuer`,
  };
}
