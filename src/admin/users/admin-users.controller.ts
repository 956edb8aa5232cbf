import { Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '../api-docs.js';
import { RequireScope } from '../../auth/require-scope.decorator.js';
import { ADMIN_SCOPE, AdminController, ApiNotFoundError } from '../admin-controller.decorator.js';
import { UuidParam } from '../admin-validation.js';
import type { AdminGrant } from '../grants/admin-grant.js';
import type { AdminUser } from './admin-user.js';
import { AdminUsersService, type UserDisable } from './admin-users.service.js';
import { ListUsersQueryDto } from './list-users.query.dto.js';

@RequireScope('admin', ADMIN_SCOPE)
@AdminController('users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ApiOperation({ summary: 'List users, newest first' })
  @ApiOkResponse({ description: '{ users, nextCursor }' })
  async list(@Query() query: ListUsersQueryDto): Promise<{ users: AdminUser[]; nextCursor: string | null }> {
    const { q, disabled, limit, cursor } = query;
    const page = await this.users.list({ q, disabled }, { limit, cursor });
    return { users: page.items, nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiNotFoundError('user')
  @ApiOperation({ summary: 'Show a user with their grants' })
  get(@UuidParam('id') id: string): Promise<AdminUser & { grants: AdminGrant[] }> {
    return this.users.get(id);
  }

  @Post(':id/disable')
  @ApiNotFoundError('user')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Disable a user: grants and API keys revoked, tokens refused everywhere, sign-in refused (never the last enabled administrator)',
  })
  disable(@UuidParam('id') id: string): Promise<UserDisable> {
    return this.users.disable(id);
  }

  @Post(':id/enable')
  @ApiNotFoundError('user')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Enable a disabled user again: sign-in and new tokens work; what the disable revoked stays revoked' })
  enable(@UuidParam('id') id: string): Promise<AdminUser> {
    return this.users.enable(id);
  }
}
