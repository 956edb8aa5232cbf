import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
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
      expect(url).toMatch(/^postgres:\/\/postgres:[\w-]{43}@127\.0\.0\.1:\d+\/postgres$/);
      expect(new URL(url!).password).toBe(readFileSync(join(dataDir, 'embedded-postgres.password'), 'utf8'));
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
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'key-encryption-secret'))).toBe(0o600);
    expect(mode(join(dataDir, 'embedded-postgres.password'))).toBe(0o600);
    expect(openToOthers(dataDir)).toEqual([]);

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

  // One engine for the two groups below (starting PGlite is the slow part on a loaded machine).
  describe('one engine started directly', () => {
    let engine: EmbeddedPostgres;
    let url: string;
    const dir = join(mkdtempSync(join(tmpdir(), 'mcp-wire-')), 'data');
    beforeAll(async () => {
      // An existing, world-readable DATA_DIR (as earlier versions left it) is tightened at start.
      mkdirSync(dir, { mode: 0o755 });
      chmodSync(dir, 0o755);
      engine = new EmbeddedPostgres(dir);
      url = await engine.start();
    });
    afterAll(async () => {
      await engine?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    describe('several connections to the one embedded session', () => {
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

    describe('only the owner of DATA_DIR can use the engine (issue 7 item 10)', () => {
      it('refuses a connection without the password, or with a wrong one, before PGlite sees it', async () => {
        const noPassword = new URL(url);
        noPassword.password = '';
        await expect(PgWire.connect(noPassword.toString())).rejects.toThrow(/password authentication failed/);
        const wrong = new URL(url);
        wrong.password = 'x'.repeat(43);
        await expect(PgWire.connect(wrong.toString())).rejects.toThrow(/password authentication failed/);
        const client = new pg.Client({ connectionString: noPassword.toString(), password: 'guess' });
        await expect(client.connect()).rejects.toThrow(/password authentication failed/);
        await client.end().catch(() => undefined);
        // With the password from DATA_DIR it works, and the refused attempts left the session usable.
        const owner = new pg.Client({ connectionString: url });
        await owner.connect();
        try {
          expect((await owner.query<{ v: string }>("SELECT 'ok' AS v")).rows).toEqual([{ v: 'ok' }]);
        } finally {
          await owner.end();
        }
      });

      it('closes a connection whose startup message claims an oversized length', async () => {
        const { connect } = await import('node:net');
        const socket = connect({ host: '127.0.0.1', port: Number(new URL(url).port) });
        const closed = new Promise<Buffer>((resolve) => {
          const chunks: Buffer[] = [];
          socket.on('data', (d: Buffer) => chunks.push(d));
          socket.on('close', () => resolve(Buffer.concat(chunks)));
        });
        const header = Buffer.alloc(8);
        header.writeInt32BE(1 << 30, 0);
        header.writeInt32BE(196608, 4);
        socket.write(header);
        expect((await closed).toString('latin1')).toContain('invalid startup packet length');
      });

      it('keeps DATA_DIR 0700 and the password and lock files 0600; a second process joins with the password', async () => {
        expect(mode(dir)).toBe(0o700);
        expect(mode(join(dir, 'embedded-postgres.password'))).toBe(0o600);
        expect(mode(join(dir, 'embedded-postgres.json'))).toBe(0o600);
        // PGlite unpacks its initial files as 0666; none is left open to group or others.
        expect(openToOthers(join(dir, 'pgdata'))).toEqual([]);
        // Another process of the same user (the token CLI while the server runs) joins with the password file.
        const { execFile } = await import('node:child_process');
        const { promisify } = await import('node:util');
        const engineModule = join(process.cwd(), 'dist-test/src/database/embedded-postgres.js');
        const script = `const { EmbeddedPostgres } = await import(${JSON.stringify(engineModule)}); process.stdout.write(await new EmbeddedPostgres(${JSON.stringify(dir)}).start());`;
        // (Asynchronously: this process serves the engine the child connects to.)
        const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
        expect(stdout).toBe(url);
      });
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

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Paths under `dir` (itself included) with any group or other permission bit. */
function openToOthers(dir: string): string[] {
  const found = mode(dir) & 0o077 ? [dir] : [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...openToOthers(path));
    else if (mode(path) & 0o077) found.push(path);
  }
  return found;
}
