import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';
import type { OAuthClient } from './oauth-client.js';

const COLUMNS = `client_id AS "clientId", kind, client_secret_hash AS "clientSecretHash",
  client_secret_expires_at AS "clientSecretExpiresAt", token_endpoint_auth_method AS "tokenEndpointAuthMethod",
  grant_types AS "grantTypes", redirect_uris AS "redirectUris", scope, client_name AS "clientName", metadata,
  application_type AS "applicationType", scopes_offered_at_registration AS "scopesOfferedAtRegistration",
  created_at AS "createdAt", fetched_at AS "fetchedAt", revoked_at AS "revokedAt"`;

type NewClient = Omit<OAuthClient, 'createdAt' | 'fetchedAt' | 'revokedAt'>;

@Injectable()
export class OAuthClientsRepository {
  constructor(private readonly sql: SqlService) {}

  async findById(clientId: string): Promise<OAuthClient | undefined> {
    const rows = await this.sql.query<OAuthClient>(`SELECT ${COLUMNS} FROM oauth_clients WHERE client_id = $1`, [clientId]);
    return rows[0];
  }

  async insert(c: NewClient): Promise<OAuthClient> {
    const rows = await this.sql.query<OAuthClient>(
      `INSERT INTO oauth_clients (client_id, kind, client_secret_hash, client_secret_expires_at, token_endpoint_auth_method,
         grant_types, redirect_uris, scope, client_name, metadata, application_type, scopes_offered_at_registration)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
      [
        c.clientId,
        c.kind,
        c.clientSecretHash,
        c.clientSecretExpiresAt,
        c.tokenEndpointAuthMethod,
        c.grantTypes,
        c.redirectUris,
        c.scope,
        c.clientName,
        c.metadata,
        c.applicationType,
        c.scopesOfferedAtRegistration,
      ],
    );
    return rows[0];
  }

  /**
   * Stores (or refreshes) a fetched Client ID Metadata Document; a revoked client stays revoked. The
   * scope catalogue is the one of its first fetch, so scopes added since stay grantable.
   */
  async upsertCimd(c: NewClient): Promise<OAuthClient> {
    const rows = await this.sql.query<OAuthClient>(
      `INSERT INTO oauth_clients (client_id, kind, token_endpoint_auth_method, grant_types, redirect_uris, scope, client_name, metadata,
         application_type, scopes_offered_at_registration, fetched_at)
       VALUES ($1, 'cimd', $2, $3, $4, $5, $6, $7, $8, $9, now())
       ON CONFLICT (client_id) DO UPDATE SET token_endpoint_auth_method = EXCLUDED.token_endpoint_auth_method,
         grant_types = EXCLUDED.grant_types, redirect_uris = EXCLUDED.redirect_uris, scope = EXCLUDED.scope,
         client_name = EXCLUDED.client_name, metadata = EXCLUDED.metadata, application_type = EXCLUDED.application_type,
         scopes_offered_at_registration = COALESCE(oauth_clients.scopes_offered_at_registration, EXCLUDED.scopes_offered_at_registration), fetched_at = now()
       WHERE oauth_clients.kind = 'cimd'
       RETURNING ${COLUMNS}`,
      [
        c.clientId,
        c.tokenEndpointAuthMethod,
        c.grantTypes,
        c.redirectUris,
        c.scope,
        c.clientName,
        c.metadata,
        c.applicationType,
        c.scopesOfferedAtRegistration,
      ],
    );
    return rows[0];
  }

  /**
   * Registers (or updates) one of the server's own clients; a row of another kind with that id is left
   * alone, and a revoked one stays revoked.
   */
  async upsertStatic(
    c: Pick<
      OAuthClient,
      'clientId' | 'clientName' | 'redirectUris' | 'applicationType' | 'scope' | 'grantTypes' | 'tokenEndpointAuthMethod' | 'scopesOfferedAtRegistration'
    >,
  ): Promise<void> {
    await this.sql.query(
      `INSERT INTO oauth_clients (client_id, kind, token_endpoint_auth_method, grant_types, redirect_uris, scope, client_name, metadata,
         application_type, scopes_offered_at_registration)
       VALUES ($1, 'static', $2, $3, $4, $5, $6, '{}'::jsonb, $7, $8)
       ON CONFLICT (client_id) DO UPDATE SET token_endpoint_auth_method = EXCLUDED.token_endpoint_auth_method,
         grant_types = EXCLUDED.grant_types, redirect_uris = EXCLUDED.redirect_uris, scope = EXCLUDED.scope,
         client_name = EXCLUDED.client_name, application_type = EXCLUDED.application_type,
         scopes_offered_at_registration = EXCLUDED.scopes_offered_at_registration
       WHERE oauth_clients.kind = 'static'`,
      [c.clientId, c.tokenEndpointAuthMethod, c.grantTypes, c.redirectUris, c.scope, c.clientName, c.applicationType, c.scopesOfferedAtRegistration],
    );
  }

  async touch(clientId: string): Promise<void> {
    await this.sql.query(`UPDATE oauth_clients SET last_used_at = now() WHERE client_id = $1`, [clientId]);
  }
}
