import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { RevocationService } from '../src/auth/revocation/revocation.service.js';
import type { Note } from '../src/notes/note.js';
import { notification, rpcRequest, toolCall } from './factories/json-rpc.factory.js';
import { accessTokenClaims, foreignEs256Jwt, hs256Jwt, kidOf, unsignedJwt } from './factories/jwt.factory.js';
import { createNote } from './factories/note.factory.js';
import { mcpHeaders, rawRequest } from './helpers/http.js';
import { textOf } from './helpers/mcp.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { parseBearerChallenge } from './helpers/www-authenticate.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASELINE_SCOPE = 'notes:read notes:write';

describe('resource server: /mcp and its discovery documents', () => {
  let t: TestApp;
  let prmUrl: string;
  /** A user with both notes scopes, for requests that must pass authentication. */
  let login: string;
  let userId: string;
  let token: string;
  const auth = (tok: string): Record<string, string> => ({ authorization: `Bearer ${tok}` });

  beforeAll(async () => {
    t = await startTestApp();
    prmUrl = `${t.baseUrl}/.well-known/oauth-protected-resource/mcp`;
    login = uniqueLogin('rs');
    userId = await t.userId(login);
    token = await t.token(login);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Titles of every note of the token's user (notes.list, first page of 50). */
  async function titlesOf(tok: string): Promise<string[]> {
    const res = await t.rpc(toolCall('notes.list', { limit: 50 }), auth(tok));
    expect(res.status).toBe(200);
    return (res.body.result.structuredContent.notes as Note[]).map((n) => n.title);
  }

  describe('protected resource metadata (RFC 9728)', () => {
    it.each(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'])(
      'GET %s without a token: 200 and the exact document',
      async (path) => {
        const res = await fetch(`${t.baseUrl}${path}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        const body = (await res.json()) as Record<string, any>;
        expect(body.resource).toBe(t.mcpUrl);
        expect(body.resource).toBe(`${t.baseUrl}/mcp`);
        expect(body.authorization_servers).toEqual([t.baseUrl]);
        expect(body.bearer_methods_supported).toEqual(['header']);
        expect(body.scopes_supported).toEqual(expect.arrayContaining(['notes:read', 'notes:write']));
      },
    );

    it('publishes the same URL it names in challenges', () => {
      expect(t.config.protectedResourceMetadataUrl).toBe(prmUrl);
    });
  });

  describe('authentication', () => {
    it.each(['POST', 'GET', 'DELETE'])('%s /mcp without credentials: 401 with a bare challenge (no error=)', async (method) => {
      const res = await fetch(t.mcpUrl, {
        method,
        headers: mcpHeaders(),
        body: method === 'POST' ? JSON.stringify(rpcRequest('tools/list')) : undefined,
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${prmUrl}", scope="${BASELINE_SCOPE}"`);
    });

    it('a token built by the bad-token factories is accepted when nothing is wrong with it (control)', async () => {
      const res = await t.rpc(rpcRequest('tools/list'), auth(await t.signRaw(accessTokenClaims(t, userId))));
      expect(res.status).toBe(200);
      expect(res.body.result.tools).toHaveLength(6);
    });

    const badTokens: Record<string, () => Promise<string>> = {
      'a garbage string': async () => 'not-a-jwt-at-all',
      'three garbage segments': async () => 'aaaa.bbbb.cccc',
      'an expired token': () => t.signRaw(accessTokenClaims(t, userId), { expiresIn: -120 }),
      'a token for another audience': () => t.signRaw(accessTokenClaims(t, userId, { aud: 'https://other.example/mcp' })),
      'a token for the server root instead of /mcp': () => t.signRaw(accessTokenClaims(t, userId, { aud: t.baseUrl })),
      'a token without aud': () => t.signRaw(accessTokenClaims(t, userId, { aud: undefined })),
      'a token from another issuer': () => t.signRaw(accessTokenClaims(t, userId, { iss: 'https://evil.example' })),
      'a token without sub': () => t.signRaw(accessTokenClaims(t, userId, { sub: undefined })),
      'a token without scope': () => t.signRaw(accessTokenClaims(t, userId, { scope: undefined })),
      'an unsigned token (alg: none)': async () => unsignedJwt(accessTokenClaims(t, userId)),
      'an unsigned token (alg: none) claiming the real kid': async () => unsignedJwt(accessTokenClaims(t, userId), { kid: kidOf(token) }),
      'a token signed by a foreign ES256 key with an unknown kid': () => foreignEs256Jwt(accessTokenClaims(t, userId)),
      'a token signed by a foreign ES256 key reusing the real kid': () => foreignEs256Jwt(accessTokenClaims(t, userId), { kid: kidOf(token) }),
      'an HS256 token': () => hs256Jwt(accessTokenClaims(t, userId), { kid: kidOf(token) }),
      'a token typed JWT instead of at+jwt': () => t.signRaw(accessTokenClaims(t, userId), { typ: 'JWT' }),
      'a GitHub token (no passthrough)': async () => `gho_${'A1b2C3d4E5'.repeat(3)}abcdef`,
      'a revoked token': async () => {
        const revoked = await t.token(login);
        await t.app.get(RevocationService).revokeToken(decodeJwt(revoked).jti!);
        return revoked;
      },
    };

    it.each(Object.keys(badTokens))('%s: 401 invalid_token, never 500', async (name) => {
      const bad = await badTokens[name]();
      const res = await t.rpc(toolCall('notes.list', {}), auth(bad));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.body.result).toBeUndefined();
      const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
      expect(challenge.scheme).toBe('Bearer');
      expect(challenge.params.error).toBe('invalid_token');
      expect(challenge.params.resource_metadata).toBe(prmUrl);
      expect(challenge.params.scope).toBe(BASELINE_SCOPE);
      // Never echo a token (ours or GitHub's) back.
      expect(JSON.stringify(res.body) + res.headers.get('www-authenticate')).not.toMatch(/gh[opsu]_|eyJ/);
    });

    it('an Authorization header that is not Bearer syntax: 401', async () => {
      const res = await t.rpc(rpcRequest('tools/list'), { authorization: 'Bearer ###' });
      expect(res.status).toBe(401);
      expect(parseBearerChallenge(res.headers.get('www-authenticate')).params.error).toBe('invalid_token');
    });

    it('Authorization: Basic: 401 with a Bearer challenge', async () => {
      const res = await t.rpc(rpcRequest('tools/list'), { authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` });
      expect(res.status).toBe(401);
      const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
      expect(challenge.scheme).toBe('Bearer');
      expect(challenge.params.resource_metadata).toBe(prmUrl);
    });

    it('a valid token in the query string (?access_token=) without a header: 401, and the tool does not run', async () => {
      const queryLogin = uniqueLogin('query');
      const queryToken = await t.token(queryLogin);
      const title = `from-query-${randomUUID()}`;
      const res = await rawRequest(`${t.mcpUrl}?access_token=${encodeURIComponent(queryToken)}`, {
        method: 'POST',
        headers: mcpHeaders(),
        body: JSON.stringify(toolCall('notes.create', { title })),
      });
      expect(res.status).toBe(401);
      expect(res.json.result).toBeUndefined();
      expect(parseBearerChallenge(res.headers['www-authenticate']).params.resource_metadata).toBe(prmUrl);
      expect(await titlesOf(queryToken)).toEqual([]);
    });
  });

  describe('per-tool scopes', () => {
    it('notes.create with a read-only token: 403 insufficient_scope naming granted + needed scopes, and nothing is created', async () => {
      const stepLogin = uniqueLogin('stepup');
      const readToken = await t.token(stepLogin, ['notes:read']);
      const title = `step-up-${randomUUID()}`;
      const res = await t.rpc(toolCall('notes.create', { title }), auth(readToken));
      expect(res.status).toBe(403);
      expect(res.body.result).toBeUndefined();
      const header = res.headers.get('www-authenticate')!;
      expect(header).toContain('error="insufficient_scope"');
      expect(header).toContain(`scope="${BASELINE_SCOPE}"`);
      expect(header).toContain(`resource_metadata="${prmUrl}"`);
      const challenge = parseBearerChallenge(header);
      expect(challenge.scheme).toBe('Bearer');
      expect(challenge.params).toMatchObject({ error: 'insufficient_scope', scope: BASELINE_SCOPE, resource_metadata: prmUrl });

      const reader = await t.client(readToken);
      const list = await reader.callTool({ name: 'notes.list', arguments: { limit: 50 } });
      expect(list.isError).toBeFalsy();
      expect((list.structuredContent as { notes: Note[] }).notes).toEqual([]);
    });

    it('notes.list with a write-only token: 403 naming notes:write and notes:read', async () => {
      const res = await t.rpc(toolCall('notes.list', {}), auth(await t.token(uniqueLogin('wo'), ['notes:write'])));
      expect(res.status).toBe(403);
      const { params } = parseBearerChallenge(res.headers.get('www-authenticate'));
      expect(params.error).toBe('insufficient_scope');
      expect(params.scope.split(' ').sort()).toEqual(['notes:read', 'notes:write']);
    });

    it('resources/read and prompts/get are scope-checked like tools (403 before they run)', async () => {
      const writeOnly = await t.token(login, ['notes:write']);
      const note = await createNote(await t.client(token), { title: 'scoped resource' });
      const read = await t.rpc(rpcRequest('resources/read', { uri: `note://${note.id}` }), auth(writeOnly));
      expect(read.status).toBe(403);
      expect(parseBearerChallenge(read.headers.get('www-authenticate')).params.error).toBe('insufficient_scope');
      const prompt = await t.rpc(rpcRequest('prompts/get', { name: 'notes.summarize-recent' }), auth(writeOnly));
      expect(prompt.status).toBe(403);
      expect(parseBearerChallenge(prompt.headers.get('www-authenticate')).params.error).toBe('insufficient_scope');
    });

    it('a batch with one forbidden request is refused as a whole before anything runs', async () => {
      const batchLogin = uniqueLogin('batch403');
      const writeOnly = await t.token(batchLogin, ['notes:write']);
      const title = `batch-${randomUUID()}`;
      const res = await t.rpc([toolCall('notes.create', { title }, { id: 1 }), toolCall('notes.list', {}, { id: 2 })], auth(writeOnly));
      expect(res.status).toBe(403);
      expect(await titlesOf(await t.token(batchLogin))).toEqual([]);
    });

    it('tools/list, resources/templates/list and prompts/list show only what the token allows', async () => {
      const names = async (scopes: string[]) => {
        const client = await t.client(await t.token(login, scopes));
        return {
          tools: (await client.listTools()).tools.map((x) => x.name).sort(),
          templates: (await client.listResourceTemplates()).resourceTemplates.map((x) => x.uriTemplate),
          prompts: (await client.listPrompts()).prompts.map((x) => x.name),
        };
      };
      expect(await names(['notes:read'])).toEqual({
        tools: ['notes.get', 'notes.list', 'notes.search'],
        templates: ['note://{id}'],
        prompts: ['notes.summarize-recent'],
      });
      expect(await names(['notes:write'])).toEqual({ tools: ['notes.create', 'notes.delete', 'notes.update'], templates: [], prompts: [] });
      expect(await names(['notes:read', 'notes:write'])).toEqual({
        tools: ['notes.create', 'notes.delete', 'notes.get', 'notes.list', 'notes.search', 'notes.update'],
        templates: ['note://{id}'],
        prompts: ['notes.summarize-recent'],
      });
      expect(await names([])).toEqual({ tools: [], templates: [], prompts: [] });
    });
  });

  describe('tool calls', () => {
    it('an unknown tool: JSON-RPC error -32602 over HTTP 200', async () => {
      const res = await t.rpc(toolCall('notes.nope', {}, { id: 'unknown-1' }), auth(token));
      expect(res.status).toBe(200);
      expect(res.body.id).toBe('unknown-1');
      expect(res.body.result).toBeUndefined();
      expect(res.body.error.code).toBe(-32602);
      expect(res.body.error.message).toContain('notes.nope');
    });

    const badInputs: Array<[string, Record<string, unknown>, RegExp]> = [
      ['a title of 201 characters', { title: 'x'.repeat(201) }, /title: .*200/],
      ['an empty title', { title: '' }, /title: /],
      ['a blank title', { title: '   ' }, /title: /],
      ['no title at all', { body: 'text' }, /title: /],
      ['a title of the wrong type', { title: 42 }, /title: /],
      ['an unknown extra field', { title: 'fine', colour: 'red' }, /colour/],
      ['a body of the wrong type', { title: 'fine', body: ['x'] }, /body: /],
    ];

    it.each(badInputs)('notes.create with %s: a tool error naming the field, never a 500, nothing created', async (_name, args, names) => {
      const inputLogin = uniqueLogin('input');
      const inputToken = await t.token(inputLogin);
      const res = await t.rpc(toolCall('notes.create', args), auth(inputToken));
      expect(res.status).toBe(200);
      expect(res.body.error).toBeUndefined();
      expect(res.body.result.isError).toBe(true);
      expect(res.body.result.structuredContent).toBeUndefined();
      expect(textOf(res.body.result)).toMatch(/^Invalid input: /);
      expect(textOf(res.body.result)).toMatch(names);
      expect(await titlesOf(inputToken)).toEqual([]);
    });

    it('a title of exactly 200 characters is accepted (the limit is inclusive)', async () => {
      const res = await t.rpc(toolCall('notes.create', { title: 'y'.repeat(200) }), auth(token));
      expect(res.status).toBe(200);
      expect(res.body.result.isError).toBeFalsy();
      expect(res.body.result.structuredContent.note.title).toBe('y'.repeat(200));
    });
  });

  describe('transport rules', () => {
    it('MCP-Protocol-Version 1999-01-01: 400', async () => {
      const res = await t.rpc(rpcRequest('tools/list'), { ...auth(token), 'mcp-protocol-version': '1999-01-01' });
      expect(res.status).toBe(400);
      expect(res.body.result).toBeUndefined();
      expect(res.body.error.message).toContain('1999-01-01');
    });

    it.each([undefined, '2025-03-26', '2025-06-18', '2025-11-25'])('MCP-Protocol-Version %s: 200', async (version) => {
      const res = await t.rpc(rpcRequest('tools/list'), { ...auth(token), ...(version ? { 'mcp-protocol-version': version } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.result.tools).toHaveLength(6);
    });

    it('Origin https://evil.example with a valid token: 403 and the tool does not run', async () => {
      const originLogin = uniqueLogin('origin');
      const originToken = await t.token(originLogin);
      const res = await t.rpc(toolCall('notes.create', { title: 'cross-site' }), { ...auth(originToken), origin: 'https://evil.example' });
      expect(res.status).toBe(403);
      expect(res.body.result).toBeUndefined();
      expect(await titlesOf(originToken)).toEqual([]);
    });

    it.each(['null', 'http://localhost.evil.example', 'http://evil.example:PORT'])('Origin %s: 403', async (originPattern) => {
      const origin = originPattern.replace('PORT', String(t.config.port));
      const res = await t.rpc(rpcRequest('tools/list'), { ...auth(token), origin });
      expect(res.status).toBe(403);
    });

    it('Origin equal to the public URL: 200; no Origin: 200', async () => {
      const same = await t.rpc(rpcRequest('tools/list'), { ...auth(token), origin: t.baseUrl });
      expect(same.status).toBe(200);
      expect(same.body.result.tools).toHaveLength(6);
      const none = await t.rpc(rpcRequest('tools/list'), auth(token));
      expect(none.status).toBe(200);
    });

    it.each(['evil.example', 'evil.example:PORT'])('Host %s (DNS rebinding): 403', async (hostPattern) => {
      const host = hostPattern.replace('PORT', String(t.config.port));
      const res = await rawRequest(t.mcpUrl, { method: 'POST', headers: { ...mcpHeaders(token), host }, body: JSON.stringify(rpcRequest('tools/list')) });
      expect(res.status).toBe(403);
      expect(res.json?.result).toBeUndefined();
    });

    it.each(['localhost:PORT', '127.0.0.1:PORT'])('Host %s: 200 (control for the Host check)', async (hostPattern) => {
      const host = hostPattern.replace('PORT', String(t.config.port));
      const res = await rawRequest(t.mcpUrl, { method: 'POST', headers: { ...mcpHeaders(token), host }, body: JSON.stringify(rpcRequest('tools/list')) });
      expect(res.status).toBe(200);
      expect(res.json.result.tools).toHaveLength(6);
    });

    it.each(['GET', 'DELETE'])('%s /mcp with a valid token: 405 with Allow: POST', async (method) => {
      const res = await fetch(t.mcpUrl, { method, headers: { ...auth(token), accept: 'application/json, text/event-stream' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    });

    it('a malformed JSON body: 400 with JSON-RPC parse error -32700', async () => {
      const res = await t.rpc('{"jsonrpc": "2.0", "id": 1, "method": ', auth(token));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    });

    it('a JSON body that is not JSON-RPC, or an empty batch: 400 -32600', async () => {
      for (const body of [{ hello: 'world' }, [], { jsonrpc: '1.0', id: 1, method: 'tools/list' }]) {
        const res = await t.rpc(body, auth(token));
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe(-32600);
      }
    });

    it('a non-JSON content type: 415', async () => {
      const res = await t.rpc(JSON.stringify(rpcRequest('tools/list')), { ...auth(token), 'content-type': 'text/plain' });
      expect(res.status).toBe(415);
      expect(res.body.result).toBeUndefined();
    });

    it('notifications only: 202 with an empty body', async () => {
      const one = await t.rpc(notification(), auth(token));
      expect(one.status).toBe(202);
      expect(one.body).toBeUndefined();
      const two = await t.rpc([notification(), notification('notifications/cancelled', { requestId: 99 })], auth(token));
      expect(two.status).toBe(202);
      expect(two.body).toBeUndefined();
    });

    it('a batch of two requests (and a notification): an array of two responses with the right ids, in order', async () => {
      const res = await t.rpc(
        [rpcRequest('tools/list', undefined, { id: 'first' }), notification(), toolCall('notes.list', { limit: 1 }, { id: 2 })],
        auth(token),
      );
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
      expect(res.body).toHaveLength(2);
      expect(res.body[0].id).toBe('first');
      expect(res.body[0].result.tools).toHaveLength(6);
      expect(res.body[1].id).toBe(2);
      expect(Array.isArray(res.body[1].result.structuredContent.notes)).toBe(true);
    });
  });

  describe('request ids', () => {
    it('every response carries its own x-request-id, errors included', async () => {
      const responses: Array<{ what: string; status: number; id: string | null }> = [];
      const record = (what: string, status: number, id: string | null) => responses.push({ what, status, id });
      let r = await t.rpc(rpcRequest('tools/list'), auth(token));
      record('200 tools/list', r.status, r.headers.get('x-request-id'));
      r = await t.rpc(rpcRequest('tools/list'));
      record('401 no token', r.status, r.headers.get('x-request-id'));
      r = await t.rpc(rpcRequest('tools/list'), auth('garbage'));
      record('401 bad token', r.status, r.headers.get('x-request-id'));
      r = await t.rpc(toolCall('notes.create', { title: 'x' }), auth(await t.token(login, ['notes:read'])));
      record('403 scope', r.status, r.headers.get('x-request-id'));
      r = await t.rpc(rpcRequest('tools/list'), { ...auth(token), origin: 'https://evil.example' });
      record('403 origin', r.status, r.headers.get('x-request-id'));
      r = await t.rpc(rpcRequest('tools/list'), { ...auth(token), 'mcp-protocol-version': '1999-01-01' });
      record('400 version', r.status, r.headers.get('x-request-id'));
      r = await t.rpc('{not json', auth(token));
      record('400 malformed JSON', r.status, r.headers.get('x-request-id'));
      r = await t.rpc('x', { ...auth(token), 'content-type': 'text/plain' });
      record('415', r.status, r.headers.get('x-request-id'));
      r = await t.rpc(notification(), auth(token));
      record('202 notification', r.status, r.headers.get('x-request-id'));
      let f = await fetch(t.mcpUrl, { headers: auth(token) });
      record('405 GET', f.status, f.headers.get('x-request-id'));
      f = await fetch(prmUrl);
      record('200 PRM', f.status, f.headers.get('x-request-id'));
      f = await fetch(`${t.baseUrl}/no-such-route`);
      record('unknown route', f.status, f.headers.get('x-request-id'));

      expect(responses.map((x) => x.status)).toEqual([200, 401, 401, 403, 403, 400, 400, 415, 202, 405, 200, expect.any(Number)]);
      const missing = responses.filter((x) => !x.id || !UUID.test(x.id)).map((x) => x.what);
      expect(missing).toEqual([]);
      expect(new Set(responses.map((x) => x.id)).size).toBe(responses.length);
    });

    it('echoes a safe incoming X-Request-Id, on success and on failure', async () => {
      const ok = await t.rpc(rpcRequest('tools/list'), { ...auth(token), 'x-request-id': 'trace-abc.123:XYZ_9' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-request-id')).toBe('trace-abc.123:XYZ_9');
      const denied = await t.rpc(rpcRequest('tools/list'), { 'x-request-id': 'trace-denied-1' });
      expect(denied.status).toBe(401);
      expect(denied.headers.get('x-request-id')).toBe('trace-denied-1');
    });

    it.each([
      ['spaces', 'has spaces in it'],
      ['too long', 'a'.repeat(129)],
      ['angle brackets', '<script>'],
    ])('replaces an unsafe incoming X-Request-Id (%s) with its own', async (_what, value) => {
      const res = await t.rpc(rpcRequest('tools/list'), { ...auth(token), 'x-request-id': value });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    });
  });

  describe('user isolation under concurrency', () => {
    it('20 concurrent requests from two users, all with JSON-RPC id 1, each get their own answer', async () => {
      const users = await Promise.all(
        ['alpha', 'beta'].map(async (prefix) => {
          const l = uniqueLogin(prefix);
          const tok = await t.token(l);
          const seed = `${prefix}-seed-${randomUUID()}`;
          const res = await t.rpc(toolCall('notes.create', { title: seed }), auth(tok));
          expect(res.body.result.isError).toBeFalsy();
          return { prefix, token: tok, created: [seed] as string[] };
        }),
      );
      const jobs = Array.from({ length: 20 }, (_, i) => {
        const user = users[i % 2];
        if (i % 4 < 2) {
          const title = `${user.prefix}-${i}-${randomUUID()}`;
          user.created.push(title);
          return { user, kind: 'create' as const, title, send: t.rpc(toolCall('notes.create', { title }, { id: 1 }), auth(user.token)) };
        }
        return { user, kind: 'list' as const, title: '', send: t.rpc(toolCall('notes.list', { limit: 50 }, { id: 1 }), auth(user.token)) };
      });
      const responses = await Promise.all(jobs.map((j) => j.send));
      responses.forEach((res, i) => {
        const job = jobs[i];
        expect(res.status).toBe(200);
        expect(res.body.id).toBe(1);
        expect(res.body.result.isError).toBeFalsy();
        if (job.kind === 'create') {
          expect(res.body.result.structuredContent.note.title).toBe(job.title);
        } else {
          const titles = (res.body.result.structuredContent.notes as Note[]).map((n) => n.title);
          expect(titles.length).toBeGreaterThan(0);
          expect(titles.every((x) => x.startsWith(`${job.user.prefix}-`))).toBe(true);
        }
      });
      for (const user of users) {
        expect((await titlesOf(user.token)).sort()).toEqual([...user.created].sort());
      }
    });
  });
});
