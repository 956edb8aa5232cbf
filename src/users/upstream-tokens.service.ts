import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { resolveKeyEncryptionSecret } from '../keys/key-encryption-secret.js';
import { SecretBox } from '../keys/secret-box.js';
import { UpstreamTokensRepository, type SealedTokens, type UpstreamProvider, type UpstreamTokenRow } from './upstream-tokens.repository.js';

/** Tokens as an upstream token endpoint hands them out. */
export interface UpstreamTokenGrant {
  accessToken: string;
  /** Granted OAuth scopes as the provider wrote them (GitHub: comma-separated). */
  scope: string | null;
  /** Set for expiring tokens (GitHub App user-to-server tokens: 8 hours). */
  expiresInSeconds?: number;
  refreshToken?: string;
  refreshTokenExpiresInSeconds?: number;
}

/** A user's decrypted upstream credential. Only for calls to the upstream; never returned to clients or logged. */
export interface UpstreamCredential {
  userId: string;
  accessToken: string;
  scope: string | null;
  accessExpiresAt: Date | null;
  /** Whether a refresh token is stored (its value stays sealed until a renewal is claimed). */
  refreshable: boolean;
  refreshExpiresAt: Date | null;
  version: number;
}

/**
 * The upstream (GitHub) tokens of each user, encrypted at rest (access and refresh token alike). They
 * never reach MCP clients (no token passthrough); tools that act on GitHub as the caller read them here.
 */
@Injectable()
export class UpstreamTokensService {
  private box?: SecretBox;

  constructor(
    private readonly config: AppConfig,
    private readonly tokens: UpstreamTokensRepository,
    private readonly context: RequestContextService,
  ) {}

  async store(userId: string, provider: UpstreamProvider, grant: UpstreamTokenGrant): Promise<void> {
    await this.tokens.upsert(userId, provider, this.seal(grant));
  }

  /** The calling user's credential, for tools that call the upstream on their behalf. */
  async forCurrentUser(provider: UpstreamProvider = 'github'): Promise<UpstreamCredential | undefined> {
    return this.find(this.context.principal().userId, provider);
  }

  async find(userId: string, provider: UpstreamProvider): Promise<UpstreamCredential | undefined> {
    const row = await this.tokens.find(userId, provider);
    return row && this.open(userId, row);
  }

  /** Claims the renewal of `version` (one caller across all instances wins); returns the refresh token to the winner. */
  async claimRefresh(
    userId: string,
    provider: UpstreamProvider,
    version: number,
    leaseSeconds: number,
  ): Promise<{ refreshToken: string; refreshExpiresAt: Date | null } | undefined> {
    const claim = await this.tokens.claimRefresh(userId, provider, version, leaseSeconds);
    return claim && { refreshToken: this.secretBox().open(claim.refreshSealed), refreshExpiresAt: claim.refreshExpiresAt };
  }

  /** Saves what a renewal returned, for the version that was claimed; false when a new sign-in replaced it. */
  saveRefreshed(userId: string, provider: UpstreamProvider, version: number, grant: UpstreamTokenGrant): Promise<boolean> {
    return this.tokens.saveRefreshed(userId, provider, version, this.seal(grant));
  }

  releaseClaim(userId: string, provider: UpstreamProvider, version: number): Promise<void> {
    return this.tokens.releaseClaim(userId, provider, version);
  }

  /** Forgets a credential the upstream refused to renew: the person must sign in again. */
  forget(userId: string, provider: UpstreamProvider, version: number): Promise<void> {
    return this.tokens.delete(userId, provider, version);
  }

  private seal(grant: UpstreamTokenGrant): SealedTokens {
    const now = Date.now();
    const at = (seconds: number | undefined) => (seconds === undefined ? null : new Date(now + seconds * 1000));
    return {
      accessSealed: this.secretBox().seal(grant.accessToken),
      scope: grant.scope,
      accessExpiresAt: at(grant.expiresInSeconds),
      refreshSealed: grant.refreshToken ? this.secretBox().seal(grant.refreshToken) : null,
      refreshExpiresAt: grant.refreshToken ? at(grant.refreshTokenExpiresInSeconds) : null,
    };
  }

  private open(userId: string, row: UpstreamTokenRow): UpstreamCredential {
    return {
      userId,
      accessToken: this.secretBox().open(row.accessSealed),
      scope: row.scope,
      accessExpiresAt: row.accessExpiresAt,
      refreshable: row.refreshSealed !== null,
      refreshExpiresAt: row.refreshExpiresAt,
      version: row.version,
    };
  }

  private secretBox(): SecretBox {
    this.box ??= new SecretBox(resolveKeyEncryptionSecret(this.config), 'upstream-tokens');
    return this.box;
  }
}
