import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { RevocationService } from '../../auth/revocation/revocation.service.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage, UUID_ID, type Page } from '../cursor.js';
import type { AdminGrant, GrantFilter } from './admin-grant.js';
import { AdminGrantsRepository } from './admin-grants.repository.js';

@Injectable()
export class AdminGrantsService {
  constructor(
    private readonly grants: AdminGrantsRepository,
    private readonly revocation: RevocationService,
  ) {}

  async list(filter: GrantFilter, page: { limit?: number; cursor?: string }): Promise<Page<AdminGrant>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.grants.list(filter, decodeCursor(page.cursor, UUID_ID), limit + 1);
    return toPage(rows, limit, (g) => g.id);
  }

  /** Revokes the grant everywhere (refresh tokens at once, access tokens on every instance); idempotent. */
  async revoke(id: string): Promise<AdminGrant> {
    if (!(await this.grants.find(id))) throw new DomainError('not_found', `Grant not found: ${id}`);
    await this.revocation.revokeGrant(id, 'revoked by an administrator');
    return (await this.grants.find(id))!;
  }
}
