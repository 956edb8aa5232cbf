/** The result rows and the final report: the table, and the targets with their verdicts. */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Database } from './database.js';
import type { RunStats } from './load.js';
import { fmt, out, percentile } from './measure.js';
import {
  CONNECTIONS,
  DURATION_S,
  NOTES_PER_USER,
  PAGE,
  ROUNDS,
  SEED_USERS,
  TARGETS,
  TITLES,
  TOKEN_USERS,
  WARMUP_S,
  SECURE_ERAS,
  ROOT,
  type ServerName,
} from './settings.js';
import type { ServerUnderTest } from './servers.js';

export interface Row {
  server: ServerUnderTest;
  stats: RunStats;
  rps: number;
  p50: number;
  p99: number;
  cpuPerReq?: number;
  selfCheck: string[];
  /** HTTP 200 answers during the warm-up (for the audit cross-check). */
  warmAnswered: number;
  audit?: { events: number; answered: number };
}

export function toRow(s: ServerUnderTest, stats: RunStats, prep: { selfCheck: string[]; warmAnswered: number }): Row {
  return {
    server: s,
    stats,
    rps: stats.correct / stats.durationS,
    p50: percentile(stats.latencies, 50),
    p99: percentile(stats.latencies, 99),
    cpuPerReq: stats.serverCpuMs !== undefined && stats.correct > 0 ? stats.serverCpuMs / stats.correct : undefined,
    selfCheck: prep.selfCheck,
    warmAnswered: prep.warmAnswered,
  };
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function report(rows: Row[], db: Database, totalMs: number): void {
  const by = (name: ServerName) => rows.find((r) => r.server.name === name);
  out();
  out('='.repeat(100));
  out(
    `secure-mcp-server benchmark: tools/call notes.list {limit: ${PAGE}}, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per server (${ROUNDS} interleaved rounds)`,
  );
  const cpuModel = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  out(
    `host: ${cpus().length} × ${cpuModel}, node ${process.version}, database: ${db.engine === 'postgres' ? 'real Postgres (DATABASE_URL)' : 'embedded PGlite (single-threaded engine, own process)'}`,
  );
  const runtime = runtimeNote();
  if (runtime) out(runtime);
  out(`data: ${SEED_USERS} users × ${NOTES_PER_USER} notes; load spread over ${TOKEN_USERS} users' tokens; audit on in secure-mcp-server`);
  out('='.repeat(100));
  const headers = [
    'server',
    'correct req/s',
    'p50 ms',
    'p99 ms',
    'CPU ms/req',
    'incorrect',
    'non-2xx',
    'errors',
    'timeouts',
    'idle RSS MB',
    'loadgen CPU%',
    'other CPU%',
    'host busy%',
  ];
  headers.push('DB CPU ms/req');
  const cells = rows.map((r) => {
    const c = [
      TITLES[r.server.name],
      r.rps.toFixed(0),
      fmt(r.p50),
      fmt(r.p99),
      fmt(r.cpuPerReq, 3),
      String(r.stats.incorrect),
      String(r.stats.non2xx),
      String(r.stats.errors),
      String(r.stats.timeouts),
      fmt(r.server.idleRssMb, 1),
      fmt((100 * r.stats.loadgenCpuMs) / (r.stats.durationS * 1000), 0),
      fmt(r.stats.otherPct, 0),
      fmt(r.stats.hostBusyPct, 0),
    ];
    c.push(fmt(r.stats.engineCpuMs !== undefined && r.stats.correct ? r.stats.engineCpuMs / r.stats.correct : undefined, 3));
    return c;
  });
  out(table(headers, cells));
  out('CPU ms/req = CPU time (user+sys, all threads) of the server process over its measured windows ÷ correct responses.');
  out(
    `DB CPU ms/req = the same for ${db.engine === 'postgres' ? 'the Postgres backends serving the bench database' : 'the embedded engine process'} (secure-mcp-server's includes its audit writes).`,
  );
  out('loadgen CPU% = the benchmark process itself (autocannon + response checks), % of one core.');
  out(
    `other CPU% = user+system time of every other process on the host, % of one core${db.engine === 'postgres' ? " (Postgres's background processes included)" : ''};`,
  );
  out(`  more than ~10% means someone else was using the machine and the figures are disturbed. host busy% = all ${cpus().length} cores.`);
  out('p50/p99 over every response of the measured windows (all of them correct unless a count above says otherwise).');
  for (const r of rows) {
    if (r.stats.reasons.size) out(`${TITLES[r.server.name]} failures: ${[...r.stats.reasons].map(([k, v]) => `${v} × ${k}`).join('; ')}`);
    if (r.selfCheck.length) out(`${TITLES[r.server.name]} SELF-CHECK FAILED: ${r.selfCheck.join('; ')}`);
  }

  const floor = by('floor');
  const tutorial = by('tutorial');
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a ' : ok ? 'PASS' : 'FAIL');
  const line = (label: string, value: string, target: string, ok: boolean | undefined, note = '') =>
    out(`  ${verdict(ok)}  ${label.padEnd(44)} ${value.padStart(10)}   target ${target}${note ? `   ${note}` : ''}`);
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
  for (const era of SECURE_ERAS) {
    const secure = by(era);
    if (!secure) continue;
    out();
    out(`Targets, ${TITLES[era]} (audit on):`);
    const cpuRatio = ratio(secure.cpuPerReq, floor?.cpuPerReq);
    line(
      'server CPU/request ÷ floor',
      cpuRatio === undefined ? 'n/a' : `${cpuRatio.toFixed(2)}×`,
      `≤ ${TARGETS.cpuVsFloor}×`,
      cpuRatio === undefined ? undefined : cpuRatio <= TARGETS.cpuVsFloor,
      secure.cpuPerReq !== undefined && floor?.cpuPerReq !== undefined ? `(${secure.cpuPerReq.toFixed(3)} vs ${floor.cpuPerReq.toFixed(3)} ms)` : '',
    );
    const rpsRatio = ratio(secure.rps, tutorial?.rps);
    line(
      'correct req/s ÷ tutorial baseline',
      rpsRatio === undefined ? 'n/a' : `${rpsRatio.toFixed(2)}×`,
      `≥ ${TARGETS.rpsVsTutorial}×`,
      rpsRatio === undefined ? undefined : rpsRatio >= TARGETS.rpsVsTutorial,
      tutorial ? `(${secure.rps.toFixed(0)} vs ${tutorial.rps.toFixed(0)} req/s)` : '',
    );
    const p99Ratio = ratio(secure.p99, floor?.p99);
    line(
      'p99 latency ÷ floor',
      p99Ratio === undefined ? 'n/a' : `${p99Ratio.toFixed(2)}×`,
      `≤ ${TARGETS.p99VsFloor}×`,
      p99Ratio === undefined ? undefined : p99Ratio <= TARGETS.p99VsFloor,
      floor ? `(${secure.p99.toFixed(2)} vs ${floor.p99.toFixed(2)} ms)` : '',
    );
    // Both eras are one process: the same idle RSS and start-up.
    const rss = secure.server.idleRssMb;
    line(
      'idle RSS',
      rss === undefined ? 'n/a' : `${rss.toFixed(1)} MB`,
      `≤ ${TARGETS.idleRssMb} MB`,
      rss === undefined ? undefined : rss <= TARGETS.idleRssMb,
      secure.server.peakRssMb !== undefined
        ? `(${fmt(secure.server.idleRssSplit?.anon, 1)} MB anonymous + ${fmt(secure.server.idleRssSplit?.file, 1)} MB file-backed; peak under load ${secure.server.peakRssMb.toFixed(1)} MB)`
        : '',
    );
    const ready = secure.server.readyMs;
    line(
      'time to ready (spawn → 200 on /readyz)',
      ready === undefined ? 'n/a' : `${ready.toFixed(0)} ms`,
      `≤ ${TARGETS.readyMs} ms`,
      ready === undefined ? undefined : ready <= TARGETS.readyMs,
      db.engine === 'embedded' ? '(target is for real Postgres; this run used the embedded engine)' : '',
    );
  }
  out();
  const correctness = rows.every(
    (r) => r.stats.incorrect === 0 && r.stats.non2xx === 0 && r.stats.errors === 0 && r.stats.timeouts === 0 && r.selfCheck.length === 0,
  );
  out(`  ${verdict(correctness)}  ${'every response correct, every self-check passed'.padEnd(44)}`);
  const audited = rows.find((r) => r.audit);
  if (audited?.audit) {
    out(
      `  ${verdict(audited.audit.events >= audited.audit.answered)}  ${'audit: one event per answered call (both eras)'.padEnd(44)} ${String(audited.audit.events).padStart(10)}   events for ${audited.audit.answered} calls answered with HTTP 200 (≥: calls in flight when a run stops are answered but not counted)`,
    );
  }
  if (db.engine === 'embedded') {
    out();
    out('Note: the embedded engine runs every query on one thread; when it is saturated it caps every server alike,');
    out("so req/s and latency ratios compress towards 1. CPU per request is still the server process's own cost.");
  }
  out(`Total benchmark time: ${(totalMs / 1000).toFixed(1)} s`);
}

/**
 * A warning when this Node is older than package.json `engines` allows: the figures are then those of
 * an unsupported runtime (every server here runs on this process's Node), not of the image's.
 */
function runtimeNote(): string | undefined {
  const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node;
  const minimum = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(engines ?? '');
  if (!minimum) return undefined;
  const have = process.versions.node.split('.').map(Number);
  const need = minimum.slice(1).map(Number);
  const older = have[0] !== need[0] ? have[0] < need[0] : have[1] !== need[1] ? have[1] < need[1] : have[2] < need[2];
  const image = /^ARG NODE_IMAGE=node:([0-9.]+)-/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  return older
    ? `WARNING: node ${process.version} is older than package.json engines (${engines}); the image runs Node ${image ?? '24'}. ` +
        `For the shipped runtime's figures: npx -y -p node@${image ?? '24'} -- npm run bench`
    : undefined;
}
