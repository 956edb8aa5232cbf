import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnServer } from './helpers/server-process.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

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

describe('start-up footprint of the server process (npm start)', () => {
  it("ICU's locale data is not loaded by start-up, the health probes or MCP calls: Nest's loggers build their date formatter on first use", async () => {
    const preload = pathToFileURL(join(process.cwd(), 'dist-test/test/fixtures/count-date-formats.js')).href;
    const server = await spawnServer({ NODE_OPTIONS: `--import=${preload}` });
    try {
      const ready = await pollUntil(
        async () => (await fetch(`${server.baseUrl}/readyz`).catch(() => undefined))?.status,
        (status) => status === 200,
        30_000,
      );
      expect(ready).toBe(200);
      const res = await fetch(`${server.baseUrl}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(401);
      expect(server.output()).not.toContain('DATE-FORMAT-CONSTRUCTED');
      expect(server.output()).toContain('secure-mcp-server is listening');
    } finally {
      await server.kill();
    }
    // The preload does report a formatter when one is made.
    const control = spawnSync(process.execPath, [`--import=${preload}`, '-e', 'new Intl.DateTimeFormat()'], { encoding: 'utf8' });
    expect(control.stderr).toContain('DATE-FORMAT-CONSTRUCTED');
  });

  it('started as npm start starts it (--expose-gc), the server gives back its start-up memory once ready; without the flag it says why it keeps it', async () => {
    for (const [options, expected] of [
      ['--expose-gc', /Released start-up memory in \d+ ms: RSS [\d.]+ -> [\d.]+ MB/],
      ['', /Start-up memory kept: node runs without --expose-gc/],
    ] as const) {
      const server = await spawnServer({ NODE_OPTIONS: options, LOG_LEVEL: 'debug' });
      try {
        const lines = await pollUntil(
          async () => server.logs().map((l) => String(l.msg)),
          (msgs) => msgs.some((m) => /start-up memory/i.test(m)),
          30_000,
        );
        expect(lines.filter((m) => /start-up memory/i.test(m))).toEqual([expect.stringMatching(expected)]);
        expect(lines.findIndex((m) => m.startsWith('Ready in'))).toBeLessThan(lines.findIndex((m) => /start-up memory/i.test(m)));
        expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
      } finally {
        await server.kill();
      }
    }
  });
});
