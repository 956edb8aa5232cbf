import { spawnSync } from 'node:child_process';
import { releaseStartupMemory } from './release-startup-memory.js';

describe('releaseStartupMemory', () => {
  it('runs one synchronous last-resort major collection and says how long it took', () => {
    const calls: unknown[] = [];
    const took = releaseStartupMemory((options: unknown) => void calls.push(options));
    expect(calls).toEqual([{ type: 'major', execution: 'sync', flavor: 'last-resort' }]);
    expect(typeof took).toBe('number');
  });

  it('does nothing without an exposed collector (node started without --expose-gc)', () => {
    expect(releaseStartupMemory(undefined)).toBeUndefined();
  });

  it("V8's own collector takes those options, in a process started as npm start starts the server (--expose-gc)", () => {
    const module = new URL('./release-startup-memory.js', import.meta.url).href;
    const script = `const { releaseStartupMemory } = await import(${JSON.stringify(module)}); process.stdout.write(String(releaseStartupMemory()));`;
    const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(Number(child.stdout)).toBeGreaterThan(0);
  });
});
