import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { strictFake } from '../../../test/factories/strict-fake.factory.js';
import { OutboundFetchError } from '../../auth/federation/bounded-fetch.js';
import type { IssuerKeysService } from '../../auth/federation/issuer-keys.service.js';
import { AppConfig } from '../../config/app-config.js';
import { OAuthError } from '../oauth-error.js';
import { ID_JAG_TYP, IdJagVerifier } from './id-jag.verifier.js';

const IDP = 'https://idp.example.com';
const OTHER_IDP = 'https://other-idp.example.com';
const US = 'https://mcp.example.com';
const RESOURCE = `${US}/mcp`;
const CLIENT = 'mcp_client';

type Key = { privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK };

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' } };
}

describe('IdJagVerifier', () => {
  let key: Key;
  let foreign: Key;
  let log: string[];
  let keysFail: boolean;
  let verifier: IdJagVerifier;

  beforeAll(async () => {
    key = await newKey();
    foreign = await newKey();
  });

  beforeEach(() => {
    log = [];
    keysFail = false;
    const config = AppConfig.from({ PUBLIC_URL: US, TRUSTED_IDJAG_ISSUERS: `${IDP} ${OTHER_IDP}` });
    const keys = strictFake<IssuerKeysService>('issuerKeys', log, {
      for: async () => {
        if (keysFail) throw new OutboundFetchError('idp.example.com could not be reached');
        return { keys: createLocalJWKSet({ keys: [key.jwk] }), algorithms: ['ES256'] };
      },
    });
    verifier = new IdJagVerifier(config, keys);
  });

  function claims(overrides: JWTPayload = {}): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    const c: JWTPayload = { iss: IDP, sub: 'alice', aud: US, client_id: CLIENT, resource: RESOURCE, jti: randomUUID(), iat: now, exp: now + 300, ...overrides };
    return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
  }

  function sign(c: JWTPayload, opts: { typ?: string | null; with?: Key; alg?: string } = {}): Promise<string> {
    const signer = opts.with ?? key;
    const header = { alg: opts.alg ?? 'ES256', kid: signer.jwk.kid, ...(opts.typ === null ? {} : { typ: opts.typ ?? ID_JAG_TYP }) };
    return new SignJWT(c).setProtectedHeader(header).sign(signer.privateKey);
  }

  async function refusal(assertion: unknown, clientId = CLIENT): Promise<{ code: string; description: string; status: number }> {
    try {
      await verifier.verify(assertion, clientId);
    } catch (e) {
      if (e instanceof OAuthError) return { code: e.code, description: e.description, status: e.getStatus() };
      throw e;
    }
    throw new Error('the assertion was accepted');
  }

  it('accepts a well-formed ID-JAG and returns who, which client, until when and the scopes it names', async () => {
    const c = claims({ scope: 'notes:read notes:read notes:write', email: 'alice@corp.example' });
    const verified = await verifier.verify(await sign(c), CLIENT);
    expect(verified).toMatchObject({ issuer: IDP, subject: 'alice', jti: c.jti, clientId: CLIENT, expiresAt: c.exp, scope: ['notes:read', 'notes:write'] });
    expect(verified.claims.email).toBe('alice@corp.example');
    expect(log).toEqual([`issuerKeys.for("${IDP}")`]);
  });

  it('accepts typ in any letter case, an audience array of one and a resource array of one', async () => {
    const verified = await verifier.verify(await sign(claims({ aud: [US], resource: [RESOURCE] }), { typ: 'OAuth-ID-JAG+JWT' }), CLIENT);
    expect(verified.subject).toBe('alice');
    // RFC 7515 §4.1.9: the full media type names the same type.
    expect((await verifier.verify(await sign(claims(), { typ: 'application/oauth-id-jag+jwt' }), CLIENT)).subject).toBe('alice');
  });

  it('refuses another typ, or none: an ID token or access token cannot stand in for a grant', async () => {
    for (const typ of ['JWT', 'at+jwt', 'id-jag+jwt', 'application/jwt', 'text/oauth-id-jag+jwt', null]) {
      expect(await refusal(await sign(claims(), { typ }))).toMatchObject({ code: 'invalid_grant', description: expect.stringContaining('typ') });
    }
    expect(log).toEqual([]);
  });

  it('refuses an untrusted issuer without fetching anything for it', async () => {
    for (const iss of ['https://evil.example.com', `${IDP}/`, 'HTTPS://IDP.EXAMPLE.COM', undefined]) {
      expect(await refusal(await sign(claims({ iss })))).toMatchObject({ code: 'invalid_grant', description: expect.stringContaining('trusted') });
    }
    expect(log).toEqual([]);
  });

  it('refuses a wrong audience, several audiences, or none', async () => {
    for (const aud of ['https://other-as.example.com', `${US}/`, RESOURCE, [US, 'https://other-as.example.com'], undefined]) {
      expect(await refusal(await sign(claims({ aud })))).toMatchObject({ code: 'invalid_grant', status: 400 });
    }
  });

  it('refuses expired, long-lived, future and not-yet-valid assertions, allowing 30 s of clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await refusal(await sign(claims({ iat: now - 400, exp: now - 100 })))).description).toMatch(/expired/);
    expect((await refusal(await sign(claims({ iat: now, exp: now + 301 })))).description).toMatch(/longer than 300 seconds/);
    expect((await refusal(await sign(claims({ iat: now + 120, exp: now + 300 })))).description).toMatch(/future/);
    expect((await refusal(await sign(claims({ nbf: now + 120 })))).description).toMatch(/not yet valid/);
    expect((await refusal(await sign(claims({ iat: now - 340, exp: now - 40 })))).description).toMatch(/expired/);
    // Inside the skew: expired 10 s ago, issued 10 s ahead.
    await verifier.verify(await sign(claims({ iat: now - 290, exp: now - 10 })), CLIENT);
    await verifier.verify(await sign(claims({ iat: now + 10, exp: now + 300 })), CLIENT);
  });

  it('refuses an assertion without exp, iat, jti or sub, or with unusable ones', async () => {
    for (const missing of ['exp', 'iat', 'jti', 'sub']) {
      expect(await refusal(await sign(claims({ [missing]: undefined })))).toMatchObject({ code: 'invalid_grant' });
    }
    for (const bad of [{ jti: '' }, { jti: 'a\u0000b' }, { sub: 'x'.repeat(256) }, { sub: 'a\nb' }]) {
      expect(await refusal(await sign(claims(bad)))).toMatchObject({ code: 'invalid_grant' });
    }
  });

  it('refuses an assertion issued to another client, or to none', async () => {
    expect(await refusal(await sign(claims({ client_id: 'someone-else' })))).toMatchObject({
      code: 'invalid_grant',
      description: expect.stringContaining('another client'),
    });
    expect(await refusal(await sign(claims({ client_id: undefined })))).toMatchObject({ code: 'invalid_grant' });
    expect(await refusal(await sign(claims()), 'someone-else')).toMatchObject({ code: 'invalid_grant' });
  });

  it('refuses another resource, several, or none', async () => {
    for (const resource of ['https://other.example.com/mcp', `${RESOURCE}/`, US, [RESOURCE, 'https://other.example.com/mcp'], undefined]) {
      expect(await refusal(await sign(claims({ resource })))).toMatchObject({ code: 'invalid_grant', description: expect.stringContaining('resource') });
    }
  });

  it('refuses a malformed scope claim', async () => {
    for (const scope of [['notes:read'], 'notes:read  notes:write', 'a"b', 42]) {
      expect(await refusal(await sign(claims({ scope })))).toMatchObject({ code: 'invalid_grant' });
    }
  });

  it('refuses a signature by a key its issuer does not publish, under a known or unknown kid', async () => {
    expect((await refusal(await sign(claims(), { with: foreign }))).description).toMatch(/not signed with a key of its issuer/);
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid, typ: ID_JAG_TYP }).sign(foreign.privateKey);
    expect((await refusal(forged)).description).toMatch(/signature is not valid/);
  });

  it('refuses symmetric and unsigned assertions', async () => {
    const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: ID_JAG_TYP }).sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await refusal(hs)).toMatchObject({ code: 'invalid_grant' });
    const [h, p] = (await sign(claims())).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: ID_JAG_TYP })).toString('base64url')}.${p}.`;
    expect(await refusal(none)).toMatchObject({ code: 'invalid_grant' });
    expect(await refusal(`${h}.${p}`)).toMatchObject({ code: 'invalid_grant' });
  });

  it('answers invalid_request for a missing or repeated assertion, invalid_grant for NUL, 20 KB or garbage', async () => {
    expect(await refusal(undefined)).toMatchObject({ code: 'invalid_request' });
    expect(await refusal('')).toMatchObject({ code: 'invalid_request' });
    expect(await refusal(['a.b.c', 'a.b.c'])).toMatchObject({ code: 'invalid_request' });
    const good = await sign(claims());
    for (const bad of [`${good}\u0000`, `${good}.${'A'.repeat(20_000)}`, 'A'.repeat(20_000), 'a.b.c', '\ud800.\ud800.\ud800', `${good} `]) {
      expect(await refusal(bad)).toMatchObject({ code: 'invalid_grant', status: 400 });
    }
  });

  it('answers 503 when a trusted issuer’s keys cannot be fetched (never invalid_grant: the assertion may be good)', async () => {
    keysFail = true;
    expect(await refusal(await sign(claims()))).toMatchObject({ code: 'server_error', status: 503 });
  });

  it('property: any string or three base64url segments is refused with a 400 OAuth error, never a crash', async () => {
    const segment = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), maxLength: 200 });
    const json = fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString('base64url'));
    const header = fc.record({ alg: fc.constantFrom('ES256', 'RS256', 'none', 'HS256'), typ: fc.constantFrom(ID_JAG_TYP, 'JWT', 1) }, { requiredKeys: [] });
    const headerB64 = header.map((h) => Buffer.from(JSON.stringify(h)).toString('base64url'));
    const payload = fc
      .record(
        { iss: fc.constantFrom(IDP, 'x', 5), aud: fc.constantFrom(US, [US], null), exp: fc.integer(), iat: fc.double(), sub: fc.string(), jti: fc.string() },
        { requiredKeys: [] },
      )
      .map((p) => Buffer.from(JSON.stringify(p)).toString('base64url'));
    const assertion = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.tuple(fc.oneof(segment, json, headerB64), fc.oneof(segment, json, payload), segment).map((parts) => parts.join('.')),
    );
    await fc.assert(
      fc.asyncProperty(assertion, async (a) => {
        const r = await refusal(a);
        expect(['invalid_grant', 'invalid_request']).toContain(r.code);
        expect(r.status).toBe(400);
      }),
      { numRuns: 300 },
    );
  });
});
