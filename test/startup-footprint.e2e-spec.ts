import { createRequire } from 'node:module';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/** The CommonJS modules this process has loaded whose path names the package. */
function loaded(pkg: string): string[] {
  const cache = createRequire(import.meta.url).cache;
  return Object.keys(cache).filter((path) => path.includes(`/node_modules/${pkg}/`));
}

/** Idle RSS and start-up time (issue 8): what only /docs needs is loaded by the first /docs request, not at start-up. */
describe('start-up footprint', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('@nestjs/swagger (and its dependencies) is not loaded by start-up or by the health probes', async () => {
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/readyz`)).status).toBe(200);
    expect(loaded('@nestjs/swagger')).toEqual([]);
    expect(loaded('es-toolkit')).toEqual([]);
    // The check can see the package once something loads it (/docs' own import goes through the ESM loader).
    createRequire(import.meta.url)('@nestjs/swagger');
    expect(loaded('@nestjs/swagger').length).toBeGreaterThan(0);
  });
});
