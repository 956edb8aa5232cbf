/**
 * The Jest-style test API (describe/it/it.each/beforeAll/afterAll/expect) on Node's own test runner,
 * with Jest's `expect`. Tests run natively on the Node that runs the server, where Nest 12's ESM
 * packages and their CommonJS plugins (require(esm)) load as in production.
 */
import { after, afterEach, before, beforeEach, describe as nodeDescribe, it as nodeIt } from 'node:test';
import { inspect } from 'node:util';
import { expect } from 'expect';

const TIMEOUT = Number(process.env.TEST_TIMEOUT_MS ?? 30_000);
type Body = () => unknown;

function formatTitle(title: string, args: unknown[]): string {
  let i = 0;
  return title.replace(/%[sdifjop#%]/g, (token) => {
    if (token === '%%') return '%';
    if (token === '%#') return String(i);
    const value = args[i++];
    if (token === '%j') return JSON.stringify(value);
    if (token === '%p' || token === '%o') return inspect(value, { depth: 3 });
    if (token === '%d' || token === '%i') return String(Number(value));
    return typeof value === 'string' ? value : inspect(value);
  });
}

function each(register: (name: string, fn: Body) => void) {
  return (table: readonly unknown[]) => (title: string, fn: (...args: unknown[]) => unknown) => {
    for (const row of table) {
      const args = Array.isArray(row) ? row : [row];
      register(formatTitle(title, args), () => fn(...args));
    }
  };
}

const it = Object.assign((name: string, fn: Body, timeout?: number) => void nodeIt(name, { timeout: timeout ?? TIMEOUT }, async () => void (await fn())), {
  each: each((name, fn) => void nodeIt(name, { timeout: TIMEOUT }, async () => void (await fn()))),
});
const describe = Object.assign((name: string, fn: () => void) => void nodeDescribe(name, fn), {
  each: each((name, fn) => void nodeDescribe(name, () => void fn())),
});

const hook = (register: typeof before) => (fn: Body, timeout?: number) => register(async () => void (await fn()), { timeout: timeout ?? TIMEOUT });

Object.assign(globalThis, {
  describe,
  it,
  test: it,
  beforeAll: hook(before),
  afterAll: hook(after),
  beforeEach: hook(beforeEach),
  afterEach: hook(afterEach),
  expect,
});
