import { Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '../api-docs.js';
import { RequireScope } from '../../auth/require-scope.decorator.js';
import { ADMIN_SCOPE, AdminController } from '../admin-controller.decorator.js';
import type { SigningKeyView } from './admin-signing-keys.repository.js';
import { AdminSigningKeysService } from './admin-signing-keys.service.js';

@RequireScope('admin', ADMIN_SCOPE)
@AdminController('keys')
export class AdminSigningKeysController {
  constructor(private readonly keys: AdminSigningKeysService) {}

  @Get()
  @ApiOperation({ summary: 'List signing keys (kid and dates; never private material)' })
  @ApiOkResponse({ description: '{ keys }' })
  async list(): Promise<{ keys: SigningKeyView[] }> {
    return { keys: await this.keys.list() };
  }

  @Post('rotate')
  @ApiOperation({ summary: 'Rotate: a new active signing key; the old one verifies until its tokens expire' })
  @ApiCreatedResponse({ description: '{ kid, keys }: the new active kid and every key' })
  rotate(): Promise<{ kid: string; keys: SigningKeyView[] }> {
    return this.keys.rotate();
  }
}
