/** The bench database (a fresh one on DATABASE_URL's server, or the embedded engine), its migrations and its seed. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { childEnv, spawnNode, stopChild, waitForIpc } from './children.js';
import { HAS_PROC, processCpuMs, step, type Cleanup } from './measure.js';
import { DIST, NOTES_PER_USER, PAGE, SEED_USERS, TOKEN_USERS } from './settings.js';

export interface Database {
  url: string;
  engine: 'postgres' | 'embedded';
  /** The embedded engine's process, for its CPU. */
  enginePid?: number;
  /** The bench database's name on a real Postgres, to find its backend processes. */
  name?: string;
}

/** CPU ms per process of the database side: the embedded engine, or the Postgres backends serving the bench database. */
export function engineCpuSnapshot(db: Database): Map<number, number> | undefined {
  if (!HAS_PROC) return undefined;
  const snapshot = new Map<number, number>();
  if (db.enginePid) {
    const ms = processCpuMs(db.enginePid);
    if (ms !== undefined) snapshot.set(db.enginePid, ms);
    return snapshot;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.startsWith('postgres:') || !cmdline.includes(` ${db.name} `)) continue;
      const ms = processCpuMs(Number(entry));
      if (ms !== undefined) snapshot.set(Number(entry), ms);
    } catch {
      // gone
    }
  }
  return snapshot;
}

export function engineCpuDelta(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

export async function openDatabase(cleanup: Cleanup): Promise<Database> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const name = `mcp_bench_${Date.now()}_${randomBytes(2).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    cleanup.push(`drop database ${name}`, async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
        step(`dropped database ${name}`);
      } finally {
        await c.end();
      }
    });
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    step(`database: fresh ${name} on ${u.host} (real Postgres)`);
    return { url: u.toString(), engine: 'postgres', name };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-bench-db-'));
  cleanup.push('remove embedded data', async () => rmSync(dataDir, { recursive: true, force: true }));
  const started = performance.now();
  const child = spawnNode('embedded-db', join(DIST, 'bench/embedded-db.js'), childEnv({ DATA_DIR: dataDir }), { ipc: true });
  cleanup.push('stop embedded engine', async () => {
    await stopChild(child);
    step('embedded engine stopped');
  });
  const { url } = await waitForIpc<{ type: string; url: string }>(child, 'listening', 60_000);
  step(`database: embedded PGlite (pid ${child.pid}) at ${url}, data in ${dataDir}, up in ${(performance.now() - started).toFixed(0)} ms`);
  return { url, engine: 'embedded', enginePid: child.pid };
}

export async function migrate(url: string): Promise<void> {
  const started = performance.now();
  const ds = new DataSource(dataSourceOptions(url, 1, false));
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    step(`migrations: ${applied.length} applied in ${(performance.now() - started).toFixed(0)} ms`);
  } finally {
    await ds.destroy();
  }
}

export interface BenchUser {
  login: string;
  id: string;
  /** The ids notes.list {limit: 10} must return for this user, in order. */
  expected: string[];
}

export async function seed(pool: pg.Pool): Promise<{ users: BenchUser[]; noteOwner: Map<string, number> }> {
  const started = performance.now();
  const login = (i: number) => `bench-u${String(i).padStart(4, '0')}`;
  await pool.query(
    `INSERT INTO users (source, login, last_login_at)
     SELECT 'dev', 'bench-u' || lpad(g::text, 4, '0'), now() FROM generate_series(1, $1::int) g`,
    [SEED_USERS],
  );
  await pool.query(
    `INSERT INTO notes (owner_id, title, body, created_at, updated_at)
     SELECT u.id,
            'Note ' || n || ' of ' || u.login,
            'Body of note ' || n || ' for ' || u.login || '. ' || repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 1 + n % 4),
            now() - make_interval(mins => n), now() - make_interval(mins => n)
     FROM users u CROSS JOIN generate_series(1, $1::int) n
     WHERE u.source = 'dev' AND u.login LIKE 'bench-u%'`,
    [NOTES_PER_USER],
  );
  await pool.query('ANALYZE users');
  await pool.query('ANALYZE notes');
  const logins = Array.from({ length: TOKEN_USERS }, (_, i) => login(i + 1));
  const { rows } = await pool.query<{ login: string; id: string; expected: string[] }>(
    `SELECT u.login, u.id::text AS id,
            array(SELECT n.id::text FROM notes n WHERE n.owner_id = u.id ORDER BY n.created_at DESC, n.id DESC LIMIT ${PAGE}) AS expected
     FROM users u WHERE u.source = 'dev' AND u.login = ANY($1) ORDER BY u.login`,
    [logins],
  );
  const users = rows.map((r) => ({ login: r.login, id: r.id, expected: r.expected }));
  if (users.length !== TOKEN_USERS || users.some((u) => u.expected.length !== Math.min(PAGE, NOTES_PER_USER)))
    throw new Error('seeding did not produce the expected users and notes');
  const noteOwner = new Map<string, number>();
  users.forEach((u, i) => u.expected.forEach((id) => noteOwner.set(id, i)));
  const counts = await pool.query<{ users: string; notes: string }>(`SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM notes) AS notes`);
  step(
    `seeded ${counts.rows[0].users} users and ${counts.rows[0].notes} notes in ${(performance.now() - started).toFixed(0)} ms; load spread over ${users.length} users`,
  );
  return { users, noteOwner };
}
