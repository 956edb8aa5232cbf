import { type IdentityEnvironment, splitIssuers, splitList } from './identity-environment.js';

/** AUTH_MODE=external: the company authorization server whose tokens /mcp accepts (resource-server-only mode). */
export interface ExternalAuthConfig {
  /** Exact issuer identifiers, as the tokens' `iss` and the discovery metadata carry them. */
  issuers: readonly string[];
  /** The `aud` every access token must carry (RFC 9068 §4, RFC 8707). */
  audience: string;
  /** A JWKS URL that replaces discovery (single issuer only). */
  jwksUrl?: string;
  /** Where the granted scopes are: a claim name or dotted path (space-separated string or array). */
  scopeClaim: string;
  /** A claim (path) and a value that grant the `admin` scope. */
  admin?: { claim: string; value: string };
  /** RFC 7662 introspection client, for opaque access tokens. */
  introspection?: { clientId: string; clientSecret: string };
  /** Minimum time between two JWKS fetches triggered by an unknown `kid`. */
  jwksCooldownMs: number;
}

/**
 * The longest-lived access token of a company authorization server this server accepts; the deny
 * list keeps its entries that long, so a revoked token cannot come back on a freshly started instance.
 */
export const EXTERNAL_MAX_TOKEN_LIFETIME_SECONDS = 86_400;

export function externalAuthConfig(env: IdentityEnvironment, resourceUrl: string): ExternalAuthConfig | undefined {
  if (env.AUTH_MODE !== 'external') return undefined;
  return {
    issuers: splitList(env.EXTERNAL_ISSUER),
    audience: env.EXTERNAL_AUDIENCE ?? resourceUrl,
    jwksUrl: env.EXTERNAL_JWKS_URL,
    scopeClaim: env.EXTERNAL_SCOPE_CLAIM,
    admin: env.EXTERNAL_ADMIN_CLAIM && env.EXTERNAL_ADMIN_VALUE ? { claim: env.EXTERNAL_ADMIN_CLAIM, value: env.EXTERNAL_ADMIN_VALUE } : undefined,
    introspection:
      env.EXTERNAL_INTROSPECTION_CLIENT_ID && env.EXTERNAL_INTROSPECTION_CLIENT_SECRET
        ? { clientId: env.EXTERNAL_INTROSPECTION_CLIENT_ID, clientSecret: env.EXTERNAL_INTROSPECTION_CLIENT_SECRET }
        : undefined,
    jwksCooldownMs: env.EXTERNAL_JWKS_COOLDOWN_SECONDS * 1000,
  };
}

/** An OpenID Connect provider as the upstream sign-in of the built-in authorization server. */
export interface OidcSignInConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** Claim (or dotted path) holding the person's groups. */
  groupsClaim: string;
  /** Lower case; empty: any domain (or no email). */
  allowedEmailDomains: ReadonlySet<string>;
  allowedGroups: ReadonlySet<string>;
  adminGroups: ReadonlySet<string>;
}

export function oidcSignInConfig(env: IdentityEnvironment): OidcSignInConfig | undefined {
  if (env.AUTH_MODE !== 'builtin' || !env.OIDC_ISSUER || !env.OIDC_CLIENT_ID || !env.OIDC_CLIENT_SECRET) return undefined;
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    scopes: env.OIDC_SCOPES,
    groupsClaim: env.OIDC_GROUPS_CLAIM,
    allowedEmailDomains: new Set(splitList(env.ALLOWED_EMAIL_DOMAINS).map((d) => d.toLowerCase())),
    allowedGroups: new Set(splitList(env.ALLOWED_GROUPS)),
    adminGroups: new Set(splitList(env.ADMIN_GROUPS)),
  };
}

/**
 * MCP Enterprise-Managed Authorization: identity providers whose ID-JAGs (Identity Assertion JWT
 * Authorization Grants) /token exchanges for access tokens with the RFC 7523 jwt-bearer grant.
 */
export interface IdJagConfig {
  /** Exact issuer identifiers; each one's keys come from its discovery document. */
  issuers: readonly string[];
  /** The longest an ID-JAG may live (exp - iat); the draft calls for short-lived assertions. */
  maxLifetimeSeconds: number;
  /** Clock difference tolerated between the identity provider and this server. */
  clockSkewSeconds: number;
}

export const ID_JAG_MAX_LIFETIME_SECONDS = 300;
export const ID_JAG_CLOCK_SKEW_SECONDS = 30;

export function idJagConfig(env: IdentityEnvironment): IdJagConfig | undefined {
  const issuers = splitIssuers(env.TRUSTED_IDJAG_ISSUERS);
  if (env.AUTH_MODE !== 'builtin' || issuers.length === 0) return undefined;
  return { issuers, maxLifetimeSeconds: ID_JAG_MAX_LIFETIME_SECONDS, clockSkewSeconds: ID_JAG_CLOCK_SKEW_SECONDS };
}
