import { Injectable } from '@nestjs/common';
import { LAST_ADMIN, type RevocationRow } from './revocation.js';
import { RevocationCache } from './revocation-cache.service.js';
import { AdminAccessService } from '../admin-access.service.js';
import { RevocationRepository, type ClientRevocationResult, type UserDisableResult } from './revocation.repository.js';

/**
 * The one way anything is revoked, for the authorization server and the admin API alike: the
 * database write and its announcement in one transaction, then applied to this instance's cache at
 * once. Other instances apply it within a second (LISTEN/NOTIFY, with polling as the safety net).
 */
@Injectable()
export class RevocationService {
  constructor(
    private readonly repository: RevocationRepository,
    private readonly cache: RevocationCache,
    private readonly admins: AdminAccessService,
  ) {}

  /** RFC 7009: one access token, by its jti. */
  async revokeToken(tokenId: string): Promise<void> {
    this.applied(await this.repository.revokeToken(tokenId));
  }

  /** AUTH_MODE=external: refuses every token the company authorization server issued to this client so far. */
  async denyExternalClient(clientId: string): Promise<void> {
    this.applied(await this.repository.denyExternalClient(clientId));
  }

  /** A grant: its refresh tokens fail at once, its access tokens everywhere within a second. Idempotent. */
  async revokeGrant(grantId: string, reason: string): Promise<void> {
    this.applied(await this.repository.revokeGrant(grantId, reason));
  }

  /** A client for good, with every grant it holds. Undefined if no such client; idempotent. */
  async revokeClient(clientId: string, reason: string): Promise<Omit<ClientRevocationResult, 'announcement'> | undefined> {
    const result = await this.repository.revokeClient(clientId, reason);
    if (!result) return undefined;
    const { announcement, ...rest } = result;
    this.applied(announcement);
    return rest;
  }

  /**
   * A user: grants and API keys revoked, sessions ended, tokens refused. Undefined if no such user;
   * LAST_ADMIN (nothing changed) if the user is the last enabled administrator.
   */
  async disableUser(userId: string, reason: string): Promise<Omit<UserDisableResult, 'announcement'> | typeof LAST_ADMIN | undefined> {
    const result = await this.repository.disableUser(userId, reason, this.admins.adminLogins());
    if (result === undefined || result === LAST_ADMIN) return result;
    const { announcement, ...rest } = result;
    this.applied(announcement);
    return rest;
  }

  /** A disabled user enabled again: new tokens accepted everywhere, old ones stay refused. False if no such user. */
  async enableUser(userId: string): Promise<boolean> {
    const result = await this.repository.enableUser(userId);
    this.applied(result?.announcement);
    return result !== undefined;
  }

  /** An API key. False if no such key; idempotent. */
  async revokeApiKey(id: string): Promise<boolean> {
    const result = await this.repository.revokeApiKey(id);
    this.applied(result?.announcement);
    return result !== undefined;
  }

  private applied(row: RevocationRow | undefined): void {
    if (row) this.cache.apply(row);
  }
}
