import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';

/**
 * An empty, unmigrated database of the run's engine: a new database on TEST_DATABASE_URL's server
 * (real Postgres), or a new embedded engine in a temporary folder. `drop()` removes it.
 */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.E2E_ENGINE === 'postgres' ? process.env.TEST_DATABASE_URL : undefined;
  if (admin) {
    const name = `mcp_fresh_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const run = async (sql: string) => {
      const db = new pg.Client({ connectionString: admin });
      await db.connect();
      try {
        await db.query(sql);
      } finally {
        await db.end();
      }
    };
    await run(`CREATE DATABASE ${name}`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'mcp-fresh-'));
  const engine = new EmbeddedPostgres(dir);
  const url = await engine.start();
  return {
    url,
    async drop() {
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
