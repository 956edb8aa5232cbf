import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { describeError } from '../common/errors/describe-error.js';
import { isConnectionError } from './database-errors.js';

/** A problem no retry can fix (e.g. the wrong KEY_ENCRYPTION_SECRET); its message says what to change. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

interface Step {
  name: string;
  run: () => Promise<void>;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 10_000;
const PROBE_TIMEOUT_MS = 5000;
const WARN_EVERY_MS = 30_000;

/**
 * Connects to the database after the server is already listening, so that a database that is down
 * at start-up gives /healthz 200 and /readyz 503 instead of a process that exits (a CrashLoopBackOff).
 * Until connected it retries with exponential backoff and jitter (250 ms doubling to 10 s) for up
 * to DB_CONNECT_TIMEOUT_MS (unlimited by default); then it runs the migrations (MIGRATIONS_RUN) and
 * the start-up steps that features registered with `onConnected` (signing keys, revocation list),
 * in order, and the server is ready. A step that fails because the database went away again is
 * retried; any other failure is fatal: `whenReady()` rejects with it (main.ts logs it and exits).
 */
@Injectable()
export class DatabaseConnector implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DatabaseConnector.name);
  private readonly steps: Step[] = [];
  private state: 'waiting' | 'connecting' | 'ready' | 'failed' = 'waiting';
  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private readonly ready: Promise<void>;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  private lastProblem?: string;
  private lastWarning = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    this.ready = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.ready.catch(() => undefined); // observed through whenReady()
  }

  /** Work that needs the database, run once it is connected and migrated (in registration order). */
  onConnected(name: string, run: () => Promise<void>): void {
    if (this.state !== 'waiting') throw new Error(`Start-up step "${name}" registered after start-up began`);
    this.steps.push({ name, run });
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Resolves once ready; rejects on a fatal start-up error, or after `timeoutMs` (CLIs) with the last problem. */
  whenReady(timeoutMs?: number): Promise<void> {
    if (timeoutMs === undefined) return this.ready;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StartupError(`The database did not become ready within ${timeoutMs} ms: ${this.lastProblem ?? 'still connecting'}`)),
        timeoutMs,
      );
      timer.unref();
      this.ready.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  onApplicationBootstrap(): void {
    if (this.state !== 'waiting') return;
    this.state = 'connecting';
    this.running = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    const started = Date.now();
    let completed = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) return this.fail(new Error('Shut down before the database was ready'), false);
      try {
        if (!this.dataSource.isInitialized) {
          await this.probe();
          await this.dataSource.initialize();
          if (this.config.migrationsRun) await this.migrate();
        }
        for (; completed < this.steps.length; completed++) await this.steps[completed].run();
        this.state = 'ready';
        if (attempt > 1) this.logger.log(`Database ready after ${attempt} attempts (${Date.now() - started} ms)`);
        this.settle.resolve();
        return;
      } catch (e) {
        if (!isConnectionError(e)) return this.fail(e, true);
        this.lastProblem = (e as Error).message;
        const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 16));
        const delay = ceiling / 2 + Math.random() * (ceiling / 2);
        const limit = this.config.dbConnectTimeoutMs;
        if (limit !== undefined && Date.now() + delay - started > limit) {
          return this.fail(new StartupError(`No usable database within DB_CONNECT_TIMEOUT_MS=${limit}: ${this.lastProblem}`), true);
        }
        if (Date.now() - this.lastWarning >= WARN_EVERY_MS) {
          this.lastWarning = Date.now();
          const step = this.dataSource.isInitialized ? ` (start-up step: ${this.steps[completed]?.name})` : '';
          this.logger.warn(`Database not available yet${step}, attempt ${attempt}; retrying with backoff: ${this.lastProblem}`);
        }
        await this.sleep(delay);
      }
    }
  }

  /** One plain connection first: a failed TypeORM initialize() leaves its pool behind. */
  private async probe(): Promise<void> {
    const client = new pg.Client({ connectionString: (this.dataSource.options as { url: string }).url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async migrate(): Promise<void> {
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) this.logger.log(`Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
  }

  private fail(e: unknown, log: boolean): void {
    this.state = 'failed';
    const error = e instanceof Error ? e : new Error(String(e));
    if (log) this.logger.error(error instanceof StartupError ? error.message : `Start-up failed: ${describeError(error)}`);
    this.settle.reject(error);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
