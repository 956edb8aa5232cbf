import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';
import type { AuthorizationRequest } from './authorization-request.js';

const COLUMNS = `id_hash AS "idHash", client_id AS "clientId", redirect_uri AS "redirectUri", redirect_uri_given AS "redirectUriGiven", state,
  code_challenge AS "codeChallenge", scopes, resource, csrf_hash AS "csrfHash", flow_hash AS "flowHash", expires_at AS "expiresAt"`;

/** Pending authorizations between /authorize and the upstream callback; ids and states stored hashed. */
@Injectable()
export class AuthorizationRequestsRepository {
  constructor(private readonly sql: SqlService) {}

  /** `flowHash` binds the request to the browser that started it (a cookie), checked at every later step. */
  async create(r: Omit<AuthorizationRequest, 'expiresAt'>, ttlSeconds: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO authorization_requests (id_hash, client_id, redirect_uri, redirect_uri_given, state, code_challenge, scopes, resource, csrf_hash, flow_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`,
      [r.idHash, r.clientId, r.redirectUri, r.redirectUriGiven, r.state, r.codeChallenge, r.scopes, r.resource, r.csrfHash, r.flowHash, ttlSeconds],
    );
  }

  async findPending(idHash: string): Promise<AuthorizationRequest | undefined> {
    const rows = await this.sql.query<AuthorizationRequest>(
      `SELECT ${COLUMNS} FROM authorization_requests WHERE id_hash = $1 AND consumed_at IS NULL AND expires_at > now()`,
      [idHash],
    );
    return rows[0];
  }

  /** Starts the upstream sign-in: a fresh random state (stored hashed) that the callback must present once. */
  async beginUpstream(idHash: string, upstreamStateHash: string): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE authorization_requests SET upstream_state_hash = $2
       WHERE id_hash = $1 AND consumed_at IS NULL AND expires_at > now() RETURNING id_hash`,
      [idHash, upstreamStateHash],
    );
    return rows.length > 0;
  }

  async findByUpstreamState(upstreamStateHash: string): Promise<AuthorizationRequest | undefined> {
    const rows = await this.sql.query<AuthorizationRequest>(
      `SELECT ${COLUMNS} FROM authorization_requests WHERE upstream_state_hash = $1 AND consumed_at IS NULL AND expires_at > now()`,
      [upstreamStateHash],
    );
    return rows[0];
  }

  /** Single use: the first callback with this upstream state takes the request; any later one finds nothing. */
  async takeByUpstreamState(upstreamStateHash: string): Promise<AuthorizationRequest | undefined> {
    const rows = await this.sql.query<AuthorizationRequest>(
      `UPDATE authorization_requests SET consumed_at = now(), upstream_state_hash = NULL
       WHERE upstream_state_hash = $1 AND consumed_at IS NULL AND expires_at > now() RETURNING ${COLUMNS}`,
      [upstreamStateHash],
    );
    return rows[0];
  }

  /** Single use for flows that finish without an upstream (a signed-in browser approving). */
  async take(idHash: string): Promise<AuthorizationRequest | undefined> {
    const rows = await this.sql.query<AuthorizationRequest>(
      `UPDATE authorization_requests SET consumed_at = now() WHERE id_hash = $1 AND consumed_at IS NULL AND expires_at > now() RETURNING ${COLUMNS}`,
      [idHash],
    );
    return rows[0];
  }
}
