import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig } from '../src/config/app-config.js';
import { EnvironmentError } from '../src/config/environment.js';
import { EmbeddedDatabaseService } from '../src/database/embedded-database.service.js';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import type { Note } from '../src/notes/note.js';
import { createNote } from './factories/note.factory.js';
import { freePort } from './helpers/free-port.js';
import { PgWire, wire } from './helpers/pg-wire.js';
import { startTestApp, uniqueLogin } from './helpers/test-app.js';

describe('embedded database (DATABASE_URL unset)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts its own engine in DATA_DIR, migrates it, and keeps notes and signing keys across a restart', async () => {
    // As on a fresh machine: no DATABASE_URL, no KEY_ENCRYPTION_SECRET, migrations at start.
    const env = { DATABASE_URL: '', KEY_ENCRYPTION_SECRET: '', MIGRATIONS_RUN: 'true', DATA_DIR: dataDir, PORT: String(await freePort()) };
    const login = uniqueLogin('embedded');
    let token: string;
    let note: Note;

    const first = await startTestApp(env);
    try {
      expect(first.config.databaseUrl).toBeUndefined();
      const ds = first.app.get(DataSource);
      const url = (ds.options as { url?: string }).url;
      expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(url).not.toBe(process.env.E2E_DATABASE_URL);
      const lock = JSON.parse(readFileSync(join(dataDir, 'embedded-postgres.json'), 'utf8')) as { pid: number; port: number };
      expect(lock.pid).toBe(process.pid);
      expect(url).toContain(`:${lock.port}/`);
      const migrations = await ds.query<Array<{ name: string }>>('SELECT name FROM migrations ORDER BY id');
      expect(migrations.map((m) => m.name)).toContain('CreatePlatformSchema1763780000000');
      const keys = await ds.query<Array<{ private_jwk_encrypted: string }>>('SELECT private_jwk_encrypted FROM signing_keys');
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) {
        expect(k.private_jwk_encrypted).toMatch(/^v1\./);
        expect(k.private_jwk_encrypted).not.toContain('"d"');
      }

      token = await first.token(login);
      const client = await first.client(token);
      note = await createNote(client, { title: 'Survives a restart', body: 'kept in DATA_DIR' });
      const list = await client.callTool({ name: 'notes.list', arguments: {} });
      expect((list.structuredContent as { notes: Note[] }).notes).toEqual([note]);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(true);
    expect(existsSync(join(dataDir, 'embedded-postgres.json'))).toBe(false); // the engine stopped and let go of the folder
    expect(existsSync(join(dataDir, 'key-encryption-secret'))).toBe(true);

    const second = await startTestApp(env);
    try {
      // The token minted before the restart still verifies: the key was persisted and decrypted again.
      const client = await second.client(token);
      const list = await client.callTool({ name: 'notes.list', arguments: {} });
      expect(list.isError).toBeFalsy();
      expect((list.structuredContent as { notes: Note[] }).notes).toEqual([note]);
      const got = await client.callTool({ name: 'notes.get', arguments: { id: note.id } });
      expect((got.structuredContent as { note: Note }).note).toEqual(note);
    } finally {
      await second.close();
    }
  });

  describe('several connections to the one embedded session', () => {
    let engine: EmbeddedPostgres;
    let url: string;
    const dir = mkdtempSync(join(tmpdir(), 'mcp-wire-'));
    beforeAll(async () => {
      engine = new EmbeddedPostgres(dir);
      url = await engine.start();
    });
    afterAll(async () => {
      await engine?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("a connection's extended query runs its own statement even when another connection's query arrives in between", async () => {
      // A driver's Parse and Bind can reach the server in separate TCP reads (large parameters, another process).
      const alice = await PgWire.connect(url);
      const bob = await PgWire.connect(url);
      try {
        alice.send(wire.parse("SELECT 'alice:' || $1::text AS v"));
        await new Promise((r) => setTimeout(r, 50));
        bob.send(wire.parse("SELECT 'bob:' || $1::text AS v"), wire.bind('bob-param'), wire.execute(), wire.sync());
        expect(PgWire.rows(await bob.readyForQuery())).toEqual({ rows: [['bob:bob-param']] });
        alice.send(wire.bind('alice-param'), wire.execute(), wire.sync());
        expect(PgWire.rows(await alice.readyForQuery())).toEqual({ rows: [['alice:alice-param']] });
      } finally {
        alice.close();
        bob.close();
      }
    });

    it("another connection's open transaction is not visible to, nor ended by, a second connection", async () => {
      const alice = await PgWire.connect(url);
      const bob = await PgWire.connect(url);
      try {
        alice.send(wire.query('CREATE TABLE IF NOT EXISTS wire_tx (v text)'));
        await alice.readyForQuery();
        alice.send(wire.query("BEGIN; INSERT INTO wire_tx VALUES ('uncommitted')"));
        await alice.readyForQuery();
        bob.send(wire.query('SELECT count(*)::text FROM wire_tx'));
        const seenByBob = bob.readyForQuery();
        // Bob waits for Alice's transaction (one session cannot run both); Alice rolls back.
        await new Promise((r) => setTimeout(r, 50));
        alice.send(wire.query('ROLLBACK'));
        await alice.readyForQuery();
        expect(PgWire.rows(await seenByBob)).toEqual({ rows: [['0']] });
      } finally {
        alice.close();
        bob.close();
      }
    });
  });

  describe('in production', () => {
    it('refuses to start without DATABASE_URL, naming it at config validation', () => {
      let error: unknown;
      try {
        AppConfig.from({ NODE_ENV: 'production', PUBLIC_URL: 'https://mcp.example.com', KEY_ENCRYPTION_SECRET: 'k'.repeat(48) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EnvironmentError);
      expect((error as EnvironmentError).problems).toEqual(expect.arrayContaining([expect.stringMatching(/^DATABASE_URL: required when NODE_ENV=production/)]));
      expect((error as Error).message).toContain('DATABASE_URL');
    });

    it('an empty DATABASE_URL counts as unset', () => {
      expect(() =>
        AppConfig.from({ NODE_ENV: 'production', DATABASE_URL: '', PUBLIC_URL: 'https://mcp.example.com', KEY_ENCRYPTION_SECRET: 'k'.repeat(48) }),
      ).toThrow(/DATABASE_URL/);
    });

    it('the database layer refuses the embedded engine too (defence in depth)', async () => {
      const config = { isProduction: true, databaseUrl: undefined, dataDir: mkdtempSync(join(tmpdir(), 'mcp-prod-')) } as unknown as AppConfig;
      await expect(new EmbeddedDatabaseService(config).connectionUrl()).rejects.toThrow(/DATABASE_URL is required in production/);
      expect(existsSync(join(config.dataDir, 'pgdata'))).toBe(false);
    });
  });
});
