import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { SqlService } from '../database/sql.service.js';
import { resolveKeyEncryptionSecret } from '../keys/key-encryption-secret.js';
import { SecretBox } from '../keys/secret-box.js';

/**
 * The upstream (GitHub) access token of each user, encrypted at rest. It never reaches MCP clients
 * (no token passthrough); tools that act on GitHub as the caller read it through `forCurrentUser`.
 */
@Injectable()
export class UpstreamTokensService {
  private box?: SecretBox;

  constructor(
    private readonly config: AppConfig,
    private readonly sql: SqlService,
    private readonly context: RequestContextService,
  ) {}

  async store(userId: string, provider: 'github', token: string, scope: string | null): Promise<void> {
    await this.sql.query(
      `INSERT INTO upstream_tokens (user_id, provider, access_token_encrypted, scope) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, provider) DO UPDATE SET access_token_encrypted = EXCLUDED.access_token_encrypted, scope = EXCLUDED.scope, updated_at = now()`,
      [userId, provider, this.secretBox().seal(token), scope],
    );
  }

  /** The calling user's GitHub token, for tools that call GitHub on their behalf. */
  async forCurrentUser(provider: 'github' = 'github'): Promise<string | undefined> {
    const rows = await this.sql.query<{ sealed: string }>(`SELECT access_token_encrypted AS sealed FROM upstream_tokens WHERE user_id = $1 AND provider = $2`, [
      this.context.principal().userId,
      provider,
    ]);
    return rows[0] ? this.secretBox().open(rows[0].sealed) : undefined;
  }

  private secretBox(): SecretBox {
    this.box ??= new SecretBox(resolveKeyEncryptionSecret(this.config), 'upstream-tokens');
    return this.box;
  }
}
