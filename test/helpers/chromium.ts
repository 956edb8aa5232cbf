import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

/** The system Chromium (Debian/Ubuntu: `apt-get install -y chromium`); never a Playwright download. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

/** Launches headless Chromium; a missing binary is a failure with instructions, never a skip. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser sign-in e2e test needs a system Chromium: ` +
        `run "apt-get update && apt-get install -y chromium" (or set CHROMIUM_PATH). Do not use "npx playwright install".`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
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
