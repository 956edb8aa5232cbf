import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { BIGINT_ID, decodeCursor, DEFAULT_PAGE_SIZE, toPage, type Page } from '../cursor.js';
import type { AdminAuditEvent, AuditFilter } from './admin-audit-event.js';
import { AdminAuditRepository } from './admin-audit.repository.js';

@Injectable()
export class AdminAuditQueryService {
  constructor(
    private readonly events: AdminAuditRepository,
    private readonly audit: AuditService,
  ) {}

  /** Newest first. This instance's buffered events are written first, so calls just made are included. */
  async find(filter: AuditFilter, page: { limit?: number; cursor?: string }): Promise<Page<AdminAuditEvent>> {
    if (filter.from && filter.to && filter.from > filter.to) throw new DomainError('invalid_input', 'from must not be after to');
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(page.cursor, BIGINT_ID);
    await this.audit.flush();
    return toPage(await this.events.find(filter, after, limit + 1), limit, (e) => e.id);
  }
}
