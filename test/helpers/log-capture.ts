import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line in memory (install with `app.useLogger(capture)`), for "never log secrets" checks. */
export class LogCapture implements LoggerService {
  readonly lines: string[] = [];

  private keep(level: string, args: unknown[]): void {
    this.lines.push(`${level} ${args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
  }

  log(...args: unknown[]): void {
    this.keep('log', args);
  }
  error(...args: unknown[]): void {
    this.keep('error', args);
  }
  warn(...args: unknown[]): void {
    this.keep('warn', args);
  }
  debug(...args: unknown[]): void {
    this.keep('debug', args);
  }
  verbose(...args: unknown[]): void {
    this.keep('verbose', args);
  }
  fatal(...args: unknown[]): void {
    this.keep('fatal', args);
  }

  get text(): string {
    return this.lines.join('\n');
  }
}
