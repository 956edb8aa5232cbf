/**
 * `--test-force-exit` (scripts/test.mjs) ends each test file's process with `process.exit()` as soon as
 * its tests are done, while its last results can still be waiting in the stdout pipe to the runner:
 * those results are then lost without a trace (the run reports fewer tests, "fail 0"; nodejs/node
 * #64833, on Node 20 and 24 alike; seen here as 1,115 of 1,117 tests on Node 24 in CI, and in a
 * stress of 8 files × 40 tests as 294-319 of 320 on every run). In a test file's process, the
 * runner's own exit (no exit code argument) now waits until stdout has been written out (three quiet
 * checks 5 ms apart, at most 2 s); the same stress then reports 320 of 320 on every run.
 */
if (process.env.NODE_TEST_CONTEXT === 'child-v8') {
  const exit = process.exit.bind(process);
  let exiting = false;
  process.exit = (code?: number | string | null) => {
    if (code !== undefined) return exit(code);
    if (exiting) return undefined as never;
    exiting = true;
    const deadline = Date.now() + 2000;
    let quiet = 0;
    const check = (): void => {
      quiet = process.stdout.writableLength === 0 ? quiet + 1 : 0;
      if (quiet >= 3 || Date.now() > deadline) exit();
      else setTimeout(check, 5);
    };
    setImmediate(check);
    return undefined as never;
  };
}

export {};
