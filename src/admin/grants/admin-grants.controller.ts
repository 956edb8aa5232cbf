import { Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '../api-docs.js';
import { RequireScope } from '../../auth/require-scope.decorator.js';
import { ADMIN_SCOPE, AdminController, ApiNotFoundError } from '../admin-controller.decorator.js';
import { UuidParam } from '../admin-validation.js';
import type { AdminGrant } from './admin-grant.js';
import { AdminGrantsService } from './admin-grants.service.js';
import { ListGrantsQueryDto } from './list-grants.query.dto.js';

@RequireScope('admin', ADMIN_SCOPE)
@AdminController('grants')
export class AdminGrantsController {
  constructor(private readonly grants: AdminGrantsService) {}

  @Get()
  @ApiOperation({ summary: 'List grants, newest first, by user and/or client' })
  @ApiOkResponse({ description: '{ grants, nextCursor }' })
  async list(@Query() query: ListGrantsQueryDto): Promise<{ grants: AdminGrant[]; nextCursor: string | null }> {
    const { userId, clientId, status, limit, cursor } = query;
    const page = await this.grants.list({ userId, clientId, status }, { limit, cursor });
    return { grants: page.items, nextCursor: page.nextCursor };
  }

  @Post(':id/revoke')
  @ApiNotFoundError('grant')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Revoke a grant: its refresh tokens fail at once, its access tokens within a second on every instance' })
  @ApiOkResponse({ description: 'The revoked grant' })
  revoke(@UuidParam('id') id: string): Promise<AdminGrant> {
    return this.grants.revoke(id);
  }
}
