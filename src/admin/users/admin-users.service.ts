import { Injectable } from '@nestjs/common';
import { LAST_ADMIN } from '../../auth/revocation/revocation.js';
import { RevocationService } from '../../auth/revocation/revocation.service.js';
import { RequestContextService } from '../../common/context/request-context.service.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage, UUID_ID, type Page } from '../cursor.js';
import type { AdminGrant } from '../grants/admin-grant.js';
import { AdminGrantsRepository } from '../grants/admin-grants.repository.js';
import type { AdminUser, UserFilter } from './admin-user.js';
import { AdminUsersRepository } from './admin-users.repository.js';

const SHOWN_GRANTS = 100;

export interface UserDisable {
  user: AdminUser;
  grantsRevoked: number;
}

@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: AdminUsersRepository,
    private readonly grants: AdminGrantsRepository,
    private readonly revocation: RevocationService,
    private readonly context: RequestContextService,
  ) {}

  async list(filter: UserFilter, page: { limit?: number; cursor?: string }): Promise<Page<AdminUser>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.users.list(filter, decodeCursor(page.cursor, UUID_ID), limit + 1);
    return toPage(rows, limit, (u) => u.id);
  }

  /** The user and their most recent grants, live and revoked (all of them: GET /admin/grants?userId=). */
  async get(id: string): Promise<AdminUser & { grants: AdminGrant[] }> {
    const user = await this.users.find(id);
    if (!user) throw notFound(id);
    const grants = await this.grants.list({ userId: id }, undefined, SHOWN_GRANTS);
    return { ...user, grants: grants.map(({ cursorAt: _c, ...g }) => g) };
  }

  /**
   * Disables the account: every grant revoked (refresh tokens fail at once), browser sessions ended,
   * access tokens and API keys refused on every instance within a second, sign-in refused from now on.
   * Idempotent. An administrator cannot disable their own account, nor the last enabled
   * administrator (SECURITY 35: the last admin cannot be locked out).
   */
  async disable(id: string): Promise<UserDisable> {
    if (this.context.current()?.principal?.userId === id) throw new DomainError('conflict', 'You cannot disable your own account');
    const disabled = await this.revocation.disableUser(id, 'user disabled by an administrator');
    if (!disabled) throw notFound(id);
    if (disabled === LAST_ADMIN) throw new DomainError('conflict', 'This user is the last enabled administrator; enable or add another administrator first');
    return { user: (await this.users.find(id))!, grantsRevoked: disabled.grantsRevoked };
  }

  /**
   * Enables a disabled user again: they can sign in, and tokens issued from now on work everywhere.
   * Tokens, grants and API keys from before the disable stay revoked. Idempotent.
   */
  async enable(id: string): Promise<AdminUser> {
    if (!(await this.revocation.enableUser(id))) throw notFound(id);
    return (await this.users.find(id))!;
  }
}

function notFound(id: string): DomainError {
  return new DomainError('not_found', `User not found: ${id}`);
}
