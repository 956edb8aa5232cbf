import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '../api-docs.js';
import { RequireScope } from '../../auth/require-scope.decorator.js';
import { ADMIN_SCOPE, AdminController } from '../admin-controller.decorator.js';
import type { AdminAuditEvent } from './admin-audit-event.js';
import { AdminAuditQueryService } from './admin-audit-query.service.js';
import { AuditQueryDto } from './audit-query.dto.js';

@RequireScope('admin', ADMIN_SCOPE)
@AdminController('audit')
export class AdminAuditController {
  constructor(private readonly audit: AdminAuditQueryService) {}

  @Get()
  @ApiOperation({ summary: 'Query audit events (tool calls, sign-ins, admin actions), newest first' })
  @ApiOkResponse({ description: '{ events, nextCursor }' })
  async find(@Query() query: AuditQueryDto): Promise<{ events: AdminAuditEvent[]; nextCursor: string | null }> {
    const { userId, clientId, target, kind, outcome, from, to, limit, cursor } = query;
    const page = await this.audit.find(
      { userId, clientId, target, kind, outcome, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
      { limit, cursor },
    );
    return { events: page.items, nextCursor: page.nextCursor };
  }
}
