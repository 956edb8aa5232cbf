import type { RevocationService } from '../../auth/revocation/revocation.service.js';
import type { RequestContextService } from '../../common/context/request-context.service.js';
import type { ClientsService } from '../../oauth/clients/clients.service.js';
import { DomainError } from '../../common/errors/domain-error.js';
import type { AdminGrantsRepository } from '../grants/admin-grants.repository.js';
import type { AdminClientsRepository } from './admin-clients.repository.js';
import { AdminClientsService } from './admin-clients.service.js';
import { strictFake } from '../../../test/factories/strict-fake.factory.js';

describe('AdminClientsService.revoke', () => {
  const revokedAt = new Date('2025-11-22T10:00:00Z');

  function service(log: string[], revoked: { revokedAt: Date; grantsRevoked: number } | undefined) {
    return new AdminClientsService(
      strictFake<AdminClientsRepository>('clients', log, {}),
      strictFake<AdminGrantsRepository>('grants', log, {}),
      strictFake<RevocationService>('revocation', log, { revokeClient: async () => revoked }),
      strictFake<ClientsService>('registration', log, {}),
      strictFake<RequestContextService>('context', log, {}),
    );
  }

  it('revokes through the one revocation service (database write and announcement together)', async () => {
    const log: string[] = [];
    await expect(service(log, { revokedAt, grantsRevoked: 2 }).revoke('mcp_abc')).resolves.toEqual({ clientId: 'mcp_abc', revokedAt, grantsRevoked: 2 });
    expect(log).toEqual(['revocation.revokeClient("mcp_abc", "client revoked by an administrator")']);
  });

  it('an unknown client is not_found', async () => {
    const log: string[] = [];
    const error = await service(log, undefined)
      .revoke('mcp_nope')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('not_found');
    expect(log).toEqual(['revocation.revokeClient("mcp_nope", "client revoked by an administrator")']);
  });

  it('an over-long client id is invalid_input before any query', async () => {
    const log: string[] = [];
    const error = await service(log, undefined)
      .revoke('x'.repeat(2001))
      .catch((e: unknown) => e);
    expect((error as DomainError).code).toBe('invalid_input');
    expect(log).toEqual([]);
  });
});
