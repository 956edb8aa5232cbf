import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import type { AuditEvent } from './audit-event.js';
import { AuditRepository } from './audit.repository.js';

const BATCH_SIZE = 500;
const MAX_BUFFERED = 50_000;

/**
 * Records audit events without a database round trip per call: events are buffered and written in
 * batches every AUDIT_FLUSH_INTERVAL_MS (or when a batch fills), and flushed on shutdown.
 * A failed write keeps the events for the next attempt.
 */
@Injectable()
export class AuditService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private buffer: AuditEvent[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: AuditRepository,
    private readonly context: RequestContextService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.auditFlushIntervalMs);
    this.timer.unref();
  }

  /** Adds an event; who, which client and which request come from the request context. */
  record(event: Omit<AuditEvent, 'occurredAt' | 'requestId' | 'userId' | 'login' | 'clientId' | 'credential'> & Partial<AuditEvent>): void {
    const ctx = this.context.current();
    this.buffer.push({
      occurredAt: new Date(),
      requestId: ctx?.requestId,
      userId: ctx?.principal?.userId,
      login: ctx?.principal?.login,
      clientId: ctx?.clientId,
      credential: ctx?.credential,
      ...event,
    });
    if (this.buffer.length > MAX_BUFFERED) {
      const dropped = this.buffer.splice(0, this.buffer.length - MAX_BUFFERED).length;
      this.logger.error(`Audit buffer full: dropped ${dropped} oldest events (database unreachable?)`);
    }
    if (this.buffer.length >= BATCH_SIZE) void this.flush();
  }

  /** Writes everything buffered so far; concurrent calls share one write loop. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    this.flushing = this.writeAll().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, BATCH_SIZE);
      try {
        await this.repository.insertMany(batch);
        this.buffer.splice(0, batch.length);
      } catch (e) {
        this.logger.warn(`Audit write failed, ${this.buffer.length} events kept for retry: ${(e as Error).message}`);
        return;
      }
    }
  }
}
