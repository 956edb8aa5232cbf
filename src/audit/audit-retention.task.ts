import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { scheduleOnWallClock } from '../common/schedule/wall-clock-schedule.js';
import { AppConfig } from '../config/app-config.js';
import { describeError } from '../common/errors/describe-error.js';
import { AuditRepository } from './audit.repository.js';

/** Rows per DELETE: short transactions, so audit writes and readers never wait long. */
export const AUDIT_DELETE_BATCH = 5000;

/**
 * Audit retention (issue 7 item 11): rows older than AUDIT_RETENTION_DAYS are deleted in batches,
 * each batch in its own transaction under the clean-up advisory lock; an instance that finds the
 * lock taken stops (another is at work).
 */
@Injectable()
export class AuditRetentionTask implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditRetentionTask.name);
  private stop?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditRepository,
  ) {}

  /** Every 10 minutes at :05, :15, ...: 5 minutes after the OAuth clean-up, so the two never race for the same lock. */
  onApplicationBootstrap(): void {
    this.stop = scheduleOnWallClock(10 * 60_000, 5 * 60_000, () => this.run());
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  async run(batchSize = AUDIT_DELETE_BATCH): Promise<number | undefined> {
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.audit.deleteOlderThan(this.config.auditRetentionDays, batchSize);
        if (deleted === undefined) return total || undefined;
        total += deleted;
        if (deleted < batchSize) break;
      }
      if (total) this.logger.log(`Removed ${total} audit events older than ${this.config.auditRetentionDays} days`);
      return total;
    } catch (e) {
      this.logger.warn(`Audit retention failed after removing ${total} events: ${describeError(e)}`);
      return undefined;
    }
  }
}
