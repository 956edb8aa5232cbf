import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);
const emptyToUndefined = ({ value }: { value: unknown }): unknown => (value === '' ? undefined : value);
const CLAIM = /^[A-Za-z0-9_:.\-/]{1,100}$/;

/**
 * Settings of the company identity provider: which authorization server issues the tokens /mcp
 * accepts. The rest of the environment extends this class (src/config/environment.ts).
 */
export abstract class IdentityEnvironment {
  @IsIn(['builtin', 'external'], { message: 'AUTH_MODE must be builtin (this server issues tokens) or external (a company authorization server does)' })
  AUTH_MODE: 'builtin' | 'external' = 'builtin';

  @IsString()
  EXTERNAL_ISSUER = '';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  EXTERNAL_AUDIENCE?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  EXTERNAL_JWKS_URL?: string;

  @Matches(CLAIM, { message: 'EXTERNAL_SCOPE_CLAIM must be a claim name or dotted path such as scope, scp or realm_access.roles' })
  EXTERNAL_SCOPE_CLAIM = 'scope';

  @Transform(emptyToUndefined)
  @ValidateIf((e: IdentityEnvironment) => e.EXTERNAL_ADMIN_CLAIM !== undefined || e.EXTERNAL_ADMIN_VALUE !== undefined)
  @Matches(CLAIM, { message: 'EXTERNAL_ADMIN_CLAIM must be a claim name or dotted path (set it together with EXTERNAL_ADMIN_VALUE, or neither)' })
  EXTERNAL_ADMIN_CLAIM?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((e: IdentityEnvironment) => e.EXTERNAL_ADMIN_CLAIM !== undefined || e.EXTERNAL_ADMIN_VALUE !== undefined)
  @IsString({ message: 'set both EXTERNAL_ADMIN_CLAIM and EXTERNAL_ADMIN_VALUE, or neither' })
  EXTERNAL_ADMIN_VALUE?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((e: IdentityEnvironment) => e.EXTERNAL_INTROSPECTION_CLIENT_ID !== undefined || e.EXTERNAL_INTROSPECTION_CLIENT_SECRET !== undefined)
  @IsString({ message: 'set both EXTERNAL_INTROSPECTION_CLIENT_ID and EXTERNAL_INTROSPECTION_CLIENT_SECRET, or neither' })
  EXTERNAL_INTROSPECTION_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((e: IdentityEnvironment) => e.EXTERNAL_INTROSPECTION_CLIENT_ID !== undefined || e.EXTERNAL_INTROSPECTION_CLIENT_SECRET !== undefined)
  @IsString({ message: 'set both EXTERNAL_INTROSPECTION_CLIENT_ID and EXTERNAL_INTROSPECTION_CLIENT_SECRET, or neither' })
  EXTERNAL_INTROSPECTION_CLIENT_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  EXTERNAL_JWKS_COOLDOWN_SECONDS = 60;

  /** An OpenID Connect provider as the sign-in of the built-in authorization server (beside or instead of GitHub). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OIDC_ISSUER?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((e: IdentityEnvironment) => e.OIDC_ISSUER !== undefined || e.OIDC_CLIENT_ID !== undefined || e.OIDC_CLIENT_SECRET !== undefined)
  @IsString({ message: 'set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together (from the application registered at your identity provider), or none' })
  OIDC_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((e: IdentityEnvironment) => e.OIDC_ISSUER !== undefined || e.OIDC_CLIENT_ID !== undefined || e.OIDC_CLIENT_SECRET !== undefined)
  @IsString({ message: 'set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together (from the application registered at your identity provider), or none' })
  OIDC_CLIENT_SECRET?: string;

  @Matches(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, {
    message: 'OIDC_SCOPES must be space-separated scope names, such as openid email profile',
  })
  OIDC_SCOPES = 'openid email profile';

  @Matches(CLAIM, { message: 'OIDC_GROUPS_CLAIM must be a claim name or dotted path such as groups or realm_access.roles' })
  OIDC_GROUPS_CLAIM = 'groups';

  /** Comma-separated email domains; the email must be verified by the provider. */
  @IsString()
  ALLOWED_EMAIL_DOMAINS = '';

  @IsString()
  ALLOWED_GROUPS = '';

  @IsString()
  ADMIN_GROUPS = '';

  /**
   * Identity providers whose Identity Assertion JWT Authorization Grants (ID-JAG) /token accepts
   * (MCP Enterprise-Managed Authorization): issuer URLs, comma- or space-separated.
   */
  @IsString()
  TRUSTED_IDJAG_ISSUERS = '';
}

/** The identity settings that may be unset (and so are absent from a fresh instance's keys). */
export const IDENTITY_OPTIONAL = [
  'EXTERNAL_AUDIENCE',
  'EXTERNAL_JWKS_URL',
  'EXTERNAL_ADMIN_CLAIM',
  'EXTERNAL_ADMIN_VALUE',
  'EXTERNAL_INTROSPECTION_CLIENT_ID',
  'EXTERNAL_INTROSPECTION_CLIENT_SECRET',
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
];

/** Cross-field rules of the identity settings; appends one message per problem. */
export function identityProblems(env: IdentityEnvironment & { NODE_ENV: string; GITHUB_CLIENT_ID?: string }): string[] {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  const issuers = splitList(env.EXTERNAL_ISSUER);
  if (env.AUTH_MODE === 'external') {
    if (issuers.length === 0)
      problems.push('EXTERNAL_ISSUER: required when AUTH_MODE=external (the issuer URL of your authorization server, comma-separated for several)');
    for (const issuer of issuers) {
      const why = issuerProblem(issuer, production);
      if (why) problems.push(`EXTERNAL_ISSUER: ${issuer} ${why}`);
    }
    if (env.EXTERNAL_JWKS_URL !== undefined) {
      if (issuers.length > 1) problems.push('EXTERNAL_JWKS_URL: only allowed with a single EXTERNAL_ISSUER (with several, each JWKS comes from discovery)');
      const why = issuerProblem(env.EXTERNAL_JWKS_URL, production, true);
      if (why) problems.push(`EXTERNAL_JWKS_URL: ${why}`);
    }
    if (env.GITHUB_CLIENT_ID !== undefined)
      problems.push('GITHUB_CLIENT_ID: has no effect with AUTH_MODE=external (people sign in at your authorization server); remove it');
  } else {
    const stray = ['EXTERNAL_ISSUER', 'EXTERNAL_AUDIENCE', 'EXTERNAL_JWKS_URL', 'EXTERNAL_ADMIN_CLAIM', 'EXTERNAL_INTROSPECTION_CLIENT_ID'].filter((k) =>
      k === 'EXTERNAL_ISSUER' ? issuers.length > 0 : env[k as keyof IdentityEnvironment] !== undefined,
    );
    for (const k of stray) problems.push(`${k}: only used with AUTH_MODE=external (set AUTH_MODE=external, or remove it)`);
  }
  problems.push(...oidcProblems(env, production));
  problems.push(...idJagProblems(env, production));
  return problems;
}

function oidcProblems(env: IdentityEnvironment, production: boolean): string[] {
  const problems: string[] = [];
  if (env.OIDC_ISSUER !== undefined) {
    const why = issuerProblem(env.OIDC_ISSUER, production);
    if (why) problems.push(`OIDC_ISSUER: ${env.OIDC_ISSUER} ${why}`);
    if (env.AUTH_MODE === 'external')
      problems.push('OIDC_ISSUER: has no effect with AUTH_MODE=external (people sign in at your authorization server); remove it');
    if (!env.OIDC_SCOPES.split(' ').includes('openid')) problems.push('OIDC_SCOPES: must include openid (OpenID Connect sign-in)');
  } else {
    for (const k of ['ALLOWED_EMAIL_DOMAINS', 'ALLOWED_GROUPS', 'ADMIN_GROUPS'] as const)
      if (splitList(env[k]).length)
        problems.push(`${k}: only used with OpenID Connect sign-in (set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or remove it)`);
  }
  for (const domain of splitList(env.ALLOWED_EMAIL_DOMAINS))
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domain))
      problems.push(`ALLOWED_EMAIL_DOMAINS: ${domain} is not a domain name (write example.com, without @)`);
  return problems;
}

function idJagProblems(env: IdentityEnvironment, production: boolean): string[] {
  const issuers = splitIssuers(env.TRUSTED_IDJAG_ISSUERS);
  if (issuers.length === 0) return [];
  if (env.AUTH_MODE === 'external')
    return [
      'TRUSTED_IDJAG_ISSUERS: has no effect with AUTH_MODE=external (this server issues no tokens; configure the grant at your authorization server); remove it',
    ];
  const problems: string[] = [];
  for (const issuer of issuers) {
    const why = issuerProblem(issuer, production);
    if (why) problems.push(`TRUSTED_IDJAG_ISSUERS: ${issuer} ${why} (give the issuer URL of each identity provider, comma-separated)`);
  }
  return problems;
}

/** Issuer URLs separated by commas and/or white space. */
export function splitIssuers(value: string): string[] {
  return [...new Set(value.split(/[\s,]+/).filter(Boolean))];
}

/** Why a configured issuer (or endpoint) URL is unusable, or undefined. https, or http on loopback outside production. */
export function issuerProblem(value: string, production: boolean, allowQuery = false): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.hash || (!allowQuery && url.search)) return 'must not carry a query or fragment';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && !production && isLoopback(url.hostname)) return undefined;
  return production ? 'must use https when NODE_ENV=production' : 'must use https (http only for a loopback host)';
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
