/**
 * `npm run bench:search`: notes.search against notes.list at scale (issue 11 item 14).
 *
 * 1. A fresh `mcp_bench_search_<ts>` database on DATABASE_URL's server (dropped at the end), migrated.
 * 2. Seed: BENCH_SEARCH_USERS users (100) × BENCH_SEARCH_NOTES_PER_USER notes (10,000): 1,000,000 notes.
 *    Every note has 20 words from a 400-word vocabulary; "meeting" is in every 2nd note (a common
 *    word: 5,000 matches per user), "zanzibar" in every 5,000th (a rare word: 2 per user).
 * 3. The repository's own queries (src/notes/notes.repository.ts, the SQL the tools run), from
 *    BENCH_SEARCH_CONNECTIONS concurrent connections (4), over random users: notes.list {limit: 10}
 *    (first page: limit + 1 rows), notes.search "meeting" and notes.search "zanzibar" {limit: 10},
 *    BENCH_SEARCH_QUERIES each (2,000) after a warm-up, interleaved in rounds.
 * 4. Report: p50 / p99 / max per case, the search/list p99 ratios against the target (≤ 2×), and the
 *    plan of each search. Exit code 1 when a ratio misses the target.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import type { SqlService } from '../src/database/sql.service.js';
import { NotesRepository, SEARCH_SQL } from '../src/notes/notes.repository.js';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1 (got ${JSON.stringify(raw)})`);
  return n;
};
const USERS = envInt('BENCH_SEARCH_USERS', 100);
const NOTES_PER_USER = envInt('BENCH_SEARCH_NOTES_PER_USER', 10_000);
const CONNECTIONS = envInt('BENCH_SEARCH_CONNECTIONS', 4);
const QUERIES = envInt('BENCH_SEARCH_QUERIES', 2_000);
const ROUNDS = 4;
const PAGE = 10;
const TARGET_RATIO = 2;
const COMMON = 'meeting';
const RARE = 'zanzibar';

const step = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

async function seed(pool: pg.Pool): Promise<string[]> {
  const started = performance.now();
  await pool.query(
    `INSERT INTO users (source, login, last_login_at) SELECT 'dev', 'search-u' || lpad(g::text, 4, '0'), now() FROM generate_series(1, $1::int) g`,
    [USERS],
  );
  const { rows: users } = await pool.query<{ id: string }>(`SELECT id::text FROM users WHERE login LIKE 'search-u%' ORDER BY login`);
  // 400 filler words: w000 … w399 spelled as letters so that the English stemmer keeps them distinct.
  const vocabulary = Array.from({ length: 400 }, (_, i) => `q${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}x`);
  for (let i = 0; i < users.length; i += 10) {
    await pool.query(
      `INSERT INTO notes (owner_id, title, body, created_at, updated_at)
       SELECT u.id, 'Note ' || n,
              (SELECT string_agg(($2::text[])[1 + (abs(hashint8(n * 31 + k + u.ord * 7919)) % 400)], ' ') FROM generate_series(1, 20) k)
                || CASE WHEN n % 2 = 0 THEN ' ${COMMON}' ELSE '' END
                || CASE WHEN n % 5000 = 17 THEN ' ${RARE}' ELSE '' END,
              now() - make_interval(secs => n), now() - make_interval(secs => n)
       FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, ord) CROSS JOIN generate_series(1, $3::int) n`,
      [users.slice(i, i + 10).map((u) => u.id), vocabulary, NOTES_PER_USER],
    );
    step(`seeded ${Math.min(i + 10, users.length) * NOTES_PER_USER} notes`);
  }
  await pool.query('VACUUM ANALYZE notes');
  await pool.query('ANALYZE users');
  step(`seeded ${users.length} users × ${NOTES_PER_USER} notes in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return users.map((u) => u.id);
}

interface Case {
  name: string;
  run: (owner: string) => Promise<number>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(cases: Case[], owners: string[], perCase: number): Promise<Map<string, number[]>> {
  const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
  const pick = () => owners[Math.floor(Math.random() * owners.length)];
  // Rounds that visit the cases in turn, so that a disturbance on a shared machine spreads over all of them.
  const perRound = Math.ceil(perCase / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      let left = perRound;
      const worker = async () => {
        while (left-- > 0) {
          const owner = pick();
          const started = performance.now();
          const rows = await c.run(owner);
          samples.get(c.name)!.push(performance.now() - started);
          if (rows === 0) throw new Error(`${c.name} returned nothing for ${owner}: the seed is wrong`);
        }
      };
      await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    }
  }
  return samples;
}

async function main(): Promise<void> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('Set DATABASE_URL to a Postgres server (a fresh database is created on it and dropped at the end)');
  const database = `mcp_bench_search_${Date.now()}_${randomBytes(2).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: CONNECTIONS });
  // DROP DATABASE ... WITH (FORCE) at the end ends whatever connection is left: not an error of the bench.
  pool.on('error', () => undefined);
  try {
    const ds = new DataSource(dataSourceOptions(url.toString(), 1, false));
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();
    step(`migrated ${database}`);
    const owners = await seed(pool);
    const repository = new NotesRepository({
      query: async (text: string, params: unknown[]) => (await pool.query(text, params)).rows,
    } as unknown as SqlService);
    const cases: Case[] = [
      { name: 'notes.list', run: async (o) => (await repository.list(o, PAGE + 1)).length },
      { name: `notes.search "${COMMON}"`, run: async (o) => (await repository.search(o, COMMON, PAGE)).length },
      { name: `notes.search "${RARE}"`, run: async (o) => (await repository.search(o, RARE, PAGE)).length },
    ];
    step('warm-up');
    await measure(cases, owners, 200);
    step(`measuring: ${QUERIES} queries per case, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds`);
    const samples = await measure(cases, owners, QUERIES);

    for (const word of [COMMON, RARE]) {
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${SEARCH_SQL}`, [owners[0], word, PAGE]);
      console.log(`\nplan of notes.search "${word}":\n${rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`);
    }

    const { rows: count } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM notes');
    console.log(`\n${count[0].n} notes over ${owners.length} users, ${CONNECTIONS} connections\n`);
    const stats = new Map<string, { p50: number; p99: number; max: number }>();
    console.log(`${'case'.padEnd(28)} ${'n'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`);
    for (const [name, values] of samples) {
      const sorted = [...values].sort((a, b) => a - b);
      const s = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
      stats.set(name, s);
      console.log(
        `${name.padEnd(28)} ${String(values.length).padStart(6)} ${s.p50.toFixed(2).padStart(8)} ${s.p99.toFixed(2).padStart(8)} ${s.max.toFixed(2).padStart(8)}`,
      );
    }
    const listP99 = stats.get('notes.list')!.p99;
    let ok = true;
    for (const name of [`notes.search "${COMMON}"`, `notes.search "${RARE}"`]) {
      const ratio = stats.get(name)!.p99 / listP99;
      ok &&= ratio <= TARGET_RATIO;
      console.log(`${name} p99 / notes.list p99 = ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}) ${ratio <= TARGET_RATIO ? 'ok' : 'MISSED'}`);
    }
    process.exitCode = ok ? 0 : 1;
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
