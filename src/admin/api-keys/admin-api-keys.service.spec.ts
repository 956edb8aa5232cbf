import { AdminAccessService } from '../../auth/admin-access.service.js';
import type { ApiKeysService } from '../../auth/api-keys/api-keys.service.js';
import { AppConfig } from '../../config/app-config.js';
import { ScopeRegistry } from '../../auth/scope-registry.service.js';
import type { RequestContextService } from '../../common/context/request-context.service.js';
import { DomainError } from '../../common/errors/domain-error.js';
import type { AdminUsersRepository } from '../users/admin-users.repository.js';
import { AdminApiKeysService } from './admin-api-keys.service.js';
import { strictFake } from '../../../test/factories/strict-fake.factory.js';

const ADMIN = { userId: '11111111-1111-4111-8111-111111111111', login: 'root-admin' };
const OTHER = '22222222-2222-4222-8222-222222222222';

describe('AdminApiKeysService.create', () => {
  let log: string[];
  let created: Array<Record<string, unknown>>;
  let users: Record<string, { disabledAt: Date | null; login: string }>;

  function service(): AdminApiKeysService {
    const scopes = new ScopeRegistry();
    scopes.register('notes:read', 'notes:write', 'admin');
    return new AdminApiKeysService(
      strictFake<ApiKeysService>('apiKeys', log, {
        create: async (input: Record<string, unknown>) => {
          created.push(input);
          return { key: 'smcp_secret', view: { id: 'k1' } };
        },
      }),
      strictFake<AdminUsersRepository>('users', log, { find: async (id: string) => users[id] }),
      scopes,
      strictFake<RequestContextService>('context', log, { principal: () => ADMIN }),
      new AdminAccessService(AppConfig.from({ ADMIN_GITHUB_LOGINS: 'Root-Admin' })),
    );
  }

  beforeEach(() => {
    log = [];
    created = [];
    users = { [ADMIN.userId]: { disabledAt: null, login: 'root-admin' }, [OTHER]: { disabledAt: null, login: 'ci-bot' } };
  });

  it('acts as the calling administrator by default, with de-duplicated scopes and no expiry', async () => {
    await expect(service().create({ name: 'CI', scopes: ['notes:read', 'notes:read', 'admin'] })).resolves.toEqual({
      key: 'smcp_secret',
      apiKey: { id: 'k1' },
    });
    expect(created).toEqual([{ name: 'CI', scopes: ['notes:read', 'admin'], userId: ADMIN.userId, createdBy: ADMIN.userId, expiresAt: null }]);
  });

  it('acts as another user when asked, expiring after the given days', async () => {
    const before = Date.now();
    await service().create({ name: 'bot', scopes: ['notes:read'], userId: OTHER, expiresInDays: 7 });
    expect(created[0]).toMatchObject({ userId: OTHER, createdBy: ADMIN.userId });
    const expiresAt = (created[0].expiresAt as Date).getTime();
    expect(expiresAt - before).toBeGreaterThanOrEqual(7 * 86_400_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
  });

  it('refuses unknown scopes before touching anything, naming them and the known ones', async () => {
    const error = (await service()
      .create({ name: 'x', scopes: ['notes:read', 'root', 'notes:admin'] })
      .catch((e: unknown) => e)) as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('scopes: unknown scope(s) root, notes:admin; known scopes: admin notes:read notes:write');
    expect(log).toEqual([]);
  });

  it('refuses the admin scope for an owner outside ADMIN_GITHUB_LOGINS, before creating anything', async () => {
    const error = (await service()
      .create({ name: 'x', scopes: ['notes:read', 'admin'], userId: OTHER })
      .catch((e: unknown) => e)) as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('scopes: admin can only be given to users listed in ADMIN_GITHUB_LOGINS (ci-bot is not)');
    expect(created).toEqual([]);
    expect(log).toEqual(['context.principal()', `users.find("${OTHER}")`]);
  });

  it('refuses an owner that does not exist (invalid_input) or is disabled (conflict)', async () => {
    const missing = (await service()
      .create({ name: 'x', scopes: ['notes:read'], userId: '33333333-3333-4333-8333-333333333333' })
      .catch((e: unknown) => e)) as DomainError;
    expect(missing.code).toBe('invalid_input');
    users[OTHER].disabledAt = new Date();
    const disabled = (await service()
      .create({ name: 'x', scopes: ['notes:read'], userId: OTHER })
      .catch((e: unknown) => e)) as DomainError;
    expect(disabled.code).toBe('conflict');
    expect(created).toEqual([]);
  });
});
