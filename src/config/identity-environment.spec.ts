import { AppConfig } from './app-config.js';
import { EnvironmentError, validateEnvironment } from './environment.js';

function problemsOf(vars: Record<string, string | undefined>): string[] {
  try {
    validateEnvironment(vars);
    return [];
  } catch (e) {
    if (e instanceof EnvironmentError) return e.problems;
    throw e;
  }
}

describe('identity settings', () => {
  it('defaults to the built-in authorization server', () => {
    const c = AppConfig.from({});
    expect(c.authMode).toBe('builtin');
    expect(c.external).toBeUndefined();
    expect(c.maxAccessTokenLifetimeSeconds).toBe(900);
  });

  it('AUTH_MODE=external: issuers, audience defaulting to PUBLIC_URL/mcp, claims and introspection client', () => {
    const c = AppConfig.from({
      PUBLIC_URL: 'https://mcp.example.com',
      AUTH_MODE: 'external',
      EXTERNAL_ISSUER: 'https://login.example.com/oauth2/default, https://sts.example.net/tenant/v2.0',
      EXTERNAL_ADMIN_CLAIM: 'groups',
      EXTERNAL_ADMIN_VALUE: 'mcp-admins',
      EXTERNAL_INTROSPECTION_CLIENT_ID: 'rs',
      EXTERNAL_INTROSPECTION_CLIENT_SECRET: 's3cret',
    });
    expect(c.external).toEqual({
      issuers: ['https://login.example.com/oauth2/default', 'https://sts.example.net/tenant/v2.0'],
      audience: 'https://mcp.example.com/mcp',
      jwksUrl: undefined,
      scopeClaim: 'scope',
      admin: { claim: 'groups', value: 'mcp-admins' },
      introspection: { clientId: 'rs', clientSecret: 's3cret' },
      jwksCooldownMs: 60_000,
    });
    expect(c.maxAccessTokenLifetimeSeconds).toBe(86_400);
  });

  it('AUTH_MODE=external needs an issuer, and only https (http on loopback outside production)', () => {
    expect(problemsOf({ AUTH_MODE: 'external' })).toEqual([expect.stringMatching(/^EXTERNAL_ISSUER: required when AUTH_MODE=external/)]);
    expect(problemsOf({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'http://idp.example.com' })).toEqual([
      'EXTERNAL_ISSUER: http://idp.example.com must use https (http only for a loopback host)',
    ]);
    expect(problemsOf({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'http://127.0.0.1:8080' })).toEqual([]);
    expect(problemsOf({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://idp.example.com/?tenant=1' })).toEqual([
      'EXTERNAL_ISSUER: https://idp.example.com/?tenant=1 must not carry a query or fragment',
    ]);
    expect(problemsOf({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'not a url' })).toEqual(['EXTERNAL_ISSUER: not a url is not an absolute URL']);
    const production = problemsOf({
      NODE_ENV: 'production',
      AUTH_MODE: 'external',
      EXTERNAL_ISSUER: 'http://127.0.0.1:8080',
      PUBLIC_URL: 'https://mcp.example.com',
      DATABASE_URL: 'postgres://db/app',
      KEY_ENCRYPTION_SECRET: 'k'.repeat(48),
    });
    expect(production).toEqual(['EXTERNAL_ISSUER: http://127.0.0.1:8080 must use https when NODE_ENV=production']);
  });

  it('in production AUTH_MODE=external needs no GitHub app, and refuses one', () => {
    const base = { NODE_ENV: 'production', PUBLIC_URL: 'https://mcp.example.com', DATABASE_URL: 'postgres://db/app', KEY_ENCRYPTION_SECRET: 'k'.repeat(48) };
    expect(problemsOf({ ...base, AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://idp.example.com' })).toEqual([]);
    expect(
      problemsOf({ ...base, AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://idp.example.com', GITHUB_CLIENT_ID: 'x', GITHUB_CLIENT_SECRET: 'y' }),
    ).toEqual([expect.stringMatching(/^GITHUB_CLIENT_ID: has no effect with AUTH_MODE=external/)]);
    expect(problemsOf(base)).toEqual([expect.stringMatching(/^GITHUB_CLIENT_ID: required when NODE_ENV=production/)]);
  });

  it('reports half-configured pairs and misplaced settings', () => {
    expect(problemsOf({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://idp.example.com', EXTERNAL_ADMIN_CLAIM: 'groups' })).toEqual([
      'EXTERNAL_ADMIN_VALUE: set both EXTERNAL_ADMIN_CLAIM and EXTERNAL_ADMIN_VALUE, or neither',
    ]);
    expect(problemsOf({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://idp.example.com', EXTERNAL_INTROSPECTION_CLIENT_SECRET: 'x' })).toEqual([
      'EXTERNAL_INTROSPECTION_CLIENT_ID: set both EXTERNAL_INTROSPECTION_CLIENT_ID and EXTERNAL_INTROSPECTION_CLIENT_SECRET, or neither',
    ]);
    expect(problemsOf({ EXTERNAL_ISSUER: 'https://idp.example.com' })).toEqual([
      'EXTERNAL_ISSUER: only used with AUTH_MODE=external (set AUTH_MODE=external, or remove it)',
    ]);
    expect(problemsOf({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://a.example, https://b.example', EXTERNAL_JWKS_URL: 'https://a.example/keys' })).toEqual(
      [expect.stringMatching(/^EXTERNAL_JWKS_URL: only allowed with a single EXTERNAL_ISSUER/)],
    );
    expect(problemsOf({ AUTH_MODE: 'sideways' })).toEqual([expect.stringMatching(/^AUTH_MODE: must be builtin/)]);
    expect(problemsOf({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://a.example', EXTERNAL_SCOPE_CLAIM: 'sc ope' })).toEqual([
      expect.stringMatching(/^EXTERNAL_SCOPE_CLAIM: must be a claim name/),
    ]);
  });

  it('OIDC sign-in: all three of issuer, client id and secret; defaults; allow-lists only with it', () => {
    const c = AppConfig.from({
      OIDC_ISSUER: 'https://login.example.com/realms/corp',
      OIDC_CLIENT_ID: 'mcp',
      OIDC_CLIENT_SECRET: 's3cret',
      ALLOWED_EMAIL_DOMAINS: 'Corp.Example, corp.example.net',
      ALLOWED_GROUPS: 'mcp-users',
      ADMIN_GROUPS: 'mcp-admins,ops',
    });
    expect(c.oidc).toEqual({
      issuer: 'https://login.example.com/realms/corp',
      clientId: 'mcp',
      clientSecret: 's3cret',
      scopes: 'openid email profile',
      groupsClaim: 'groups',
      allowedEmailDomains: new Set(['corp.example', 'corp.example.net']),
      allowedGroups: new Set(['mcp-users']),
      adminGroups: new Set(['mcp-admins', 'ops']),
    });
    expect(AppConfig.from({}).oidc).toBeUndefined();
    expect(problemsOf({ OIDC_ISSUER: 'https://login.example.com' })).toEqual([
      expect.stringMatching(/^OIDC_CLIENT_ID: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together/),
      expect.stringMatching(/^OIDC_CLIENT_SECRET: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together/),
    ]);
    const oidc = { OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_ID: 'a', OIDC_CLIENT_SECRET: 'b' };
    expect(problemsOf({ ...oidc, OIDC_ISSUER: 'http://login.example.com' })).toEqual([
      'OIDC_ISSUER: http://login.example.com must use https (http only for a loopback host)',
    ]);
    expect(problemsOf({ ...oidc, OIDC_SCOPES: 'email profile' })).toEqual(['OIDC_SCOPES: must include openid (OpenID Connect sign-in)']);
    expect(problemsOf({ ...oidc, ALLOWED_EMAIL_DOMAINS: '@corp.example' })).toEqual([
      'ALLOWED_EMAIL_DOMAINS: @corp.example is not a domain name (write example.com, without @)',
    ]);
    expect(problemsOf({ ALLOWED_GROUPS: 'mcp-users' })).toEqual([
      'ALLOWED_GROUPS: only used with OpenID Connect sign-in (set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or remove it)',
    ]);
    expect(problemsOf({ ...oidc, AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://as.example.com' })).toEqual([
      expect.stringMatching(/^OIDC_ISSUER: has no effect with AUTH_MODE=external/),
    ]);
  });

  it('in production an OpenID provider replaces the GitHub app', () => {
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://mcp.example.com',
      DATABASE_URL: 'postgres://db/app',
      KEY_ENCRYPTION_SECRET: 'k'.repeat(48),
    };
    expect(problemsOf(production)).toEqual([expect.stringMatching(/^GITHUB_CLIENT_ID: required when NODE_ENV=production unless OIDC_ISSUER/)]);
    expect(problemsOf({ ...production, OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_ID: 'a', OIDC_CLIENT_SECRET: 'b' })).toEqual([]);
  });

  it('TRUSTED_IDJAG_ISSUERS: comma- or space-separated issuers, validated, only with the built-in authorization server', () => {
    expect(AppConfig.from({}).idJag).toBeUndefined();
    expect(
      AppConfig.from({ TRUSTED_IDJAG_ISSUERS: ' https://a.example.com/oauth2/default,https://b.example.com  https://a.example.com/oauth2/default\n' }).idJag,
    ).toEqual({
      issuers: ['https://a.example.com/oauth2/default', 'https://b.example.com'],
      maxLifetimeSeconds: 300,
      clockSkewSeconds: 30,
    });
    expect(problemsOf({ TRUSTED_IDJAG_ISSUERS: 'http://idp.example.com, not-a-url https://ok.example.com https://x.example.com/?tenant=1' })).toEqual([
      'TRUSTED_IDJAG_ISSUERS: http://idp.example.com must use https (http only for a loopback host) (give the issuer URL of each identity provider, comma-separated)',
      'TRUSTED_IDJAG_ISSUERS: not-a-url is not an absolute URL (give the issuer URL of each identity provider, comma-separated)',
      'TRUSTED_IDJAG_ISSUERS: https://x.example.com/?tenant=1 must not carry a query or fragment (give the issuer URL of each identity provider, comma-separated)',
    ]);
    expect(problemsOf({ TRUSTED_IDJAG_ISSUERS: 'http://127.0.0.1:4000' })).toEqual([]);
    expect(problemsOf({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://as.example.com', TRUSTED_IDJAG_ISSUERS: 'https://idp.example.com' })).toEqual([
      expect.stringMatching(/^TRUSTED_IDJAG_ISSUERS: has no effect with AUTH_MODE=external/),
    ]);
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://mcp.example.com',
      DATABASE_URL: 'postgres://db/app',
      KEY_ENCRYPTION_SECRET: 'k'.repeat(48),
    };
    expect(problemsOf({ ...production, GITHUB_CLIENT_ID: 'a', GITHUB_CLIENT_SECRET: 'b', TRUSTED_IDJAG_ISSUERS: 'http://127.0.0.1:4000' })).toEqual([
      'TRUSTED_IDJAG_ISSUERS: http://127.0.0.1:4000 must use https when NODE_ENV=production (give the issuer URL of each identity provider, comma-separated)',
    ]);
  });
});
