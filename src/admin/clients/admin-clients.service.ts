import { Injectable } from '@nestjs/common';
import { RevocationService } from '../../auth/revocation/revocation.service.js';
import { RequestContextService } from '../../common/context/request-context.service.js';
import { ClientsService } from '../../oauth/clients/clients.service.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, TEXT_ID, toPage, type Page } from '../cursor.js';
import type { AdminGrant } from '../grants/admin-grant.js';
import { AdminGrantsRepository } from '../grants/admin-grants.repository.js';
import type { AdminClientDetail, AdminClientSummary, ClientFilter } from './admin-client.js';
import { AdminClientsRepository } from './admin-clients.repository.js';

const MAX_CLIENT_ID = 2000;
const RECENT_GRANTS = 20;

export interface ClientRevocation {
  clientId: string;
  revokedAt: Date;
  grantsRevoked: number;
}

@Injectable()
export class AdminClientsService {
  constructor(
    private readonly clients: AdminClientsRepository,
    private readonly grants: AdminGrantsRepository,
    private readonly revocation: RevocationService,
    private readonly registration: ClientsService,
    private readonly context: RequestContextService,
  ) {}

  /** Registers a client as POST /register does, whether or not open registration is on; the audit record names it. */
  async create(metadata: unknown): Promise<Record<string, unknown>> {
    const registered = await this.registration.register(metadata, 'admin');
    this.context.setAuditResource(String(registered.client_id));
    return registered;
  }

  async list(filter: ClientFilter, page: { limit?: number; cursor?: string }): Promise<Page<AdminClientSummary>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.clients.list(filter, decodeCursor(page.cursor, TEXT_ID), limit + 1);
    return toPage(rows, limit, (c) => c.clientId);
  }

  /** Registration data, last use and the most recent live grants (all of them: GET /admin/grants?clientId=). */
  async get(clientId: string): Promise<AdminClientDetail & { grants: AdminGrant[] }> {
    const client = await this.clients.find(this.checkId(clientId));
    if (!client) throw notFound(clientId);
    const grants = await this.grants.list({ clientId, status: 'active' }, undefined, RECENT_GRANTS);
    return { ...client, grants: grants.map(({ cursorAt: _c, ...g }) => g) };
  }

  /**
   * Revokes the client for good (there is no un-revoke): no new tokens, its grants' refresh tokens
   * fail at once, and its access tokens are refused on every instance within a second. Repeating it
   * is harmless.
   */
  async revoke(clientId: string): Promise<ClientRevocation> {
    const revoked = await this.revocation.revokeClient(this.checkId(clientId), 'client revoked by an administrator');
    if (!revoked) throw notFound(clientId);
    return { clientId, ...revoked };
  }

  /** SECURITY 36: the path parameter is checked before any query. */
  private checkId(clientId: string): string {
    if (!TEXT_ID(clientId)) throw new DomainError('invalid_input', `clientId must be 1 to ${MAX_CLIENT_ID} characters, without NUL or unpaired surrogates`);
    return clientId;
  }
}

function notFound(clientId: string): DomainError {
  return new DomainError('not_found', `Client not found: ${clientId}`);
}
