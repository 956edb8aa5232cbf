import { decodeJwt } from 'jose';
import { RevocationService } from '../src/auth/revocation/revocation.service.js';
import { ListenStreams } from '../src/mcp/subscriptions/listen-streams.service.js';
import { modernRpc, openListen, type ListenStream } from './helpers/modern-rpc.js';
import { freePort } from './helpers/free-port.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
const UPDATED = 'notifications/resources/updated';

/**
 * Issue 8 item 2: `subscriptions/listen` on 2026-07-28, across two instances on one database (the
 * change travels by Postgres NOTIFY; on the embedded engine through its wire server's fan-out).
 */
describe('subscriptions/listen (2026-07-28, two instances on one database)', () => {
  let a: TestApp;
  let b: TestApp;
  const streams: ListenStream[] = [];

  beforeAll(async () => {
    // Both instances serve one public URL (a token from either is good on both); each is reached directly.
    const PUBLIC_URL = `http://localhost:${await freePort()}`;
    a = await startTestApp({ PUBLIC_URL });
    b = await startTestApp({ PUBLIC_URL, MCP_LISTEN_MAX_PER_USER: '2', MCP_LISTEN_MAX_URIS: '3' });
  });
  /** The instance's own /mcp, not the shared public URL. */
  const url = (t: TestApp) => `http://127.0.0.1:${t.config.port}/mcp`;
  afterAll(async () => {
    for (const s of streams) s.close();
    await Promise.allSettled([a?.close(), b?.close()]);
  });

  async function listen(app: TestApp, token: string, filter: Record<string, unknown>, id: string | number = 1): Promise<ListenStream> {
    const s = await openListen(url(app), token, filter, { id });
    streams.push(s);
    return s;
  }

  async function call(app: TestApp, token: string, name: string, args: Record<string, unknown>): Promise<any> {
    const reply = await modernRpc(url(app), token, 'tools/call', { name, arguments: args });
    expect(reply.body.result?.isError).not.toBe(true);
    return reply.body.result.structuredContent;
  }

  const updatedFor = (uri: string) => (e: any) => e.method === UPDATED && e.params?.uri === uri;

  it('server/discover advertises resource subscriptions', async () => {
    const reply = await modernRpc(url(a), await a.token(uniqueLogin('discover')), 'server/discover');
    expect(reply.body.result.capabilities.resources).toMatchObject({ subscribe: true });
  });

  it("acknowledges first, with the subscription id and the honoured filter; a note's update and delete on the other instance reach its owner", async () => {
    const alice = await a.token(uniqueLogin('alice'));
    const { note } = await call(a, alice, 'notes.create', { title: 'Watched', body: 'v1' });
    const uri = `note://${note.id}`;
    const s = await listen(b, alice, { resourceSubscriptions: [uri, 'https://example.com/not-ours'], toolsListChanged: true }, 'sub-1');
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.headers.get('x-accel-buffering')).toBe('no');
    const ack = await s.next(() => true);
    // basic/patterns/subscriptions §Acknowledgment: first, with the id; only what is honoured (no list
    // changes: the lists are fixed; no URI that names no resource of this server).
    expect(ack).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { resourceSubscriptions: [uri] }, _meta: { [SUBSCRIPTION_ID]: 'sub-1' } },
    });
    await call(a, alice, 'notes.update', { id: note.id, body: 'v2' });
    const updated = await s.next(updatedFor(uri));
    expect(updated).toEqual({ jsonrpc: '2.0', method: UPDATED, params: { uri, _meta: { [SUBSCRIPTION_ID]: 'sub-1' } } });
    const before = s.events.length;
    await call(a, alice, 'notes.delete', { id: note.id });
    await s.next(updatedFor(uri), 10_000, before);
    expect(s.events.every((e) => e.params?._meta?.[SUBSCRIPTION_ID] === 'sub-1')).toBe(true);
  });

  it("another user's note id: the same acknowledgement as for any id, and nothing when its owner changes it", async () => {
    const owner = await a.token(uniqueLogin('owner'));
    const other = await b.token(uniqueLogin('other'));
    const { note } = await call(a, owner, 'notes.create', { title: 'Private', body: 'v1' });
    const theirs = `note://${note.id}`;
    const nobodys = `note://00000000-0000-4000-8000-000000000000`;
    const spy = await listen(b, other, { resourceSubscriptions: [theirs] }, 7);
    const control = await listen(b, other, { resourceSubscriptions: [nobodys] }, 7);
    const ownerStream = await listen(a, owner, { resourceSubscriptions: [theirs] }, 8);
    const spyAck = await spy.next(() => true);
    const controlAck = await control.next(() => true);
    expect(spyAck.params.notifications).toEqual({ resourceSubscriptions: [theirs] });
    expect(JSON.stringify(controlAck).replace(nobodys, 'X')).toBe(JSON.stringify(spyAck).replace(theirs, 'X'));
    await ownerStream.next(() => true);
    await call(b, owner, 'notes.update', { id: note.id, title: 'Changed' });
    await ownerStream.next(updatedFor(theirs));
    // The owner's own stream got it; give the other user's the same time and then some.
    await new Promise((r) => setTimeout(r, 500));
    expect(spy.events.map((e) => e.method)).toEqual(['notifications/subscriptions/acknowledged']);
    spy.close();
    control.close();
  });

  it('a filter with nothing the server can deliver: acknowledged empty, then closed gracefully', async () => {
    const s = await listen(b, await b.token(uniqueLogin('empty')), { toolsListChanged: true, promptsListChanged: true }, 3);
    await s.ended;
    expect(s.events).toEqual([
      { jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: {}, _meta: { [SUBSCRIPTION_ID]: 3 } } },
      { jsonrpc: '2.0', id: 3, result: expect.objectContaining({ resultType: 'complete', _meta: expect.objectContaining({ [SUBSCRIPTION_ID]: 3 }) }) },
    ]);
  });

  it('bad filters get -32602; a missing notifications filter too', async () => {
    const token = await b.token(uniqueLogin('bad-filter'));
    const tooMany = await listen(b, token, { resourceSubscriptions: ['note://1', 'note://2', 'note://3', 'note://4'] });
    await tooMany.ended;
    expect(tooMany.events[0].error).toMatchObject({ code: -32602, message: expect.stringMatching(/at most 3 resourceSubscriptions/) });
    const wrongType = await listen(b, token, { resourceSubscriptions: [42] });
    await wrongType.ended;
    expect(wrongType.events[0].error).toMatchObject({ code: -32602 });
    const none = await modernRpc(url(b), token, 'subscriptions/listen', {});
    expect(none.body.error).toMatchObject({ code: -32602 });
  });

  it('streams per user are bounded (MCP_LISTEN_MAX_PER_USER) with a clear error; closing one frees its place', async () => {
    const login = uniqueLogin('capped');
    const token = await b.token(login);
    const filter = { resourceSubscriptions: ['note://00000000-0000-4000-8000-000000000001'] };
    const first = await listen(b, token, filter, 1);
    const second = await listen(b, await b.token(login), filter, 2);
    await Promise.all([first.next(() => true), second.next(() => true)]);
    const third = await listen(b, token, filter, 3);
    await third.ended;
    expect(third.events[0]).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32603, message: 'Subscription limit reached: at most 2 open subscriptions/listen streams per user; close one first' },
    });
    // Another user is not affected.
    const stranger = await listen(b, await b.token(uniqueLogin('uncapped')), filter, 1);
    await stranger.next(() => true);
    const before = b.app.get(ListenStreams).openCount;
    first.close();
    expect(
      await pollUntil(
        async () => b.app.get(ListenStreams).openCount,
        (n) => n === before - 1,
      ),
    ).toBe(before - 1);
    const again = await listen(b, token, filter, 4);
    expect((await again.next(() => true)).method).toBe('notifications/subscriptions/acknowledged');
    for (const s of [second, stranger, again]) s.close();
  });

  it('the client closing the stream ends the subscription on the server', async () => {
    const streamsOfB = b.app.get(ListenStreams);
    const s = await listen(b, await b.token(uniqueLogin('leaver')), { resourceSubscriptions: ['note://00000000-0000-4000-8000-000000000002'] });
    await s.next(() => true);
    const open = streamsOfB.openCount;
    s.close();
    expect(
      await pollUntil(
        async () => streamsOfB.openCount,
        (n) => n === open - 1,
      ),
    ).toBe(open - 1);
  });

  it('revoking the token ends its streams on every instance with the graceful result', async () => {
    const login = uniqueLogin('revoked');
    const token = await a.token(login);
    const other = await a.token(login);
    const filter = { resourceSubscriptions: ['note://00000000-0000-4000-8000-000000000003'] };
    const onB = await listen(b, token, filter, 'r');
    const unaffected = await listen(b, other, filter, 'u');
    await Promise.all([onB.next(() => true), unaffected.next(() => true)]);
    await a.app.get(RevocationService).revokeToken(decodeJwt(token).jti!);
    const end = await onB.next((e) => e.id === 'r', 10_000);
    expect(end.result).toMatchObject({ resultType: 'complete', _meta: { [SUBSCRIPTION_ID]: 'r' } });
    await onB.ended;
    // A new listen with the revoked token: 401.
    const again = await modernRpc(url(b), token, 'subscriptions/listen', { notifications: filter });
    expect(again.status).toBe(401);
    // The same user's stream on another token goes on.
    await new Promise((r) => setTimeout(r, 1200));
    expect(unaffected.events.map((e) => e.method)).toEqual(['notifications/subscriptions/acknowledged']);
    unaffected.close();
  });

  it('at shutdown every stream ends with the graceful result, without holding the drain', async () => {
    const c = await startTestApp();
    const s = await openListen(
      c.mcpUrl,
      await c.token(uniqueLogin('shutdown')),
      { resourceSubscriptions: ['note://00000000-0000-4000-8000-000000000004'] },
      { id: 9 },
    );
    await s.next(() => true);
    const started = Date.now();
    const closing = c.close();
    await s.ended;
    // Ended when the drain began, not cut when the drain time (3/4 of 2 s here) ran out.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(s.events.at(-1)).toMatchObject({ id: 9, result: { resultType: 'complete' } });
    await closing;
  });
});
