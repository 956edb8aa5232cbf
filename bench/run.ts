/**
 * `npm run bench`: the performance budget (issue 8 "Performance"), measured in one run on one machine.
 *
 * 1. A database: a fresh `mcp_bench_<ts>` on DATABASE_URL's server (dropped at the end), or the
 *    project's embedded engine (PGlite) in a temporary folder, in its own process. Migrations once.
 * 2. Seed: BENCH_USERS dev users with BENCH_NOTES_PER_USER notes each (bulk SQL).
 * 3. Three servers, each its own child process, each answering the same authenticated
 *    `tools/call notes.list {limit: 10}` for the token's user with the same SQL:
 *    secure-mcp-server (dist/src/main.js, audit on, tokens minted by its own CLI), the tutorial
 *    baseline (bench/baseline-tutorial.ts) and the bare node:http floor (bench/floor.ts).
 *    secure-mcp-server is measured in both protocol eras, as two targets on the one process: 2025-06-18
 *    requests, and 2026-07-28 requests (per-request `_meta`, Mcp-Method/Mcp-Name headers).
 * 4. autocannon, BENCH_CONNECTIONS connections: a self-check and a warm-up per server, then the
 *    measured time split into BENCH_ROUNDS rounds that visit the servers in turn (so that a
 *    disturbance on a shared machine spreads over all of them). Only correct responses count: HTTP 200,
 *    a JSON-RPC result with the caller's request id, and exactly the token user's 10 newest notes in order.
 * 5. Report: correct req/s, p50/p99, server CPU per correct request (/proc/<pid>/stat), failures;
 *    ratios against the targets; idle RSS and time-to-ready of the secure server. Exit code 0 unless
 *    the benchmark itself crashes.
 *
 * Env: DATABASE_URL, BENCH_DURATION (measured s per server, 10), BENCH_ROUNDS (2), BENCH_WARMUP (s, 3), BENCH_CONNECTIONS (20),
 * BENCH_USERS (200), BENCH_NOTES_PER_USER (20), BENCH_TOKEN_USERS (20), BENCH_ONLY (some of secure, secure-modern, tutorial, floor),
 * BENCH_CPU_PROF=1 (profile the servers with node --cpu-prof and print their top self-time functions;
 * the profiler slows them, so read ratios from a run without it), BENCH_SECURE_NODE_ARGS (Node flags for
 * secure-mcp-server, space-separated; default: those of package.json "start").
 *
 * Parts: settings.ts (environment, targets), measure.ts (/proc, output), children.ts (processes),
 * database.ts (database, seed), servers.ts (the servers and the requests of each era),
 * correctness.ts (what a correct answer is, self-check), load.ts (autocannon windows), report.ts.
 */
import 'reflect-metadata';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { stopChild } from './children.js';
import { selfCheck, type Expectation } from './correctness.js';
import { migrate, openDatabase, seed } from './database.js';
import { drive, mergeStats, type RunStats } from './load.js';
import { Cleanup, HAS_PROC, fmt, out, processMemMb, step } from './measure.js';
import { summarizeProfile } from './profile-summary.js';
import { report, toRow, type Row } from './report.js';
import { modernEra, startFloor, startSecure, startTutorial, type ServerUnderTest } from './servers.js';
import { CPU_PROF, DURATION_S, ONLY, ROUNDS, SECURE_ERAS, TITLES, WARMUP_S, type ServerName } from './settings.js';

/** Self-check, idle RSS and warm-up of one server, before any measured window. */
const idleRss = new Map<number, { mb?: number; split: { anon?: number; file?: number } }>();

async function prepare(s: ServerUnderTest, x: Expectation): Promise<{ selfCheck: string[]; warmAnswered: number }> {
  const problems = await selfCheck(s, x);
  step(
    `${TITLES[s.name]}: self-check ${problems.length ? `FAILED:\n  - ${problems.join('\n  - ')}` : "ok (correct answer accepted; other user's answer, wrong id, damaged note, 401 rejected; foreign-key token refused)"}`,
  );
  // Idle RSS: after start-up (and token minting), before any load (the self-check's two calls aside).
  await new Promise((r) => setTimeout(r, 500));
  // Both eras of secure-mcp-server are one process: its idle RSS is read once, before the first era's warm-up.
  const idle = idleRss.get(s.child.pid) ?? {
    mb: processMemMb(s.child.pid, 'VmRSS'),
    split: { anon: processMemMb(s.child.pid, 'RssAnon'), file: processMemMb(s.child.pid, 'RssFile') },
  };
  idleRss.set(s.child.pid, idle);
  s.idleRssMb = idle.mb;
  s.idleRssSplit = idle.split;
  let warmAnswered = 0;
  if (WARMUP_S > 0) {
    const warm = await drive(s, x, WARMUP_S, undefined);
    warmAnswered = warm.correct + warm.incorrect;
    step(`${TITLES[s.name]}: warm-up ${WARMUP_S} s, ${warm.responses} responses (${warm.correct} correct)`);
  }
  return { selfCheck: problems, warmAnswered };
}

function describeWindow(name: ServerName, pid: number, st: RunStats, label: string): void {
  step(
    `${TITLES[name]}: ${label} ${st.durationS.toFixed(1)} s: ${st.correct} correct (${(st.correct / st.durationS).toFixed(0)}/s), ` +
      `${st.incorrect} incorrect, ${st.non2xx} non-2xx, ${st.errors} errors, ${st.timeouts} timeouts; ` +
      `server CPU ${fmt(st.serverCpuMs, 0)} ms, RSS ${fmt(processMemMb(pid, 'VmRSS'), 0)} MB; other processes ${fmt(st.otherPct, 0)}% of a core`,
  );
  for (const sample of st.samples) step(`  sample failure: ${sample}`);
}

/** After the secure server stopped (its shutdown flushes the audit buffer): audit rows vs calls answered. */
async function auditCount(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE kind = 'tool' AND target = 'notes.list' AND outcome = 'ok'`);
  return Number(rows[0].n);
}

async function main(): Promise<void> {
  const started = performance.now();
  const cleanup = new Cleanup();
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      out(`[bench] ${signal}: cleaning up`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }
  const scratch = mkdtempSync(join(tmpdir(), 'mcp-bench-'));
  cleanup.push('remove scratch folder', async () => rmSync(scratch, { recursive: true, force: true }));
  const profileRoot = CPU_PROF ? mkdtempSync(join(tmpdir(), 'mcp-bench-profiles-')) : undefined;
  try {
    const loadavg = HAS_PROC ? `, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}` : '';
    step(`host: ${cpus().length} CPUs${loadavg}; servers: ${ONLY.join(', ')}`);
    if (!HAS_PROC) step('no /proc: CPU and RSS figures are unavailable on this platform');
    const db = await openDatabase(cleanup);
    await migrate(db.url);
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    cleanup.push('close bench pool', () => pool.end());
    const { users, noteOwner } = await seed(pool);
    const x: Expectation = { users, noteOwner };

    // All servers up at once (an idle one costs nothing), then measured in interleaved rounds so that a
    // disturbance on a shared machine spreads over all of them instead of landing on one.
    // secure-mcp-server is one process measured twice: with 2025-06-18 requests and with 2026-07-28 requests.
    const servers: ServerUnderTest[] = [];
    const wanted = (...names: ServerName[]) => names.some((n) => ONLY.includes(n));
    if (wanted('secure', 'secure-modern') && !interrupted) {
      const secure = await startSecure(db, users, scratch, profileRoot, cleanup);
      if (wanted('secure')) servers.push(secure);
      if (wanted('secure-modern')) servers.push(modernEra(secure));
    }
    if (wanted('tutorial') && !interrupted) servers.push(await startTutorial(db, users, profileRoot, cleanup));
    if (wanted('floor') && !interrupted) servers.push(await startFloor(db, users, profileRoot, cleanup));
    const prepared = new Map<ServerName, { selfCheck: string[]; warmAnswered: number }>();
    for (const server of servers) if (!interrupted) prepared.set(server.name, await prepare(server, x));
    const measured = new Map<ServerName, RunStats>();
    for (let round = 1; round <= ROUNDS && !interrupted; round++) {
      // Alternate the order so that no server always follows the same one.
      const order = round % 2 === 1 ? servers : [...servers].reverse();
      for (const server of order) {
        if (interrupted) break;
        const st = await drive(server, x, DURATION_S / ROUNDS, db);
        describeWindow(server.name, server.child.pid, st, `round ${round}/${ROUNDS},`);
        const before = measured.get(server.name);
        measured.set(server.name, before ? mergeStats(before, st) : st);
      }
    }
    // Peak RSS, then stop each process once (both eras of secure-mcp-server share one).
    const peak = new Map<number, number | undefined>();
    for (const server of servers) if (!peak.has(server.child.pid)) peak.set(server.child.pid, processMemMb(server.child.pid, 'VmHWM'));
    for (const server of servers) {
      server.peakRssMb = peak.get(server.child.pid);
      await stopChild(server.child);
    }
    const rows: Row[] = [];
    for (const server of servers) {
      if (interrupted) break;
      rows.push(toRow(server, measured.get(server.name)!, prepared.get(server.name)!));
    }
    // One audit event per call answered by secure-mcp-server, in either era (self-checks, warm-ups and measured windows).
    const secureRows = rows.filter((r) => SECURE_ERAS.includes(r.server.name));
    if (secureRows.length) {
      const answered = secureRows.reduce((sum, r) => sum + 1 + r.warmAnswered + r.stats.correct + r.stats.incorrect, 0);
      secureRows[0].audit = { events: await auditCount(pool), answered };
    }
    for (const row of rows) {
      const server = row.server;
      if (server.profileDir) {
        const files = readdirSync(server.profileDir).filter((f) => f.endsWith('.cpuprofile'));
        for (const f of files) {
          out(`\n[bench] CPU profile of ${TITLES[server.name]}: ${join(server.profileDir, f)}`);
          out(summarizeProfile(join(server.profileDir, f), 30, { windowsUs: row.stats.windowsUs, requests: row.stats.correct }));
        }
      }
    }
    if (!interrupted) report(rows, db, performance.now() - started);
  } finally {
    if (!interrupted) await cleanup.run();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`[bench] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
