import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];
// The tests have no network: every host but loopback fails at once in the browser's own resolver. A page
// that links an outside stylesheet (oidc-provider's pages link Google Fonts) would otherwise hold its load
// event, and so Playwright's navigation waits, on whatever the machine's resolver does with that name.
const OFFLINE = ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]'];
const ARGS = [
  ...OFFLINE,
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

interface Found {
  executablePath: string;
  args: string[];
  source: string;
}

/**
 * Finds a browser in this order: CHROMIUM_PATH, a system Chromium or Chrome, then the Chromium shipped
 * inside the `@sparticuz/chromium` devDependency (Linux x64; unpacked into /tmp on first use). Never a
 * Playwright download: its host is not reachable from every machine.
 */
export async function findChromium(): Promise<Found | undefined> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH is set to ${configured}, which does not exist. Unset it to use a system or bundled Chromium.`);
    return { executablePath: configured, args: ARGS, source: 'CHROMIUM_PATH' };
  }
  const system = SYSTEM_BROWSERS.find((p) => existsSync(p));
  if (system) return { executablePath: system, args: ARGS, source: 'system' };
  if (process.platform === 'linux' && process.arch === 'x64') {
    const { default: bundled } = await import('@sparticuz/chromium');
    const executablePath = await bundled.executablePath();
    return {
      executablePath,
      args: [
        ...bundled.args,
        ...OFFLINE,
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
      source: '@sparticuz/chromium',
    };
  }
  return undefined;
}

/** Launches headless Chromium; no browser at all is a failure with instructions, never a skip. */
export async function launchChromium(): Promise<Browser> {
  const found = await findChromium();
  if (!found) {
    throw new Error(
      'No Chromium found for the browser e2e tests. Set CHROMIUM_PATH to a Chromium or Chrome binary, or install one ' +
        '(Debian/Ubuntu: "apt-get install -y chromium"; macOS: Google Chrome). On Linux x64 the @sparticuz/chromium devDependency ' +
        'is used automatically. Do not use "npx playwright install".',
    );
  }
  return chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true });
}

/**
 * The MCP client's loopback redirect URI (RFC 8252 §7.3), with a real listener on a random port.
 * Playwright's `page.route` is not used for this: it never fires for the target of a redirect (by design
 * since playwright#2617), and the server answers every step here with a 302 to the client.
 * `next()` resolves with the next URL the browser was sent to.
 */
export class LoopbackCallback {
  private server?: Server;
  private readonly seen: URL[] = [];
  private readonly waiters: ((u: URL) => void)[] = [];

  /** e.g. http://127.0.0.1:PORT/callback */
  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/callback`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      if (url.pathname !== '/callback') {
        res.writeHead(404).end(); // e.g. the browser's /favicon.ico
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('done');
      const waiter = this.waiters.shift();
      if (waiter) waiter(url);
      else this.seen.push(url);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  next(timeoutMs = 10_000): Promise<URL> {
    const ready = this.seen.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise<URL>((resolve, reject) => {
      const done = (u: URL) => {
        clearTimeout(timer);
        resolve(u);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(done), 1);
        reject(new Error(`the browser was not sent to ${this.url} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(done);
    });
  }

  /**
   * Closes `page` once its navigation to this callback has loaded. Closing a page while that navigation
   * is still in flight hung page.close() for a minute in this Chromium (CI timeouts, Node 24 and 20).
   */
  async closeWhenLoaded(page: Page): Promise<void> {
    await page.waitForURL((u) => u.href.startsWith(this.url), { waitUntil: 'load' });
    await page.close();
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** A tiny HTTP server on 127.0.0.1 (another origin than the app) that serves fixed HTML pages by path. */
export class StaticPages {
  private server?: Server;
  private readonly pages = new Map<string, string>();

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  set(path: string, html: string): string {
    this.pages.set(path, html);
    return `${this.url}${path}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const html = this.pages.get(new URL(req.url ?? '/', 'http://x').pathname);
      res.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html ?? 'not found');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
