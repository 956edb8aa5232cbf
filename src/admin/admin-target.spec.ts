import { adminOutcome, adminTarget } from './admin-target.js';

describe('admin audit targets and outcomes', () => {
  it.each([
    ['GET', '/admin/clients', 'clients.list'],
    ['GET', '/admin/clients/:clientId', 'clients.get'],
    ['POST', '/admin/clients/:clientId/revoke', 'clients.revoke'],
    ['POST', '/admin/users/:id/disable', 'users.disable'],
    ['POST', '/admin/keys/rotate', 'keys.rotate'],
    ['POST', '/admin/api-keys', 'api-keys.create'],
    ['GET', '/admin/audit', 'audit.list'],
    ['DELETE', '/admin/api-keys/:id', 'api-keys.delete'],
  ])('%s %s is %s', (method, path, target) => {
    expect(adminTarget(method, path)).toBe(target);
  });

  it.each([
    [200, 'ok'],
    [201, 'ok'],
    [400, 'invalid'],
    [401, 'denied'],
    [403, 'denied'],
    [404, 'error'],
    [409, 'error'],
    [500, 'failed'],
  ])('status %d is %s', (status, outcome) => {
    expect(adminOutcome(status)).toBe(outcome);
  });
});
