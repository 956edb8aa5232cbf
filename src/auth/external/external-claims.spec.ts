import fc from 'fast-check';
import { claimAt, claimValues, clientIdOf, displayLogin, grantedScopes, hasClaimValue, identifier } from './external-claims.js';

const ADMIN = { claim: 'groups', value: 'mcp-admins' };

describe('external token claims', () => {
  it('reads the configured scope claim, scp (string or array) and roles', () => {
    expect([...grantedScopes({ scope: 'notes:read notes:write' }, 'scope', undefined)].sort()).toEqual(['notes:read', 'notes:write']);
    expect([...grantedScopes({ scp: ['notes:read'] }, 'scope', undefined)]).toEqual(['notes:read']);
    expect([...grantedScopes({ scp: 'notes:write' }, 'scope', undefined)]).toEqual(['notes:write']);
    expect([...grantedScopes({ roles: ['notes:read'] }, 'scope', undefined)]).toEqual(['notes:read']);
    expect([...grantedScopes({ realm_access: { roles: ['notes:read', 'offline_access'] } }, 'realm_access.roles', undefined)]).toEqual([
      'notes:read',
      'offline_access',
    ]);
    expect([...grantedScopes({ 'https://corp.example/scopes': 'notes:read' }, 'https://corp.example/scopes', undefined)]).toEqual(['notes:read']);
  });

  it('never takes admin from the token: only the configured admin claim grants it', () => {
    expect(grantedScopes({ scope: 'admin notes:read', scp: ['admin'], roles: ['admin'] }, 'scope', ADMIN).has('admin')).toBe(false);
    expect(grantedScopes({ scope: 'admin notes:read' }, 'scope', undefined).has('admin')).toBe(false);
    expect(grantedScopes({ scope: 'notes:read', groups: ['staff', 'mcp-admins'] }, 'scope', ADMIN).has('admin')).toBe(true);
    expect(grantedScopes({ scope: 'notes:read', groups: 'mcp-admins' }, 'scope', ADMIN).has('admin')).toBe(true);
    expect(grantedScopes({ scope: 'notes:read', groups: ['mcp-admins-not'] }, 'scope', ADMIN).has('admin')).toBe(false);
    expect(grantedScopes({ scope: 'notes:read', groups: { 'mcp-admins': true } }, 'scope', ADMIN).has('admin')).toBe(false);
  });

  it('matches an admin claim anywhere in a long group list, and booleans by their text', () => {
    const groups = [...Array.from({ length: 500 }, (_, i) => `g${i}`), 'mcp-admins'];
    expect(hasClaimValue({ groups }, 'groups', 'mcp-admins')).toBe(true);
    expect(hasClaimValue({ is_admin: true }, 'is_admin', 'true')).toBe(true);
    expect(hasClaimValue({ is_admin: false }, 'is_admin', 'true')).toBe(false);
  });

  it('does not walk into prototypes or arrays', () => {
    expect(claimAt({}, '__proto__')).toBeUndefined();
    expect(claimAt({ a: {} }, 'a.constructor')).toBeUndefined();
    expect(claimAt({ a: ['x'] }, 'a.0')).toBeUndefined();
    expect(claimAt({ a: { b: 'c' } }, 'a.b')).toBe('c');
  });

  it('finds the client in client_id, azp, cid or appid, in that order', () => {
    expect(clientIdOf({ client_id: 'a', azp: 'b' })).toBe('a');
    expect(clientIdOf({ azp: 'b', cid: 'c' })).toBe('b');
    expect(clientIdOf({ cid: 'c' })).toBe('c');
    expect(clientIdOf({ appid: 'd' })).toBe('d');
    expect(clientIdOf({ client_id: 'bad\u0000id', azp: 'ok' })).toBe('ok');
    expect(clientIdOf({})).toBeUndefined();
  });

  it('displays a person by preferred_username or email, else the subject, always with an @ (never a GitHub login)', () => {
    expect(displayLogin({ preferred_username: 'ann', email: 'ann@corp.example' }, 's1', 'https://idp.example.com/realms/x')).toBe('ann@idp.example.com');
    expect(displayLogin({ email: 'ann@corp.example' }, 's1', 'https://idp.example.com')).toBe('ann@corp.example');
    expect(displayLogin({ email: 'x'.repeat(300) }, 's1', 'https://idp.example.com')).toBe('s1@idp.example.com');
  });

  it('property: any claims object yields at most 300 short, printable scopes and never a privileged one without the admin claim', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (claims, path) => {
        const scopes = grantedScopes(claims, path || 'scope', undefined);
        expect(scopes.size).toBeLessThanOrEqual(300);
        expect(scopes.has('admin')).toBe(false);
        for (const s of scopes) expect(s.length).toBeGreaterThan(0);
      }),
    );
  });

  it('property: identifier() accepts exactly the strings of 1-255 characters without control characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.jsonValue()), (v) => {
        const ok = typeof v === 'string' && v.length >= 1 && v.length <= 255 && !/\p{Cc}/u.test(v);
        expect(identifier(v)).toBe(ok ? v : undefined);
      }),
    );
  });

  it('property: claimValues keeps only distinct non-empty strings, at most 100', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.jsonValue(), { maxLength: 300 })), (v) => {
        const values = claimValues(v);
        expect(values.length).toBeLessThanOrEqual(100);
        expect(new Set(values).size).toBe(values.length);
        for (const x of values) expect(typeof x === 'string' && x.length > 0).toBe(true);
      }),
    );
  });
});
