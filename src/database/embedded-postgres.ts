import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
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
 */
export class EmbeddedPostgres {
  private db?: PGlite;
  private server?: PGliteWireServer;
  private readonly lockPath: string;

  constructor(private readonly dataDir: string) {
    this.lockPath = join(dataDir, 'embedded-postgres.json');
  }

  /** Starts (or joins) the engine and returns a connection URL. */
  async start(): Promise<string> {
    const running = await this.findRunning();
    if (running) return urlFor(running.port);
    mkdirSync(this.dataDir, { recursive: true });
    this.db = await PGlite.create(join(this.dataDir, 'pgdata'));
    this.server = new PGliteWireServer(this.db);
    const port = await this.server.listen('127.0.0.1', 0);
    writeFileSync(this.lockPath, JSON.stringify({ pid: process.pid, port } satisfies LockFile));
    return urlFor(port);
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

function urlFor(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
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
