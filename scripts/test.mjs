#!/usr/bin/env node
// Runs the tests on Node's own test runner (compiled by `npm run build:test` into dist/).
//   node scripts/test.mjs [--unit | --e2e] [name-filter ...]
// Unit specs: dist/src/**/*.spec.js. End-to-end: dist/test/**/*.e2e-spec.js against one database per
// run (test/setup/global-setup.mjs: embedded PGlite, or a fresh database on TEST_DATABASE_URL).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const args = process.argv.slice(2);
const only = args.includes('--unit') ? 'unit' : args.includes('--e2e') ? 'e2e' : 'all';
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, suffix, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, suffix, out);
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out;
}

const unit = only === 'e2e' ? [] : walk('dist/src', '.spec.js');
const e2e = only === 'unit' ? [] : walk('dist/test', '.e2e-spec.js');
const matches = (f) => filters.length === 0 || filters.some((x) => f.includes(x));
// Only compiled files whose TypeScript source still exists (a deleted spec leaves its old output behind).
const hasSource = (f) => existsSync(f.replace(/^dist[\\/]/, '').replace(/\.js$/, '.ts'));
const files = [...unit, ...e2e].filter(matches).filter(hasSource).sort();
if (files.length === 0) {
  console.error(`No test files match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}

let teardown = async () => {};
if (files.some((f) => f.endsWith('.e2e-spec.js'))) {
  const setup = await import('../test/setup/global-setup.mjs');
  await setup.default();
  teardown = (await import('../test/setup/global-teardown.mjs')).default;
}

const child = spawn(
  process.execPath,
  [
    '--import',
    './dist/test/setup/globals.js',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    '--test-force-exit',
    ...files.map((f) => relative(process.cwd(), f)),
  ],
  { stdio: 'inherit', env: process.env },
);
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await teardown();
process.exit(code);
