import { spawnSync } from 'node:child_process';
import { RequestContextService } from '../common/context/request-context.service.js';
import { logUnhandledRejections } from './unhandled-rejections.js';

/**
 * A child process that rejects a promise nobody handles, inside a request context, then lives on for
 * a moment. (In-process, the test runner would claim the rejection for itself.)
 */
function runChild(install: boolean): { status: number | null; stdout: string } {
  const here = new URL('.', import.meta.url);
  const script = `
    import { RequestContextService } from ${JSON.stringify(new URL('../common/context/request-context.service.js', here).href)};
    import { logUnhandledRejections } from ${JSON.stringify(new URL('./unhandled-rejections.js', here).href)};
    const context = new RequestContextService();
    if (${install}) logUnhandledRejections(context, { log() {}, warn() {}, error: (m) => console.log(m) });
    context.run('req-42', () => { void Promise.reject(new Error('tool forgot a catch')); });
    setTimeout(() => console.log('still serving'), 50);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  return { status: child.status, stdout: child.stdout };
}

describe('logUnhandledRejections', () => {
  it('logs a rejection nobody handled with the id of its request, and the process keeps running', () => {
    const { status, stdout } = runChild(true);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Unhandled promise rejection \(request req-42\): Error: tool forgot a catch/);
    expect(stdout).toContain('still serving');
  });

  it('control: without it, Node exits on the same rejection', () => {
    const { status, stdout } = runChild(false);
    expect(status).not.toBe(0);
    expect(stdout).not.toContain('still serving');
  });

  it('uninstalls: afterwards it no longer listens', () => {
    const before = process.listenerCount('unhandledRejection');
    const uninstall = logUnhandledRejections(new RequestContextService(), { log: () => undefined, warn: () => undefined, error: () => undefined });
    expect(process.listenerCount('unhandledRejection')).toBe(before + 1);
    uninstall();
    expect(process.listenerCount('unhandledRejection')).toBe(before);
  });
});
