import { Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam } from '../api-docs.js';
import { RequireScope } from '../../auth/require-scope.decorator.js';
import { ADMIN_SCOPE, AdminController, ApiNotFoundError } from '../admin-controller.decorator.js';
import type { AdminGrant } from '../grants/admin-grant.js';
import type { AdminClientDetail, AdminClientSummary } from './admin-client.js';
import { AdminClientsService, type ClientRevocation } from './admin-clients.service.js';
import { ListClientsQueryDto } from './list-clients.query.dto.js';

const CLIENT_ID_PARAM = { name: 'clientId', description: 'The client_id; URL-encode it (CIMD client ids are URLs)' };

@RequireScope('admin', ADMIN_SCOPE)
@AdminController('clients')
export class AdminClientsController {
  constructor(private readonly clients: AdminClientsService) {}

  @Get()
  @ApiOperation({ summary: 'List OAuth clients, newest first' })
  @ApiOkResponse({ description: '{ clients, nextCursor }' })
  async list(@Query() query: ListClientsQueryDto): Promise<{ clients: AdminClientSummary[]; nextCursor: string | null }> {
    const { kind, revoked, q, limit, cursor } = query;
    const page = await this.clients.list({ kind, revoked, q }, { limit, cursor });
    return { clients: page.items, nextCursor: page.nextCursor };
  }

  @Get(':clientId')
  @ApiNotFoundError('client')
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOperation({ summary: 'Show a client: registration data (no secret), live grants, last use' })
  get(@Param('clientId') clientId: string): Promise<AdminClientDetail & { grants: AdminGrant[] }> {
    return this.clients.get(clientId);
  }

  @Post(':clientId/revoke')
  @ApiNotFoundError('client')
  @HttpCode(HttpStatus.OK)
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOperation({ summary: 'Revoke a client for good: refresh tokens fail at once, access tokens within a second everywhere' })
  revoke(@Param('clientId') clientId: string): Promise<ClientRevocation> {
    return this.clients.revoke(clientId);
  }
}
