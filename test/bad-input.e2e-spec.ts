import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { toolCall } from './factories/json-rpc.factory.js';
import { clientMetadata, register, registerClient } from './factories/oauth-client.factory.js';
import { jsonOrUndefined } from './helpers/http.js';
import { expectErrorRedirect, get } from './helpers/oauth-http.js';
import { authorizeUrl, pkcePair } from './helpers/oauth-flow.js';
import { ALL_NOTES_SCOPES, startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * SECURITY 36 (issue 7 item 7): every input is validated before Postgres sees it. NUL, unpaired
 * surrogates, impossible dates and huge numbers get a clear 4xx, OAuth error or tool error, never a
 * 500 or "Internal error".
 */

const NUL = '\u0000';
const LONE = '\ud800';
const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** JSON text that keeps a lone surrogate as the escape `\ud800` (JSON.stringify writes it that way too). */
const json = (value: unknown) => JSON.stringify(value);

describe('bad input is refused before the database sees it', () => {
  const root = uniqueLogin('root');
  let t: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_GITHUB_LOGINS: root });
    adminToken = await t.token(root, ['admin', ...ALL_NOTES_SCOPES]);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function admin(path: string, method = 'GET'): Promise<{ status: number; json: any }> {
    const res = await fetch(`${t.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: res.status, json: jsonOrUndefined(await res.text()) };
  }

  describe('/register', () => {
    it.each([
      ['client_name with NUL', { client_name: `evil${NUL}` }, 'invalid_client_metadata'],
      ['client_name with an unpaired surrogate', { client_name: `evil${LONE}` }, 'invalid_client_metadata'],
      ['client_name with a right-to-left override', { client_name: 'good\u202eetis' }, 'invalid_client_metadata'],
      ['software_id with NUL', { software_id: `id${NUL}` }, 'invalid_client_metadata'],
      ['software_version with an unpaired surrogate', { software_version: `1${LONE}` }, 'invalid_client_metadata'],
      ['a redirect URI with NUL', { redirect_uris: [`http://127.0.0.1:9/cb${NUL}`] }, 'invalid_redirect_uri'],
      ['a redirect URI with an unpaired surrogate', { redirect_uris: [`https://app.example/cb${LONE}`] }, 'invalid_redirect_uri'],
    ])('%s: 400 %s', async (_what, overrides, error) => {
      const res = await register(t, json(clientMetadata(overrides)));
      expect({ status: res.status, error: res.json?.error }).toEqual({ status: 400, error });
    });

    it('fuzzed text in every string field: 201 or 400, never a 500', async () => {
      const text = fc.string({ unit: 'binary', maxLength: 40 });
      await fc.assert(
        fc.asyncProperty(fc.record({ client_name: text, software_id: text, software_version: text, path: text }), async (f) => {
          const body = clientMetadata({
            client_name: f.client_name,
            software_id: f.software_id,
            software_version: f.software_version,
            redirect_uris: [`http://127.0.0.1:9/${f.path}`],
          });
          const res = await register(t, json(body));
          expect([201, 400]).toContain(res.status);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('/authorize', () => {
    it('state with NUL: an invalid_request redirect carrying iss (and the state as sent), never a 500', async () => {
      const client = await registerClient(t);
      const state = `s${NUL}1`;
      const res = await get(
        authorizeUrl(t, {
          response_type: 'code',
          client_id: client.client_id,
          redirect_uri: client.redirect_uris[0],
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
          state,
          resource: t.mcpUrl,
        }),
      );
      expectErrorRedirect(res, { redirectUri: client.redirect_uris[0], error: 'invalid_request', state, iss: t.baseUrl });
    });

    it('client_id with NUL: the unknown-client page, never a 500', async () => {
      const res = await get(
        authorizeUrl(t, { response_type: 'code', client_id: `mcp_x${NUL}`, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
      );
      expect(res.status).toBe(400);
      expect(res.text).toContain('Unknown client');
    });
  });

  describe('admin query strings and path parameters', () => {
    it.each([
      ['/admin/users?q=%00'],
      ['/admin/clients?q=a%00b'],
      ['/admin/audit?target=notes.create%00'],
      ['/admin/audit?clientId=%00'],
      ['/admin/grants?clientId=%00'],
      ['/admin/clients/%00'],
      ['/admin/clients/mcp_%00/revoke', 'POST'],
    ])('%s: 400 invalid_request', async (path, method = 'GET') => {
      const res = await admin(path, method);
      expect({ status: res.status, error: res.json?.error }).toEqual({ status: 400, error: 'invalid_request' });
    });

    const uuid = randomUUID();
    it.each([
      ['users', b64(json(['2021-02-31T00:00:00.000000Z', uuid]))],
      ['users', b64(json(['0000-01-01T00:00:00.000000Z', uuid]))],
      ['users', b64(json(['2021-01-01T24:00:00.000000Z', uuid]))],
      ['grants', b64(json(['2021-02-31T10:00:00.123456Z', uuid]))],
      ['clients', b64(json(['2021-02-31T10:00:00.123456Z', 'mcp_x']))],
      ['clients', b64(json(['2021-01-01T10:00:00.123456Z', `mcp_${NUL}`]))],
      ['audit', b64(json(['2021-01-01T10:00:00.123456Z', '9999999999999999999']))],
      ['audit', b64(json(['2021-02-31T10:00:00.123456Z', '1']))],
    ])('/admin/%s with cursor %s: 400 invalid_request naming the cursor', async (list, cursor) => {
      const res = await admin(`/admin/${list}?cursor=${cursor}`);
      expect({ status: res.status, error: res.json?.error }).toEqual({ status: 400, error: 'invalid_request' });
      expect(res.json.error_description).toMatch(/^cursor: /);
    });
  });

  describe('notes tools', () => {
    let token: string;
    beforeAll(async () => {
      token = await t.token(uniqueLogin('notes'));
    });

    async function call(name: string, args: Record<string, unknown>): Promise<{ isError?: boolean; text: string }> {
      const res = await t.rpc(json(toolCall(name, args)), { authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(res.body.error).toBeUndefined();
      const result = res.body.result as { isError?: boolean; content: Array<{ text: string }> };
      return { isError: result.isError, text: result.content[0].text };
    }

    it.each([
      ['notes.list', { cursor: b64(`1|${randomUUID()}`) }],
      ['notes.list', { cursor: b64(`2021-02-31|${randomUUID()}`) }],
      ['notes.list', { cursor: b64(`2021-02-31T10:00:00.123456Z|${randomUUID()}`) }],
      ['notes.list', { cursor: b64(`March 7|${randomUUID()}`) }],
      ['notes.list', { cursor: '9999999999999999999' }],
      ['notes.list', { cursor: `a${NUL}` }],
      ['notes.create', { title: `t${NUL}` }],
      ['notes.create', { title: 'ok', body: `b${NUL}` }],
      ['notes.create', { title: `t${LONE}` }],
      ['notes.update', { id: randomUUID(), body: `b${NUL}` }],
      ['notes.search', { query: `q${NUL}` }],
      ['notes.search', { query: `q${LONE}` }],
      ['notes.get', { id: `${randomUUID()}${NUL}` }],
    ])('%s %j: a tool error that says what is wrong, never "Internal error"', async (name, args) => {
      const result = await call(name, args);
      expect(result.isError).toBe(true);
      expect(result.text).not.toMatch(/Internal error/);
    });

    it('fuzzed note text: stored exactly, or a tool error, never "Internal error"', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 60 }), async (title, body) => {
          const result = await call('notes.create', { title, body });
          expect(result.text).not.toMatch(/Internal error/);
          if (!result.isError) {
            const note = JSON.parse(result.text) as { note: { title: string; body: string } };
            expect(note.note.body).toBe(body);
          }
        }),
        { numRuns: 60 },
      );
    });
  });
});
