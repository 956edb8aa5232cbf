import { claimAt, claimValues, identifier } from '../../auth/external/external-claims.js';
import type { OidcSignInConfig } from '../../config/identity-config.js';

/** What this server keeps of an OpenID Connect sign-in: enough to re-check the allow-lists and admin groups. */
export interface SignInClaims {
  email: string | null;
  emailVerified: boolean;
  groups: string[];
}

export type SignInVerdict = { allowed: true; admin: boolean } | { allowed: false; reason: string };

/** Reads email, email_verified and the groups claim from ID token (and userinfo) claims. */
export function signInClaims(claims: Record<string, unknown>, groupsClaim: string): SignInClaims {
  const email = identifier(claims.email)?.toLowerCase() ?? null;
  // OIDC Core §5.1 says boolean; some providers (Cognito) send the string "true".
  const verified = claims.email_verified === true || claims.email_verified === 'true';
  return { email, emailVerified: email !== null && verified, groups: claimValues(claimAt(claims, groupsClaim)) };
}

/**
 * ALLOWED_EMAIL_DOMAINS (a verified email only), ALLOWED_GROUPS and ADMIN_GROUPS. When both
 * allow-lists are set, a person must pass both. An empty list allows everyone the provider signs in.
 */
export function judgeSignIn(config: Pick<OidcSignInConfig, 'allowedEmailDomains' | 'allowedGroups' | 'adminGroups'>, c: SignInClaims): SignInVerdict {
  if (config.allowedEmailDomains.size > 0) {
    if (!c.email || !c.emailVerified) return { allowed: false, reason: 'Your identity provider did not confirm a verified email address.' };
    const domain = c.email.slice(c.email.lastIndexOf('@') + 1);
    if (!config.allowedEmailDomains.has(domain)) return { allowed: false, reason: `Email addresses at ${domain} are not allowed to use this server.` };
  }
  if (config.allowedGroups.size > 0 && !c.groups.some((g) => config.allowedGroups.has(g))) {
    return { allowed: false, reason: 'You are not in a group that is allowed to use this server.' };
  }
  return { allowed: true, admin: c.groups.some((g) => config.adminGroups.has(g)) };
}

/** Stored claims read back from the database (jsonb), tolerating anything malformed as "nothing known". */
export function storedSignInClaims(value: unknown): SignInClaims | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  return {
    email: typeof v.email === 'string' ? v.email : null,
    emailVerified: v.emailVerified === true,
    groups: Array.isArray(v.groups) ? v.groups.filter((g): g is string => typeof g === 'string') : [],
  };
}
