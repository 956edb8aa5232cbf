import type { RevocationService } from '../../auth/revocation/revocation.service.js';
import type { RequestContextService } from '../../common/context/request-context.service.js';
import { type DomainError } from '../../common/errors/domain-error.js';
import type { AdminGrantsRepository } from '../grants/admin-grants.repository.js';
import type { AdminUser } from './admin-user.js';
import type { AdminUsersRepository } from './admin-users.repository.js';
import { AdminUsersService } from './admin-users.service.js';
import { strictFake } from '../../../test/factories/strict-fake.factory.js';

const CALLER = '11111111-1111-4111-8111-111111111111';
const TARGET = '22222222-2222-4222-8222-222222222222';

describe('AdminUsersService.disable', () => {
  const user = { id: TARGET, login: 'bob', disabledAt: new Date('2025-11-22T10:00:00Z') } as AdminUser;

  function service(log: string[], exists: boolean): AdminUsersService {
    return new AdminUsersService(
      strictFake<AdminUsersRepository>('users', log, { find: () => user }),
      strictFake<AdminGrantsRepository>('grants', log, {}),
      strictFake<RevocationService>('revocation', log, {
        disableUser: async () => (exists ? { disabledAt: user.disabledAt, grantsRevoked: 3, apiKeysRevoked: 1 } : undefined),
      }),
      { current: () => ({ requestId: 'r1', scopes: new Set(['admin']), principal: { userId: CALLER, login: 'root' } }) } as unknown as RequestContextService,
    );
  }

  it('disables through the one revocation service, then shows the user', async () => {
    const log: string[] = [];
    await expect(service(log, true).disable(TARGET)).resolves.toEqual({ user, grantsRevoked: 3 });
    expect(log).toEqual([`revocation.disableUser("${TARGET}", "user disabled by an administrator")`, `users.find("${TARGET}")`]);
  });

  it('an unknown user is not_found', async () => {
    const log: string[] = [];
    const error = (await service(log, false)
      .disable(TARGET)
      .catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('not_found');
    expect(log).toEqual([`revocation.disableUser("${TARGET}", "user disabled by an administrator")`]);
  });

  it('the caller cannot disable themselves', async () => {
    const log: string[] = [];
    const error = (await service(log, true)
      .disable(CALLER)
      .catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('conflict');
    expect(log).toEqual([]);
  });
});
