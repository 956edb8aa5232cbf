import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { RequestContextService } from '../common/context/request-context.service.js';
import { AppConfig } from '../config/app-config.js';
import { isDataRejection } from '../database/database-errors.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { AuditEvent } from './audit-event.js';
import { sanitizeAuditEvent } from './audit-sanitizer.js';
import { AuditRepository } from './audit.repository.js';

/** Rows per INSERT. */
export const AUDIT_BATCH_SIZE = 500;
const BATCH_SIZE = AUDIT_BATCH_SIZE;
/** Events held while the database is unreachable (each at most a few KB after sanitising). */
export const AUDIT_BUFFER_MAX = 20_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;
/** While writes keep failing, say so at most this often. */
const WARN_EVERY_MS = 60_000;
/** On shutdown, keep trying an unreachable database for at most this long (and a quarter of SHUTDOWN_TIMEOUT_MS), then log what is left. */
const SHUTDOWN_RETRY_MS = 3000;

type Outcome = 'written' | 'unavailable';

/**
 * Records audit events without a database round trip per call: events are sanitised (so that
 * Postgres always accepts them), buffered and written in batches every AUDIT_FLUSH_INTERVAL_MS (or
 * when a batch fills), and flushed on shutdown.
 * - A batch the database refuses is split until the refused events are alone; each of those is
 *   logged in full as a dead letter and counted, and every other event is written.
 * - While the database is unreachable, writes are retried with exponential backoff and jitter; the
 *   buffer holds at most AUDIT_BUFFER_MAX events and counts the ones it drops.
 * - Whatever cannot be written by the end of shutdown goes to the log as dead letters.
 */
@Injectable()
export class AuditService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private buffer: AuditEvent[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private failures = 0;
  private retryAt = 0;
  private lastError = '';
  private readonly warnedAt = { write: 0, full: 0 };
  private droppedSinceWarning = 0;
  private readonly dropped: Counter;
  private readonly deadLetters: Counter;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: AuditRepository,
    private readonly context: RequestContextService,
    metrics: MetricsService,
  ) {
    const buffered = () => this.buffer.length;
    this.dropped = new Counter({
      name: 'audit_events_dropped_total',
      help: 'Audit events dropped because the buffer was full (database unreachable for long)',
      registers: [metrics.registry],
    });
    this.deadLetters = new Counter({
      name: 'audit_events_dead_letter_total',
      help: 'Audit events the database refused, or that were unwritable at shutdown, logged instead',
      registers: [metrics.registry],
    });
    new Gauge({
      name: 'audit_events_buffered',
      help: 'Audit events waiting to be written',
      registers: [metrics.registry],
      collect() {
        this.set(buffered());
      },
    });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.auditFlushIntervalMs);
    this.timer.unref();
  }

  /** Adds an event; who, which client and which request come from the request context. Never throws. */
  record(event: Omit<AuditEvent, 'occurredAt' | 'requestId' | 'userId' | 'login' | 'clientId' | 'credential'> & Partial<AuditEvent>): void {
    if (this.buffer.length >= AUDIT_BUFFER_MAX) {
      this.dropped.inc();
      this.droppedSinceWarning++;
      if (this.mayWarn('full')) {
        this.logger.error(`Audit buffer full (${AUDIT_BUFFER_MAX} events; database unreachable?): ${this.droppedSinceWarning} new event(s) dropped`);
        this.droppedSinceWarning = 0;
      }
      return;
    }
    const ctx = this.context.current();
    this.buffer.push(
      sanitizeAuditEvent({
        occurredAt: new Date(),
        requestId: ctx?.requestId,
        userId: ctx?.principal?.userId,
        login: ctx?.principal?.login,
        clientId: ctx?.clientId,
        credential: ctx?.credential,
        ...event,
      }),
    );
    // One write loop at a time: it takes every full batch there is before it ends (writeAll).
    if (this.buffer.length >= BATCH_SIZE && !this.flushing) void this.flush();
  }

  /** Writes what is buffered, unless the database is in its backoff period. Concurrent calls share one write loop. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0 || Date.now() < this.retryAt) return;
    this.flushing = this.writeAll().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + Math.min(SHUTDOWN_RETRY_MS, this.config.shutdownTimeoutMs / 4);
    for (;;) {
      while (this.flushing) await this.flushing;
      this.retryAt = 0;
      await this.flush();
      if (this.buffer.length === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(BACKOFF_BASE_MS * 2 ** this.failures, deadline - Date.now()))));
    }
    const left = this.buffer.splice(0);
    for (const event of left) this.deadLetter(event, 'database unreachable at shutdown');
  }

  /**
   * Writes what was buffered when the flush began, and any full batch that has filled meanwhile. Events
   * that arrive during a write wait for the next flush: a loop that chased them never ended under steady
   * load and wrote a handful of rows per INSERT (a commit each), ~15 rows instead of 500 in the benchmark.
   */
  private async writeAll(): Promise<void> {
    let due = this.buffer.length;
    for (;;) {
      const size = Math.min(BATCH_SIZE, Math.max(due, this.buffer.length >= BATCH_SIZE ? BATCH_SIZE : 0));
      if (size === 0) break;
      const batch = this.buffer.slice(0, size);
      const done = new Set<AuditEvent>();
      const outcome = await this.write(batch, done);
      this.buffer = this.buffer.filter((e) => !done.has(e));
      if (outcome === 'unavailable') return this.backOff();
      due = Math.max(0, due - size);
    }
    if (this.failures > 0) this.logger.log(`Audit writes resumed after ${this.failures} failed attempt(s)`);
    this.failures = 0;
    this.retryAt = 0;
  }

  /** Writes `events`, splitting on refusal; adds each event written or dead-lettered to `done`. */
  private async write(events: AuditEvent[], done: Set<AuditEvent>): Promise<Outcome> {
    try {
      await this.repository.insertMany(events);
      for (const e of events) done.add(e);
      return 'written';
    } catch (e) {
      if (!isDataRejection(e)) {
        this.lastError = (e as Error)?.message ?? String(e);
        return 'unavailable';
      }
      if (events.length === 1) {
        this.deadLetter(events[0], (e as Error).message);
        done.add(events[0]);
        return 'written';
      }
      const half = Math.ceil(events.length / 2);
      if ((await this.write(events.slice(0, half), done)) === 'unavailable') return 'unavailable';
      return this.write(events.slice(half), done);
    }
  }

  private backOff(): void {
    this.failures++;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.failures - 1, 20));
    // Jitter spreads the retries of many instances after a shared outage.
    this.retryAt = Date.now() + ceiling / 2 + Math.random() * (ceiling / 2);
    if (this.mayWarn('write')) {
      const wait = Math.round(this.retryAt - Date.now());
      this.logger.warn(`Audit write failed (attempt ${this.failures}; ${this.buffer.length} events buffered; next try in ${wait} ms): ${this.lastError}`);
    }
  }

  /** While a problem lasts, it is logged at most once per WARN_EVERY_MS. */
  private mayWarn(kind: keyof AuditService['warnedAt']): boolean {
    const now = Date.now();
    if (now - this.warnedAt[kind] < WARN_EVERY_MS) return false;
    this.warnedAt[kind] = now;
    return true;
  }

  /** The whole event in the log, so that it is kept somewhere even though the database refused it. */
  private deadLetter(event: AuditEvent, reason: string): void {
    this.deadLetters.inc();
    this.logger.error({ msg: 'Audit event not written (dead letter)', reason, auditEvent: { ...event, occurredAt: event.occurredAt.toISOString() } });
  }
}
