import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { ensurePrivateDir, readOrCreateSecret, restrictTree } from '../common/private-files.js';
import { PGliteWireServer } from './pglite-wire-server.js';

interface LockFile {
  pid: number;
  port: number;
}

/**
 * The embedded engine: PGlite served over the Postgres wire protocol on a loopback port, so the app
 * talks to it with the same `pg` driver and migrations as to a real Postgres. A second process on the
 * same DATA_DIR (the token CLI while the server runs) reuses the running engine instead of opening
 * the data folder twice.
 *
 * Only the owner of DATA_DIR can use it: the folder is 0700 and its files 0600 (PGlite unpacks its
 * initial data files as 0666), and the wire server asks every connection for a random password kept
 * in DATA_DIR/embedded-postgres.password (0600), so no other local process connects as superuser.
 */
export class EmbeddedPostgres {
  private db?: PGlite;
  private server?: PGliteWireServer;
  private readonly lockPath: string;
  private readonly passwordPath: string;

  constructor(private readonly dataDir: string) {
    this.lockPath = join(dataDir, 'embedded-postgres.json');
    this.passwordPath = join(dataDir, 'embedded-postgres.password');
  }

  /** Starts (or joins) the engine and returns a connection URL (with the password). */
  async start(): Promise<string> {
    ensurePrivateDir(this.dataDir);
    const { secret: password } = readOrCreateSecret(this.passwordPath);
    const running = await this.findRunning();
    if (running) return urlFor(running.port, password);
    const pgdata = join(this.dataDir, 'pgdata');
    // btree_gin: the owner-scoped search index (migration OwnerScopedNoteSearch).
    this.db = await PGlite.create(pgdata, { extensions: { btree_gin } });
    // PGlite makes a contrib extension loadable only through its own query API, not through the wire
    // protocol the migrations use: create it here, so the migration's CREATE EXTENSION IF NOT EXISTS is a no-op.
    await this.db.exec('CREATE EXTENSION IF NOT EXISTS btree_gin');
    restrictTree(pgdata);
    this.server = new PGliteWireServer(this.db, password);
    const port = await this.server.listen('127.0.0.1', 0);
    writeFileSync(this.lockPath, JSON.stringify({ pid: process.pid, port } satisfies LockFile), { mode: 0o600 });
    return urlFor(port, password);
  }

  get owned(): boolean {
    return this.db !== undefined;
  }

  async stop(): Promise<void> {
    if (!this.db) return;
    await this.server?.stop();
    await this.db.close();
    this.db = undefined;
    rmSync(this.lockPath, { force: true });
    restrictTree(join(this.dataDir, 'pgdata')); // files PGlite wrote while running (e.g. pg_internal.init, 0644)
  }

  private async findRunning(): Promise<LockFile | undefined> {
    let lock: LockFile;
    try {
      lock = JSON.parse(readFileSync(this.lockPath, 'utf8')) as LockFile;
    } catch {
      return undefined;
    }
    if (lock.pid === process.pid || !isAlive(lock.pid)) return undefined;
    return (await canConnect(lock.port)) ? lock : undefined;
  }
}

function urlFor(port: number, password: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      done(true);
    });
    socket.on('error', () => done(false));
  });
}
