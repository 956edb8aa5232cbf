import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A child process whose output is kept (and optionally echoed) and which can be stopped by its id. */
export class Child {
  output = '';
  readonly exited: Promise<number>;
  private readonly lineListeners: ((line: string) => void)[] = [];
  private partial = '';

  constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
    echo: boolean,
  ) {
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      this.output += text;
      if (echo) process.stdout.write(text);
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) for (const listener of this.lineListeners) listener(line);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    this.exited = once(proc, 'exit').then(([code, signal]) => (typeof code === 'number' ? code : signal ? 128 : 1));
  }

  onLine(listener: (line: string) => void): void {
    this.lineListeners.push(listener);
  }

  /** Resolves with the first output line that matches, or rejects when the process ends or the time is up. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms\n${this.output.slice(-2000)}`)),
        timeoutMs,
      );
      for (const line of this.output.split('\n')) {
        const m = pattern.exec(line);
        if (m) {
          clearTimeout(timer);
          return resolve(m);
        }
      }
      this.onLine((line) => {
        const m = pattern.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}) before printing ${pattern}\n${this.output.slice(-2000)}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; only this process (by its id). */
  async stop(graceMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, echo = false): Child {
  return new Child(name, spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }), echo);
}

/** Runs a command to the end, bounded by `timeoutMs`; returns its exit code and output. */
export async function runToEnd(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  echo = false,
): Promise<Child & { code: number }> {
  const child = start(name, command, args, env, echo);
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  return Object.assign(child, { code });
}
