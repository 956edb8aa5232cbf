/**
 * The bare floor: the least a server can do for an authenticated `tools/call notes.list`.
 * node:http, read the body, JSON.parse, verify the ES256 bearer JWT against a key imported ONCE (alg,
 * typ, iss, aud, exp and required claims, as the real server checks them), run the same SQL on a pg
 * Pool (max 10) and write a hand-built JSON-RPC result. No framework, no MCP SDK.
 *
 * Env: PORT, DATABASE_URL, FLOOR_PUBLIC_JWK (JSON), FLOOR_ISSUER, FLOOR_AUDIENCE.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { importJWK, jwtVerify, type JWK } from 'jose';
import pg from 'pg';
import { announceListening, exitOn, listNotes } from './shared.js';

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;
const PAGE_MAX = 50;

async function main(): Promise<void> {
  const jwk = JSON.parse(required('FLOOR_PUBLIC_JWK')) as JWK;
  const key = await importJWK(jwk, 'ES256'); // imported once, reused for every request
  const issuer = required('FLOOR_ISSUER');
  const audience = required('FLOOR_AUDIENCE');
  // Same pool settings as the real server (src/database/data-source-options.ts).
  const pool = new pg.Pool({ connectionString: required('DATABASE_URL'), max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });

  const reply = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const rpcError = (res: ServerResponse, status: number, id: unknown, code: number, message: string): void =>
    reply(res, status, { jsonrpc: '2.0', id: id ?? null, error: { code, message } });

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match) return rpcError(res, 401, null, -32001, 'Unauthorized');
    let sub: string;
    try {
      const { payload } = await jwtVerify(match[1], key, {
        algorithms: ['ES256'],
        typ: 'at+jwt',
        issuer,
        audience,
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'aud'],
        clockTolerance: 5,
      });
      if (typeof payload.scope !== 'string' || !payload.scope.split(' ').includes('notes:read')) {
        return rpcError(res, 403, null, -32001, 'insufficient_scope');
      }
      sub = payload.sub!;
    } catch {
      return rpcError(res, 401, null, -32001, 'invalid_token');
    }
    let msg: { jsonrpc?: string; id?: string | number; method?: string; params?: { name?: string; arguments?: { limit?: unknown } } };
    try {
      msg = JSON.parse(raw);
    } catch {
      return rpcError(res, 400, null, -32700, 'Parse error');
    }
    if (msg.jsonrpc !== '2.0' || msg.method !== 'tools/call' || msg.params?.name !== 'notes.list') {
      return rpcError(res, 400, msg.id, -32601, 'Only tools/call notes.list is served here');
    }
    const limit = msg.params.arguments?.limit ?? 20;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
      return reply(res, 200, { jsonrpc: '2.0', id: msg.id, result: { isError: true, content: [{ type: 'text', text: 'Invalid input: limit' }] } });
    }
    const value = await listNotes(pool, sub, limit);
    reply(res, 200, { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value } });
  };

  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/mcp') return rpcError(res, 404, null, -32601, 'Not found');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e: unknown) => {
        if (!res.headersSent) rpcError(res, 500, null, -32603, `Internal error: ${(e as Error).message}`);
      });
    });
  });
  server.listen(Number(required('PORT')), '127.0.0.1', () => announceListening(Number(required('PORT'))));
  exitOn(['SIGTERM', 'SIGINT'], async () => {
    server.closeAllConnections();
    await pool.end();
  });
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`floor: ${name} is required`);
  return value;
}

main().catch((e: unknown) => {
  console.error(`floor failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
