// Runs once in scripts/test.mjs, before the test files start. It imports the compiled app
// (`npm test` builds dist-test/ first) so that the migrations and the embedded engine are the app's own.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../dist-test/src/database/data-source-options.js';
import { EmbeddedPostgres } from '../../dist-test/src/database/embedded-postgres.js';

/**
 * One database per test run, migrated once: a fresh database on TEST_DATABASE_URL's server when it
 * is set (real Postgres), otherwise one embedded engine (PGlite) in a temporary folder.
 * Workers inherit E2E_DATABASE_URL and E2E_KEY_SECRET through the environment.
 */
export default async function globalSetup() {
  let url;
  if (process.env.TEST_DATABASE_URL) {
    const adminUrl = process.env.TEST_DATABASE_URL;
    const database = `mcp_e2e_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    url = u.toString();
    globalThis.__E2E_DB__ = { adminUrl, database };
  } else {
    const embedded = new EmbeddedPostgres(mkdtempSync(join(tmpdir(), 'mcp-e2e-')));
    url = await embedded.start();
    globalThis.__E2E_DB__ = { embedded };
  }
  const ds = new DataSource(dataSourceOptions(url, 1, false));
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
  process.env.E2E_DATABASE_URL = url;
  process.env.E2E_KEY_SECRET = randomBytes(32).toString('base64url');
  process.env.E2E_ENGINE = process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';
}
