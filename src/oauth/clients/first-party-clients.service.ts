import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { DatabaseConnector } from '../../database/database-connector.service.js';
import { ScopePolicyService } from '../scope-policy.service.js';
import { firstPartyClients } from './first-party-clients.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';

/**
 * Registers the server's own clients (/docs and `npm run admin:login`) once the database is ready, on
 * every start and every instance: an idempotent upsert that follows PUBLIC_URL and never revives a
 * client an administrator revoked.
 */
@Injectable()
export class FirstPartyClientsService {
  constructor(
    private readonly config: AppConfig,
    private readonly clients: OAuthClientsRepository,
    private readonly scopes: ScopePolicyService,
    connector: DatabaseConnector,
  ) {
    connector.onConnected('first-party clients', () => this.seed());
  }

  async seed(): Promise<void> {
    for (const client of firstPartyClients(this.config.publicUrl))
      await this.clients.upsertStatic({ ...client, scopesOfferedAtRegistration: this.scopes.offered() });
  }
}
