import fc from 'fast-check';
import {
  type RawBody,
  formOf,
  formValue,
  headerValue,
  maybe,
  nastyKey,
  nastyNumber,
  nastyScalar,
  nastyString,
  nastyValue,
  objectOf,
  pct,
  rawJsonBody,
  recordOf,
} from './arbitraries.js';

/**
 * One generated HTTP request. Strings may hold placeholders (`ZZUSERTOKENZZ`, `ZZCLIENTIDZZ`, …) that the
 * sender replaces with live values of the running server (see `FuzzValues`), so that cases reach past
 * authentication as often as they stop at it.
 */
export interface FuzzCase {
  method: string;
  /** Path and query, already percent-encoded (WTF-8 for lone surrogates). */
  path: string;
  headers: Record<string, string>;
  /** A JSON value (serialized by the sender), a form/text string, or raw bytes. */
  body?: { json: unknown } | { text: string } | RawBody;
  /** A 200 event stream is a valid answer that may stay open (subscriptions/listen, GET /mcp). */
  mayStream?: boolean;
}

/** Live values the placeholders stand for. */
export interface FuzzValues {
  ZZUSERTOKENZZ: string;
  ZZADMINTOKENZZ: string;
  /** A second user's access token, for /revoke and /introspect (so that revoking it spoils nothing). */
  ZZVICTIMTOKENZZ: string;
  ZZREFRESHZZ: string;
  ZZCLIENTIDZZ: string;
  ZZCLIENTSECRETZZ: string;
  ZZBASICZZ: string;
  ZZPUBLICCLIENTZZ: string;
  ZZREDIRECTZZ: string;
  ZZUSERIDZZ: string;
}

const PLACEHOLDER = /ZZ[A-Z]+ZZ/g;
export function substitute(text: string, values: FuzzValues): string {
  return text.replace(PLACEHOLDER, (m) => (values as unknown as Record<string, string>)[m] ?? m);
}

/** Headers left `undefined` are dropped. */
function headers(h: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined));
}

// ---------------------------------------------------------------------------------------------- /mcp

export const MODERN = '2026-07-28';
const LEGACY = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
export const MCP_METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'prompts/list',
  'prompts/get',
  'server/discover',
  'subscriptions/listen',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
] as const;
export const TOOL_NAMES = [
  'notes.create',
  'notes.get',
  'notes.list',
  'notes.update',
  'notes.delete',
  'notes.search',
  'github.issues.list',
  'github.issues.get',
];

const noteArgs = recordOf({
  title: maybe(fc.string({ maxLength: 20 })),
  body: maybe(fc.string({ maxLength: 20 })),
  id: maybe(fc.uuid()),
  limit: maybe(fc.integer({ min: 1, max: 100 })),
  cursor: maybe(fc.string({ maxLength: 20 })),
  query: maybe(fc.string({ maxLength: 20 })),
  repo: nastyString,
});

const rpcId = fc.oneof(
  { arbitrary: fc.integer(), weight: 12 },
  { arbitrary: fc.string({ maxLength: 10 }), weight: 4 },
  { arbitrary: nastyScalar, weight: 1 },
  { arbitrary: nastyValue, weight: 1 },
);

function paramsFor(method: fc.Arbitrary<string>): fc.Arbitrary<{ method: string; params: unknown; name?: unknown }> {
  return method.chain((m) => {
    let plausible: fc.Arbitrary<Record<string, unknown>>;
    switch (m) {
      case 'tools/call':
        plausible = recordOf({ name: maybe(fc.constantFrom(...TOOL_NAMES)), arguments: fc.oneof(noteArgs, nastyValue), task: nastyValue });
        break;
      case 'resources/read':
      case 'resources/subscribe':
        plausible = recordOf({
          uri: maybe(
            fc.oneof(
              nastyString.map((s) => `note://${s}`),
              fc.constant('note://00000000-0000-0000-0000-000000000000'),
            ),
          ),
        });
        break;
      case 'prompts/get':
        plausible = recordOf({ name: maybe(fc.constant('notes.summarize-recent')), arguments: maybe(recordOf({ limit: nastyScalar, count: nastyScalar })) });
        break;
      case 'initialize':
        plausible = recordOf({
          protocolVersion: maybe(fc.constantFrom(...LEGACY, MODERN, '1999-01-01')),
          capabilities: maybe(fc.constant({})),
          clientInfo: maybe(fc.record({ name: maybe(fc.constant('fuzz')), version: maybe(fc.constant('1')) })),
        });
        break;
      case 'notifications/cancelled':
        plausible = recordOf({ requestId: rpcId, reason: nastyString });
        break;
      case 'completion/complete':
        plausible = recordOf({
          ref: maybe(fc.record({ type: maybe(fc.constant('ref/prompt')), name: nastyString })),
          argument: maybe(fc.record({ name: nastyString, value: nastyString })),
        });
        break;
      case 'logging/setLevel':
        plausible = recordOf({ level: maybe(fc.constantFrom('debug', 'info', 'emergency')) });
        break;
      default:
        plausible = recordOf({ cursor: nastyString, name: nastyString, uri: nastyString, filter: nastyValue, taskId: nastyString });
    }
    const params = fc.oneof({ arbitrary: plausible, weight: 12 }, { arbitrary: nastyValue, weight: 1 }, { arbitrary: fc.constant(undefined), weight: 1 });
    return params.map((p) => ({
      method: m,
      params: p,
      name: p && typeof p === 'object' ? ((p as Record<string, unknown>).name ?? (p as Record<string, unknown>).uri) : undefined,
    }));
  });
}

const mcpMethod = fc.oneof({ arbitrary: fc.constantFrom(...MCP_METHODS), weight: 16 }, { arbitrary: nastyString, weight: 1 });

/** The 2026-07-28 per-request `_meta` envelope, valid or broken in one place, or not an object at all. */
const modernMeta: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc
      .record({
        'io.modelcontextprotocol/protocolVersion': fc.oneof({ arbitrary: fc.constant<unknown>(MODERN), weight: 20 }, { arbitrary: nastyScalar, weight: 1 }),
        'io.modelcontextprotocol/clientInfo': fc.oneof(
          { arbitrary: fc.constant<unknown>({ name: 'fuzz', version: '1.0.0' }), weight: 20 },
          { arbitrary: nastyValue, weight: 1 },
        ),
        'io.modelcontextprotocol/clientCapabilities': fc.oneof({ arbitrary: fc.constant<unknown>({}), weight: 20 }, { arbitrary: nastyValue, weight: 1 }),
        drop: fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 20 },
          { arbitrary: fc.constantFrom('io.modelcontextprotocol/protocolVersion', 'io.modelcontextprotocol/clientInfo'), weight: 1 },
        ),
        extra: fc.array(fc.tuple(fc.oneof(nastyKey, fc.constantFrom('progressToken', 'io.modelcontextprotocol/logLevel')), nastyScalar), { maxLength: 1 }),
      })
      .map(({ drop, extra, ...envelope }) => objectOf([...Object.entries(envelope).filter(([k]) => k !== drop), ...extra])),
    weight: 24,
  },
  { arbitrary: nastyNumber, weight: 1 },
  { arbitrary: nastyValue, weight: 1 },
);

const legacyMeta: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 6 },
  { arbitrary: recordOf({ progressToken: nastyScalar }), weight: 2 },
  { arbitrary: nastyValue, weight: 1 },
);

function mcpMessage(era: 'modern' | 'legacy') {
  return fc
    .record({
      call: paramsFor(mcpMethod),
      id: rpcId,
      swapId: fc.oneof({ arbitrary: fc.constant(false), weight: 10 }, { arbitrary: fc.constant(true), weight: 1 }),
      jsonrpc: fc.oneof({ arbitrary: fc.constant('2.0'), weight: 30 }, { arbitrary: nastyScalar, weight: 1 }),
      meta: era === 'modern' ? modernMeta : legacyMeta,
    })
    .map(({ call, id, swapId, jsonrpc, meta }) => {
      let params = call.params;
      if (meta !== undefined && (params === undefined || (params !== null && typeof params === 'object' && !Array.isArray(params)))) {
        params = objectOf([...Object.entries((params as Record<string, unknown>) ?? {}), ['_meta', meta]]);
      }
      // Requests carry an id and notifications none, but for the one case in ten that swaps them.
      const withId = call.method.startsWith('notifications/') ? swapId : !swapId;
      const message = objectOf([
        ['jsonrpc', jsonrpc],
        ...(withId ? [['id', id] as const] : []),
        ['method', call.method],
        ...(params === undefined ? [] : [['params', params] as const]),
      ]);
      return { message, method: call.method, name: call.name };
    });
}

/** A `tools/call`-style Mcp-Name header value: as sent, Base64-sentineled, or wrong. */
function mcpNameHeader(name: unknown): fc.Arbitrary<string | undefined> {
  const plain = typeof name === 'string' && /^[\x20-\x7e]*$/.test(name) ? name : undefined;
  const sentinel = typeof name === 'string' ? `=?base64?${Buffer.from(name, 'utf8').toString('base64')}?=` : undefined;
  return fc.oneof(
    { arbitrary: fc.constant(plain ?? sentinel), weight: 24 },
    { arbitrary: fc.constant(sentinel), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: headerValue, weight: 1 },
  );
}

const authHeader = fc.oneof(
  { arbitrary: fc.constant('Bearer ZZUSERTOKENZZ'), weight: 24 },
  { arbitrary: fc.constant('Bearer ZZADMINTOKENZZ'), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      'Bearer ZZUSERTOKENZZx',
      'bearer ZZUSERTOKENZZ',
      'Bearer  ZZUSERTOKENZZ',
      'Basic ZZBASICZZ',
      'Bearer eyJ.eyJ.x',
      'Bearer ZZREFRESHZZ',
    ),
    weight: 1,
  },
  { arbitrary: headerValue, weight: 1 },
);

const commonMcpHeaders = fc.record({
  authorization: authHeader,
  accept: fc.oneof(
    { arbitrary: fc.constant('application/json, text/event-stream'), weight: 30 },
    { arbitrary: fc.constantFrom('application/json', 'text/event-stream', '*/*', 'text/html'), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: headerValue, weight: 1 },
  ),
  'content-type': fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 40 },
    {
      arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'),
      weight: 1,
    },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: headerValue, weight: 1 },
  ),
  'mcp-session-id': fc.oneof({ arbitrary: fc.constant(undefined), weight: 20 }, { arbitrary: headerValue, weight: 1 }),
  origin: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 40 },
    { arbitrary: fc.constantFrom('http://evil.example', 'null'), weight: 1 },
    { arbitrary: headerValue, weight: 1 },
  ),
  'last-event-id': fc.oneof({ arbitrary: fc.constant(undefined), weight: 40 }, { arbitrary: headerValue, weight: 1 }),
});

const httpMethod = fc.oneof({ arbitrary: fc.constant('POST'), weight: 40 }, { arbitrary: fc.constantFrom('GET', 'DELETE', 'PUT', 'OPTIONS'), weight: 1 });

function mcpBody(era: 'modern' | 'legacy') {
  const one = mcpMessage(era);
  return fc.oneof(
    { arbitrary: one.map((m) => ({ body: { json: m.message }, first: m })), weight: 24 },
    {
      arbitrary: fc.array(one, { minLength: 1, maxLength: 12 }).map((ms) => ({ body: { json: ms.map((m) => m.message) }, first: ms[0] })),
      weight: 2,
    },
    { arbitrary: rawJsonBody.map((b) => ({ body: b, first: undefined })), weight: 1 },
    { arbitrary: nastyValue.map((v) => ({ body: { json: v }, first: undefined })), weight: 1 },
  );
}

function mayStream(method: string, body: FuzzCase['body']): boolean {
  if (method === 'GET') return true;
  return body !== undefined && 'json' in body && JSON.stringify(body.json)?.includes('subscriptions/listen') === true;
}

/** /mcp in the 2026-07-28 era: `_meta` envelope and the Mcp-Method / Mcp-Name / MCP-Protocol-Version headers. */
export const mcpModernCase: fc.Arbitrary<FuzzCase> = fc.tuple(httpMethod, mcpBody('modern'), commonMcpHeaders).chain(([method, { body, first }, common]) =>
  fc
    .record({
      version: fc.oneof(
        { arbitrary: fc.constant(MODERN), weight: 24 },
        { arbitrary: fc.constantFrom('2025-11-25', undefined), weight: 1 },
        { arbitrary: headerValue, weight: 1 },
      ),
      mcpMethod: fc.oneof(
        { arbitrary: fc.constant(first?.method), weight: 24 },
        { arbitrary: fc.constant(undefined), weight: 1 },
        { arbitrary: headerValue, weight: 1 },
      ),
      mcpName: mcpNameHeader(first?.name),
    })
    .map(({ version, mcpMethod, mcpName }) => ({
      method,
      path: '/mcp',
      headers: headers({
        ...common,
        'mcp-protocol-version': version,
        'mcp-method': mcpMethod && /^[\t\x20-\x7e\x80-\xff]*$/.test(mcpMethod) ? mcpMethod : undefined,
        'mcp-name': mcpName && /^[\t\x20-\x7e\x80-\xff]*$/.test(mcpName) ? mcpName : undefined,
      }),
      body: method === 'GET' ? undefined : body,
      mayStream: mayStream(method, body),
    })),
);

/** /mcp in the 2025 era: with and without MCP-Protocol-Version, `initialize` first or not. */
export const mcpLegacyCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    httpMethod,
    mcpBody('legacy'),
    commonMcpHeaders,
    fc.oneof(
      { arbitrary: fc.constantFrom<string | undefined>(...LEGACY, undefined), weight: 8 },
      { arbitrary: fc.constant(MODERN), weight: 1 },
      { arbitrary: headerValue, weight: 1 },
    ),
  )
  .map(([method, { body }, common, version]) => ({
    method,
    path: '/mcp',
    headers: headers({ ...common, 'mcp-protocol-version': version }),
    body: method === 'GET' ? undefined : body,
    mayStream: mayStream(method, body),
  }));

// ----------------------------------------------------------------------------------------- /register

const uri = fc.oneof(
  { arbitrary: fc.constantFrom('http://127.0.0.1:9/cb', 'http://localhost/cb', 'https://app.example/cb', 'myapp://cb', 'com.example.app:/cb'), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      'javascript:alert(1)',
      'http://127.0.0.1:9/cb#frag',
      'https://user:pw@app.example/cb',
      'data:,x',
      'file:///etc/passwd',
      'https://*.example/cb',
    ),
    weight: 1,
  },
  { arbitrary: nastyString, weight: 1 },
);
const registration = recordOf({
  redirect_uris: maybe(fc.array(uri, { maxLength: 4 })),
  client_name: maybe(fc.string({ maxLength: 20 })),
  grant_types: maybe(
    fc.array(
      fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'password', 'urn:ietf:params:oauth:grant-type:jwt-bearer'),
      { maxLength: 3 },
    ),
  ),
  response_types: maybe(fc.array(fc.constantFrom('code', 'token', 'id_token', 'code id_token'), { maxLength: 2 })),
  token_endpoint_auth_method: maybe(fc.constantFrom('none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth')),
  scope: maybe(fc.constantFrom('notes:read', 'notes:read notes:write', 'admin', 'openid offline_access')),
  logo_uri: maybe(uri),
  client_uri: maybe(uri),
  policy_uri: maybe(uri),
  tos_uri: maybe(uri),
  jwks_uri: maybe(uri),
  contacts: maybe(fc.array(nastyString, { maxLength: 3 })),
  jwks: nastyValue,
  software_id: nastyString,
  software_version: nastyString,
  software_statement: nastyString,
  application_type: maybe(fc.constantFrom('web', 'native')),
  client_id: nastyString,
  client_secret: nastyString,
});

const jsonContentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 10 },
  { arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/jwt'), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: headerValue, weight: 1 },
);

/** POST /register (RFC 7591) with hostile client metadata. */
export const registerCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.oneof(
      { arbitrary: registration.map((r) => ({ json: r })), weight: 8 },
      { arbitrary: nastyValue.map((v) => ({ json: v })), weight: 1 },
      { arbitrary: rawJsonBody, weight: 1 },
    ),
    jsonContentType,
    fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 8 },
      { arbitrary: fc.constant('Bearer ZZUSERTOKENZZ'), weight: 1 },
      { arbitrary: headerValue, weight: 1 },
    ),
    fc.oneof({ arbitrary: fc.constant('POST'), weight: 20 }, { arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE'), weight: 1 }),
  )
  .map(([body, contentType, authorization, method]) => ({
    method,
    path: '/register',
    headers: headers({ 'content-type': contentType, authorization }),
    body: method === 'GET' ? undefined : body,
  }));

// ------------------------------------------------------------------------- /token, /revoke, /introspect

const clientAuthHeader = fc.oneof(
  { arbitrary: fc.constant('Basic ZZBASICZZ'), weight: 4 },
  { arbitrary: fc.constant(undefined), weight: 3 },
  {
    arbitrary: fc
      .tuple(fc.oneof(fc.constant('ZZCLIENTIDZZ'), nastyString), nastyString)
      .map(([id, secret]) => `Basic ${Buffer.from(`${pct(id)}:${pct(secret)}`).toString('base64')}`),
    weight: 2,
  },
  { arbitrary: fc.constantFrom('Basic', 'Basic =', 'Basic Og==', 'Basic %%%', 'Bearer ZZUSERTOKENZZ', 'Basic ZZBASICZZ, Basic ZZBASICZZ'), weight: 1 },
  { arbitrary: headerValue, weight: 1 },
);

const formContentType = fc.oneof(
  { arbitrary: fc.constant('application/x-www-form-urlencoded'), weight: 12 },
  {
    arbitrary: fc.constantFrom('application/x-www-form-urlencoded; charset=latin1', 'application/json', 'text/plain', 'multipart/form-data; boundary=x'),
    weight: 1,
  },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: headerValue, weight: 1 },
);

function formCase(path: string, fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(
      fc.oneof(
        { arbitrary: formOf(fields).map((text) => ({ text })), weight: 12 },
        { arbitrary: rawJsonBody, weight: 1 },
        { arbitrary: nastyValue.map((v) => ({ json: v })), weight: 1 },
      ),
      formContentType,
      clientAuthHeader,
      fc.oneof({ arbitrary: fc.constant('POST'), weight: 20 }, { arbitrary: fc.constantFrom('GET', 'PUT'), weight: 1 }),
      fc.oneof({ arbitrary: fc.constant(''), weight: 12 }, { arbitrary: formOf(fields).map((q) => `?${q}`), weight: 1 }),
    )
    .map(([body, contentType, authorization, method, query]) => ({
      method,
      path: `${path}${query}`,
      headers: headers({ 'content-type': contentType, authorization }),
      body: method === 'GET' ? undefined : body,
    }));
}

const tokenish = formValue('ZZVICTIMTOKENZZ', 'ZZREFRESHZZ', 'ZZUSERTOKENZZx', 'eyJhbGciOiJub25lIn0.e30.', 'a.b.c');
const clientFields = { client_id: formValue('ZZCLIENTIDZZ', 'ZZPUBLICCLIENTZZ'), client_secret: formValue('ZZCLIENTSECRETZZ') };

/** POST /token (RFC 6749 §3.2, RFC 8693, RFC 7523) forms. */
export const tokenCase = formCase('/token', {
  grant_type: formValue(
    'authorization_code',
    'refresh_token',
    'client_credentials',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    'urn:ietf:params:oauth:grant-type:token-exchange',
    'password',
  ),
  code: formValue('abc'),
  code_verifier: formValue('a'.repeat(43), 'a'.repeat(129)),
  redirect_uri: formValue('ZZREDIRECTZZ', 'http://127.0.0.1:9/cb'),
  refresh_token: formValue('ZZREFRESHZZ'),
  scope: formValue('notes:read', 'notes:read notes:write', 'admin', ''),
  resource: formValue('http://localhost/mcp', 'https://evil.example/mcp'),
  assertion: tokenish,
  subject_token: tokenish,
  subject_token_type: formValue('urn:ietf:params:oauth:token-type:id-jag', 'urn:ietf:params:oauth:token-type:access_token'),
  requested_token_type: formValue('urn:ietf:params:oauth:token-type:id-jag'),
  audience: formValue('http://localhost'),
  ...clientFields,
});

/** POST /revoke (RFC 7009) forms. */
export const revokeCase = formCase('/revoke', { token: tokenish, token_type_hint: formValue('access_token', 'refresh_token', 'id_token'), ...clientFields });

/** POST /introspect (RFC 7662) forms. */
export const introspectCase = formCase('/introspect', { token: tokenish, token_type_hint: formValue('access_token', 'refresh_token'), ...clientFields });

// ---------------------------------------------------------------------------------------- /authorize

const authorizeFields = {
  response_type: formValue('code', 'token', 'code token'),
  client_id: formValue('ZZPUBLICCLIENTZZ', 'ZZCLIENTIDZZ', 'https://127.0.0.1:1/client.json'),
  redirect_uri: formValue('ZZREDIRECTZZ', 'http://127.0.0.1:9/cb'),
  code_challenge: formValue('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'short'),
  code_challenge_method: formValue('S256', 'plain'),
  state: formValue('xyz'),
  scope: formValue('notes:read', 'notes:read notes:write', 'admin', 'openid'),
  resource: formValue('http://localhost/mcp', 'https://evil.example/mcp'),
  prompt: formValue('consent', 'none', 'login'),
  nonce: formValue('n'),
  request_uri: formValue('urn:ietf:params:oauth:request_uri:x'),
  request: formValue('eyJhbGciOiJub25lIn0.e30.'),
  response_mode: formValue('query', 'fragment', 'form_post'),
  login_hint: formValue('alice'),
};

/** GET /authorize queries (RFC 6749 §4.1.1, RFC 7636, RFC 8707), and POST /authorize/consent forms. */
export const authorizeCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    arbitrary: fc
      .tuple(formOf(authorizeFields), fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: headerValue, weight: 1 }))
      .map(([q, cookie]) => ({ method: 'GET', path: `/authorize?${q}`, headers: headers({ cookie }) })),
    weight: 8,
  },
  {
    arbitrary: fc
      .tuple(
        formOf({
          request_id: formValue('00000000-0000-0000-0000-000000000000'),
          csrf_token: formValue('x'),
          decision: formValue('approve', 'deny'),
          action: formValue('approve', 'deny'),
        }),
        formContentType,
      )
      .map(([text, contentType]) => ({ method: 'POST', path: '/authorize/consent', headers: headers({ 'content-type': contentType }), body: { text } })),
    weight: 2,
  },
);

// -------------------------------------------------------------------------------------------- /admin

const pathParam = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      '00000000-0000-0000-0000-000000000000',
      'ZZUSERIDZZ',
      'ZZCLIENTIDZZ',
      'https%3A%2F%2F127.0.0.1%3A1%2Fc.json',
      '%zz',
      '%00',
      '%ED%A0%80',
      '..',
      '.',
    ),
    weight: 3,
  },
  { arbitrary: nastyString.map(pct), weight: 3 },
);

const listQueries: Record<string, Record<string, fc.Arbitrary<string>>> = {
  '/admin/clients': {
    kind: formValue('dcr', 'cimd', 'static'),
    revoked: formValue('true', 'false'),
    q: formValue('E2E'),
    limit: formValue('1', '200', '0', '9999999999999999999'),
    cursor: formValue('1|x'),
  },
  '/admin/users': { q: formValue('user'), disabled: formValue('true', 'false'), limit: formValue('1', '200', '-1'), cursor: formValue('2021-02-31|x') },
  '/admin/grants': {
    userId: formValue('ZZUSERIDZZ'),
    clientId: formValue('ZZCLIENTIDZZ'),
    status: formValue('active', 'revoked'),
    limit: formValue('5'),
    cursor: formValue('9999999999999999999'),
  },
  '/admin/api-keys': { userId: formValue('ZZUSERIDZZ'), includeRevoked: formValue('true', 'false') },
  '/admin/audit': {
    userId: formValue('ZZUSERIDZZ'),
    clientId: formValue('test-client'),
    target: formValue('notes.create'),
    kind: formValue('tool', 'admin'),
    outcome: formValue('ok', 'denied'),
    from: formValue('2020-01-01', '2021-02-31T00:00:00Z', '2020'),
    to: formValue('2030-01-01T00:00:00.000Z', 'March 7'),
    limit: formValue('1', '200'),
    cursor: formValue('["2021-02-31T00:00:00Z","00000000-0000-0000-0000-000000000000"]'),
  },
  '/admin/keys': {},
};

const adminAuth: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { arbitrary: fc.constant<Record<string, string>>({ authorization: 'Bearer ZZADMINTOKENZZ' }), weight: 8 },
  { arbitrary: fc.constant({ authorization: 'Bearer ZZUSERTOKENZZ' }), weight: 1 },
  { arbitrary: fc.constant({}), weight: 1 },
  { arbitrary: headerValue.map((v) => ({ 'x-api-key': v })), weight: 1 },
  {
    arbitrary: fc.constantFrom<Record<string, string>>(
      { 'x-api-key': 'smcp_00000000000000000000000000000000_' + 'A'.repeat(43) },
      { authorization: 'Bearer ZZADMINTOKENZZ', 'x-api-key': 'smcp_x' },
    ),
    weight: 1,
  },
);

const apiKeyBody = recordOf({
  name: maybe(fc.string({ maxLength: 20 })),
  scopes: maybe(fc.array(fc.constantFrom('notes:read', 'notes:write', 'admin', 'openid', ''), { maxLength: 3 })),
  expiresInDays: maybe(fc.integer({ min: -5, max: 4000 })),
  userId: maybe(fc.constantFrom('ZZUSERIDZZ', '00000000-0000-0000-0000-000000000000')),
});
// Revocations name a subject that never exists (a random suffix), so the fuzz never revokes the clients it uses.
const revocationBody = recordOf({ kind: maybe(fc.constantFrom('client', 'token')), subject: maybe(nastyString.map((s) => `fuzz-${s}`)) });

/**
 * The /admin REST API: list query strings, path parameters, and the two JSON bodies. Key rotation is
 * only sent without admin rights (2,000 rotations would fuzz key generation, not input handling).
 */
export const adminCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    arbitrary: fc
      .constantFrom(...Object.keys(listQueries))
      .chain((route) => fc.tuple(fc.constant(route), Object.keys(listQueries[route]).length ? formOf(listQueries[route]) : fc.constant(''), adminAuth))
      .map(([route, q, auth]) => ({ method: 'GET', path: q ? `${route}?${q}` : route, headers: auth })),
    weight: 5,
  },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          'GET /admin/clients/:p',
          'POST /admin/clients/:p/revoke',
          'GET /admin/users/:p',
          'POST /admin/users/:p/disable',
          'POST /admin/users/:p/enable',
          'POST /admin/grants/:p/revoke',
          'POST /admin/api-keys/:p/revoke',
        ),
        pathParam,
        adminAuth,
      )
      .map(([route, p, auth]) => {
        const [method, path] = route.split(' ');
        return {
          method,
          path: path.replace(':p', p === 'ZZUSERIDZZ' && route.includes('disable') ? '00000000-0000-0000-0000-000000000000' : p),
          headers: auth,
        };
      }),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom('/admin/api-keys', '/admin/revocations'),
        fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 3 },
          { arbitrary: rawJsonBody, weight: 1 },
          { arbitrary: nastyValue.map((v) => ({ json: v })), weight: 1 },
        ),
        apiKeyBody,
        revocationBody,
        jsonContentType,
        adminAuth,
      )
      .map(([path, raw, apiKey, revocation, contentType, auth]) => ({
        method: 'POST',
        path,
        headers: headers({ ...auth, 'content-type': contentType }),
        body: raw ?? { json: path === '/admin/api-keys' ? apiKey : revocation },
      })),
    weight: 3,
  },
  {
    arbitrary: fc
      .constantFrom<Record<string, string>>({}, { authorization: 'Bearer ZZUSERTOKENZZ' })
      .map((auth) => ({ method: 'POST', path: '/admin/keys/rotate', headers: auth })),
    weight: 1,
  },
);

export const TARGETS: Record<string, fc.Arbitrary<FuzzCase>> = {
  'mcp-2026-07-28': mcpModernCase,
  'mcp-2025': mcpLegacyCase,
  register: registerCase,
  token: tokenCase,
  revoke: revokeCase,
  introspect: introspectCase,
  authorize: authorizeCase,
  admin: adminCase,
};
