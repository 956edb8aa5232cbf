import { decodeProtectedHeader } from 'jose';
import { SigningKeysService } from '../src/keys/signing-keys.service.js';
import { toolCall } from './factories/json-rpc.factory.js';
import { withDb } from './helpers/db.js';
import { freePort } from './helpers/free-port.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

/** A tools/call sent to one instance directly. */
async function callOn(t: TestApp, token: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${t.config.port}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(toolCall('notes.list', {})),
  });
  await res.arrayBuffer();
  return res.status;
}

async function keyRow(kid: string): Promise<{ retired: boolean; expiresInSeconds: number | null; maxTtl: number }> {
  return withDb(async (db) => {
    const { rows } = await db.query(
      `SELECT retired_at IS NOT NULL AS retired, extract(epoch FROM expires_at - now())::int AS "expiresInSeconds", max_token_ttl_seconds AS "maxTtl"
       FROM signing_keys WHERE kid = $1`,
      [kid],
    );
    return rows[0];
  });
}

/** Issue 7 item 13: key rotation on one instance, tokens verified on another. */
describe('signing key rotation across instances', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    // Two instances of one server (one public URL), as behind a load balancer.
    const env = { PUBLIC_URL: `http://localhost:${await freePort()}` };
    a = await startTestApp(env);
    b = await startTestApp(env);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('right after a rotation on A, concurrent first uses of a token signed by the new key all succeed on B (no 401)', async () => {
    const login = uniqueLogin('rotation');
    for (let round = 0; round < 3; round++) {
      await b.token(login); // B is warm: it has loaded the key set before the rotation
      const kid = await a.app.get(SigningKeysService).rotate();
      const token = await a.token(login);
      expect(kidOf(token)).toBe(kid);
      const statuses = await Promise.all(Array.from({ length: 20 }, () => callOn(b, token)));
      expect(statuses).toEqual(Array(20).fill(200));
    }
  });

  it('an unknown kid still gets 401, after one reload that many such requests share', async () => {
    const login = uniqueLogin('forged-kid');
    const token = await a.token(login);
    const [head, payload, signature] = token.split('.');
    const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, unknown>;
    const forged = [Buffer.from(JSON.stringify({ ...header, kid: 'no-such-kid' })).toString('base64url'), payload, signature].join('.');
    expect(await callOn(b, token)).toBe(200); // control: the token as signed is fine
    const statuses = await Promise.all(Array.from({ length: 10 }, () => callOn(b, forged)));
    expect(statuses).toEqual(Array(10).fill(401));
  });

  it('a retired key stays published as long as the longest token it signed (a --ttl of two hours included)', async () => {
    const login = uniqueLogin('long-ttl');
    const userId = await a.userId(login);
    await a.app.get(SigningKeysService).rotate();
    const long = await a.app
      .get(SigningKeysService)
      .sign({ sub: userId, iss: a.config.publicUrl, aud: a.config.resourceUrl, scope: 'notes:read' }, 'at+jwt', 7200);
    const oldKid = kidOf(long);
    expect((await keyRow(oldKid)).maxTtl).toBeGreaterThanOrEqual(7200);
    await b.app.get(SigningKeysService).reload(); // B signs with oldKid too until it notices the next rotation

    await a.app.get(SigningKeysService).rotate();
    const retired = await keyRow(oldKid);
    expect(retired.retired).toBe(true);
    expect(retired.expiresInSeconds).toBeGreaterThanOrEqual(7200);
    const jwks = (await (await fetch(`http://127.0.0.1:${b.config.port}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toContain(oldKid);

    // B has not reloaded yet and still signs with the retired key: a day-long token moves its end out.
    const day = await b.app.get(SigningKeysService).sign({ sub: userId, iss: b.config.publicUrl, aud: b.config.resourceUrl }, 'at+jwt', 86_400);
    expect(kidOf(day)).toBe(oldKid);
    expect((await keyRow(oldKid)).expiresInSeconds).toBeGreaterThanOrEqual(86_400);
  });
});
