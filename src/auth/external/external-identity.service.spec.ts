import { strictFake } from '../../../test/factories/strict-fake.factory.js';
import type { UsersRepository } from '../../users/users.repository.js';
import { ExternalIdentityService } from './external-identity.service.js';

describe('ExternalIdentityService', () => {
  let log: string[];
  let identities: ExternalIdentityService;

  beforeEach(() => {
    log = [];
    const users = strictFake<UsersRepository>('users', log, {
      upsertFederatedUser: async (issuer: string, subject: string, login: string) => ({
        id: `id-of-${subject}`,
        login,
      }),
    });
    identities = new ExternalIdentityService(users);
  });

  it('reads the database once per person, then answers from memory', async () => {
    for (let i = 0; i < 5; i++)
      expect(await identities.resolve('https://idp', 'alice', 'alice@corp', null)).toMatchObject({ userId: 'id-of-alice', login: 'alice@corp' });
    await identities.resolve('https://idp', 'bob', 'bob', null);
    expect(log).toEqual([
      `users.upsertFederatedUser("https://idp", "alice", "alice@corp", null)`,
      `users.upsertFederatedUser("https://idp", "bob", "bob", null)`,
    ]);
  });

  it('concurrent first requests share one database read', async () => {
    await Promise.all(Array.from({ length: 10 }, () => identities.resolve('https://idp', 'carol', 'carol', null)));
    expect(log).toHaveLength(1);
  });

  it('keys by issuer and subject: the same sub at another issuer is another person', async () => {
    await identities.resolve('https://idp-a', 'same', 'x', null);
    await identities.resolve('https://idp-b', 'same', 'x', null);
    expect(log).toHaveLength(2);
  });
});
