import { Injectable } from '@nestjs/common';
import type { ApiKeyView } from '../../auth/api-keys/api-key.js';
import { AdminAccessService } from '../../auth/admin-access.service.js';
import { ApiKeysService } from '../../auth/api-keys/api-keys.service.js';
import { ScopeRegistry } from '../../auth/scope-registry.service.js';
import { RequestContextService } from '../../common/context/request-context.service.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { AdminUsersRepository } from '../users/admin-users.repository.js';

const DAY_MS = 86_400_000;

export interface NewApiKey {
  name: string;
  scopes: string[];
  expiresInDays?: number;
  userId?: string;
}

export interface CreatedApiKey {
  /** The secret: shown in this response only, stored hashed. */
  key: string;
  apiKey: ApiKeyView;
}

@Injectable()
export class AdminApiKeysService {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly users: AdminUsersRepository,
    private readonly scopes: ScopeRegistry,
    private readonly context: RequestContextService,
    private readonly admins: AdminAccessService,
  ) {}

  /** A key for scripts and CI, acting as `userId` (default: the calling administrator) with exactly `scopes`. */
  async create(input: NewApiKey): Promise<CreatedApiKey> {
    const scopes = [...new Set(input.scopes)];
    const unknown = scopes.filter((s) => !this.scopes.isKnown(s));
    if (unknown.length) throw new DomainError('invalid_input', `scopes: unknown scope(s) ${unknown.join(', ')}; known scopes: ${this.scopes.all().join(' ')}`);
    const caller = this.context.principal();
    const ownerId = input.userId ?? caller.userId;
    const owner = await this.users.find(ownerId);
    if (!owner) throw new DomainError('invalid_input', `userId: no such user ${ownerId}`);
    if (owner.disabledAt) throw new DomainError('conflict', `User ${owner.login} is disabled; a key acting as them would never work`);
    // SECURITY 35: privileged scopes only for ADMIN_GITHUB_LOGINS (and re-checked on every use of the key).
    const forbidden = this.admins.forbiddenScopes(owner.login, scopes);
    if (forbidden.length) {
      throw new DomainError('invalid_input', `scopes: ${forbidden.join(' ')} can only be given to users listed in ADMIN_GITHUB_LOGINS (${owner.login} is not)`);
    }
    const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * DAY_MS) : null;
    const { key, view } = await this.apiKeys.create({ name: input.name, scopes, userId: ownerId, createdBy: caller.userId, expiresAt });
    return { key, apiKey: view };
  }

  list(filter: { userId?: string; includeRevoked?: boolean }): Promise<ApiKeyView[]> {
    return this.apiKeys.list(filter);
  }

  /** Refused at once on this instance, within a second on the others; idempotent. */
  async revoke(id: string): Promise<ApiKeyView> {
    if (!(await this.apiKeys.revoke(id))) throw new DomainError('not_found', `API key not found: ${id}`);
    return (await this.apiKeys.find(id))!;
  }
}
