#!/usr/bin/env node
// Runs the fuzz spec (test/fuzz.fuzz-spec.ts; not part of `npm test`, its own CI step) with more cases or a given seed:
//   npm run fuzz -- [--runs N] [--seed S] [--targets mcp-2025,register] [--concurrency C] [--shrink]
// Each option sets the matching FUZZ_* variable the spec reads; a failure prints the seed to replay.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    seed: { type: 'string' },
    targets: { type: 'string' },
    concurrency: { type: 'string' },
    shrink: { type: 'boolean' },
  },
});
const env = { ...process.env };
if (values.runs) env.FUZZ_RUNS = values.runs;
if (values.seed) env.FUZZ_SEED = values.seed;
if (values.targets) env.FUZZ_TARGETS = values.targets;
if (values.concurrency) env.FUZZ_CONCURRENCY = values.concurrency;
if (values.shrink) env.FUZZ_SHRINK = '1';
for (const [name, value] of Object.entries({ FUZZ_RUNS: env.FUZZ_RUNS, FUZZ_SEED: env.FUZZ_SEED }))
  if (value !== undefined && !/^-?\d+$/.test(value)) {
    console.error(`${name} must be an integer, not ${value}`);
    process.exit(2);
  }
const child = spawn(process.execPath, ['scripts/test.mjs', '--fuzz'], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
