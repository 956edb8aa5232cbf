import { Body, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '../api-docs.js';
import type { ApiKeyView } from '../../auth/api-keys/api-key.js';
import { RequireScope } from '../../auth/require-scope.decorator.js';
import { ADMIN_SCOPE, AdminController, ApiNotFoundError } from '../admin-controller.decorator.js';
import { UuidParam } from '../admin-validation.js';
import { AdminApiKeysService, type CreatedApiKey } from './admin-api-keys.service.js';
import { CreateApiKeyDto } from './create-api-key.dto.js';
import { ListApiKeysQueryDto } from './list-api-keys.query.dto.js';

@RequireScope('admin', ADMIN_SCOPE)
@AdminController('api-keys')
export class AdminApiKeysController {
  constructor(private readonly apiKeys: AdminApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key (usable as X-API-Key or Authorization: Bearer on /mcp and /admin)' })
  @ApiCreatedResponse({ description: '{ key, apiKey }: the key is shown only in this response' })
  create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.apiKeys.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiOkResponse({ description: '{ apiKeys }' })
  async list(@Query() query: ListApiKeysQueryDto): Promise<{ apiKeys: ApiKeyView[] }> {
    return { apiKeys: await this.apiKeys.list({ userId: query.userId, includeRevoked: query.includeRevoked }) };
  }

  @Post(':id/revoke')
  @ApiNotFoundError('API key')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Revoke an API key: refused at once here, within a second on every instance' })
  revoke(@UuidParam('id') id: string): Promise<ApiKeyView> {
    return this.apiKeys.revoke(id);
  }
}
