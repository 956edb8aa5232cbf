#!/usr/bin/env node
// Runs the tests on Node's own test runner (compiled by `npm run build:test` into dist-test/, a folder
// of their own: `npm run build` writes dist/ with its own incremental record, so neither can leave
// stale output in the other's folder).
//   node scripts/test.mjs [--unit | --e2e | --fuzz] [name-filter ...]
// Unit specs: dist-test/src/**/*.spec.js and dist-test/scripts/**/*.spec.js. End-to-end: dist-test/test/**/*.e2e-spec.js against one
// database per run (test/setup/global-setup.mjs: embedded PGlite, or a fresh database on TEST_DATABASE_URL).
// Fuzzing (dist-test/test/**/*.fuzz-spec.js, end-to-end too) runs only with --fuzz: `npm run fuzz`, its own CI step.
// Failures are reported at the spec's TypeScript line (--enable-source-maps); TEST_TIMEOUT_MS (default
// 60 s) bounds each test and hook (test/setup/globals.ts).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const OUT = 'dist-test';
const args = process.argv.slice(2);
const only = args.includes('--unit') ? 'unit' : args.includes('--e2e') ? 'e2e' : args.includes('--fuzz') ? 'fuzz' : 'all';
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, suffix, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, suffix, out);
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out;
}

// Unit specs sit beside their code: the server's in src/, the deployment linter's in scripts/lint-deploy/.
const unit = only === 'all' || only === 'unit' ? [`${OUT}/src`, `${OUT}/scripts`].filter((d) => existsSync(d)).flatMap((d) => walk(d, '.spec.js')) : [];
const e2e = only === 'all' || only === 'e2e' ? walk(`${OUT}/test`, '.e2e-spec.js') : only === 'fuzz' ? walk(`${OUT}/test`, '.fuzz-spec.js') : [];
const matches = (f) => filters.length === 0 || filters.some((x) => f.includes(x));
// Only compiled files whose TypeScript source still exists (a deleted spec leaves its old output behind).
const hasSource = (f) => existsSync(f.slice(OUT.length + 1).replace(/\.js$/, '.ts'));
const files = [...unit, ...e2e].filter(matches).filter(hasSource).sort();
if (files.length === 0) {
  console.error(`No test files match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}

let teardown = async () => {};
if (files.some((f) => f.endsWith('.e2e-spec.js') || f.endsWith('.fuzz-spec.js'))) {
  const setup = await import('../test/setup/global-setup.mjs');
  await setup.default();
  teardown = (await import('../test/setup/global-teardown.mjs')).default;
}

const child = spawn(
  process.execPath,
  [
    '--enable-source-maps',
    '--import',
    `./${OUT}/test/setup/globals.js`,
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
