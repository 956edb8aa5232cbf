import { Body, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '../api-docs.js';
import { RequireScope } from '../../auth/require-scope.decorator.js';
import { RevocationService } from '../../auth/revocation/revocation.service.js';
import { ADMIN_SCOPE, AdminController } from '../admin-controller.decorator.js';
import { CreateRevocationDto } from './create-revocation.dto.js';

/**
 * AUTH_MODE=external: the local deny list for tokens of the company authorization server, which
 * this server cannot revoke at the source. Applied on every instance within a second. (People are
 * revoked with POST /admin/users/{id}/disable.)
 */
@RequireScope('admin', ADMIN_SCOPE)
@AdminController('revocations')
export class AdminRevocationsController {
  constructor(private readonly revocations: RevocationService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Deny a client (client_id/azp; tokens issued so far) or one token (jti) on every instance' })
  @ApiOkResponse({ description: '{ kind, subject }' })
  async revoke(@Body() body: CreateRevocationDto): Promise<{ kind: string; subject: string }> {
    if (body.kind === 'client') await this.revocations.denyExternalClient(body.subject);
    else await this.revocations.revokeToken(body.subject);
    return { kind: body.kind, subject: body.subject };
  }
}
