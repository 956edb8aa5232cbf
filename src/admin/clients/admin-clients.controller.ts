import { Body, Get, Header, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam } from '../api-docs.js';
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

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Register a client (RFC 7591 metadata, as POST /register takes it), also when DCR_ENABLED=false',
    description:
      'For a confidential client (token_endpoint_auth_method client_secret_basic or client_secret_post): an ID-JAG client ' +
      '(grant_types ["urn:ietf:params:oauth:grant-type:jwt-bearer"], with TRUSTED_IDJAG_ISSUERS set), a client_credentials ' +
      'service, or a web application. Errors are RFC 7591 §3.2.2 codes (invalid_client_metadata, invalid_redirect_uri). ' +
      'Kind "admin": kept when idle, unlike self-registered clients.',
  })
  @ApiCreatedResponse({ description: 'The RFC 7591 registration response; client_secret is shown only in this response' })
  create(@Body() body: unknown): Promise<Record<string, unknown>> {
    return this.clients.create(body);
  }

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
