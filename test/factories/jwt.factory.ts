import { randomBytes, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { ALL_NOTES_SCOPES, type TestApp } from '../helpers/test-app.js';

/**
 * The claims of a valid access token for this app (iss, aud, sub, jti, client_id, scope); each
 * override replaces a claim, and an override of `undefined` removes it.
 */
export function accessTokenClaims(t: TestApp, userId: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const claims: Record<string, unknown> = {
    iss: t.baseUrl,
    aud: t.mcpUrl,
    sub: userId,
    jti: randomUUID(),
    client_id: 'test-client',
    scope: ALL_NOTES_SCOPES.join(' '),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

function withTimes(payload: JWTPayload, expiresIn: number): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { iat: now, exp: now + expiresIn, ...payload };
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An unsecured JWT (RFC 7519 §6): `alg: none` and an empty signature. */
export function unsignedJwt(payload: JWTPayload, header: Record<string, unknown> = {}): string {
  return `${b64({ alg: 'none', typ: 'at+jwt', ...header })}.${b64(withTimes(payload, 300))}.`;
}

/** An ES256 JWT signed by a key this server has never seen (optionally claiming one of its kids). */
export async function foreignEs256Jwt(payload: JWTPayload, opts: { kid?: string; typ?: string; expiresIn?: number } = {}): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT(withTimes(payload, opts.expiresIn ?? 300))
    .setProtectedHeader({ alg: 'ES256', typ: opts.typ ?? 'at+jwt', kid: opts.kid ?? `foreign-${randomUUID()}` })
    .sign(privateKey);
}

/** An HS256 JWT (symmetric; this server only accepts ES256). */
export async function hs256Jwt(payload: JWTPayload, opts: { kid?: string; secret?: Uint8Array } = {}): Promise<string> {
  return new SignJWT(withTimes(payload, 300))
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...(opts.kid ? { kid: opts.kid } : {}) })
    .sign(opts.secret ?? randomBytes(32));
}

/** The `kid` the server currently signs with, read from one of its own tokens. */
export function kidOf(token: string): string {
  const { kid } = decodeProtectedHeader(token);
  if (!kid) throw new Error('token has no kid');
  return kid;
}
