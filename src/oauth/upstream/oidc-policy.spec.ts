import { judgeSignIn, signInClaims, storedSignInClaims } from './oidc-policy.js';

const rules = (o: { domains?: string[]; groups?: string[]; admins?: string[] } = {}) => ({
  allowedEmailDomains: new Set(o.domains ?? []),
  allowedGroups: new Set(o.groups ?? []),
  adminGroups: new Set(o.admins ?? []),
});

describe('OpenID sign-in policy', () => {
  it('reads email (lower case), email_verified (boolean or "true") and the groups claim, also a dotted path', () => {
    expect(signInClaims({ email: 'Ann@Corp.Example', email_verified: true, groups: ['a', 'b', 3] }, 'groups')).toEqual({
      email: 'ann@corp.example',
      emailVerified: true,
      groups: ['a', 'b'],
    });
    expect(signInClaims({ email: 'x@corp.example', email_verified: 'true', realm_access: { roles: ['r'] } }, 'realm_access.roles')).toMatchObject({
      emailVerified: true,
      groups: ['r'],
    });
    expect(signInClaims({ email: 'x@corp.example', email_verified: 'yes' }, 'groups')).toMatchObject({ emailVerified: false, groups: [] });
    expect(signInClaims({ email: 'bad\u0000@corp.example', email_verified: true }, 'groups')).toMatchObject({ email: null, emailVerified: false });
  });

  it('allows everyone the provider signs in when no list is set; admin only from ADMIN_GROUPS', () => {
    expect(judgeSignIn(rules(), { email: null, emailVerified: false, groups: [] })).toEqual({ allowed: true, admin: false });
    expect(judgeSignIn(rules({ admins: ['ops'] }), { email: null, emailVerified: false, groups: ['ops'] })).toEqual({ allowed: true, admin: true });
  });

  it('ALLOWED_EMAIL_DOMAINS needs a verified email at exactly that domain (no suffix tricks)', () => {
    const r = rules({ domains: ['corp.example'] });
    expect(judgeSignIn(r, { email: 'a@corp.example', emailVerified: true, groups: [] }).allowed).toBe(true);
    expect(judgeSignIn(r, { email: 'a@corp.example', emailVerified: false, groups: [] }).allowed).toBe(false);
    expect(judgeSignIn(r, { email: 'a@evilcorp.example', emailVerified: true, groups: [] }).allowed).toBe(false);
    expect(judgeSignIn(r, { email: 'a@corp.example.evil.test', emailVerified: true, groups: [] }).allowed).toBe(false);
    expect(judgeSignIn(r, { email: 'a@sub.corp.example', emailVerified: true, groups: [] }).allowed).toBe(false);
    expect(judgeSignIn(r, { email: 'a@corp.example@evil.test', emailVerified: true, groups: [] }).allowed).toBe(false);
  });

  it('ALLOWED_GROUPS needs one of the groups (exact, case-sensitive); with both lists set, both must pass', () => {
    const r = rules({ domains: ['corp.example'], groups: ['mcp-users'] });
    expect(judgeSignIn(r, { email: 'a@corp.example', emailVerified: true, groups: ['mcp-users'] }).allowed).toBe(true);
    expect(judgeSignIn(r, { email: 'a@corp.example', emailVerified: true, groups: ['MCP-USERS'] }).allowed).toBe(false);
    expect(judgeSignIn(r, { email: 'a@other.example', emailVerified: true, groups: ['mcp-users'] }).allowed).toBe(false);
  });

  it('reads stored claims back defensively', () => {
    expect(storedSignInClaims(null)).toBeUndefined();
    expect(storedSignInClaims({ email: 5, emailVerified: 'true', groups: ['a', 1] })).toEqual({ email: null, emailVerified: false, groups: ['a'] });
  });
});
