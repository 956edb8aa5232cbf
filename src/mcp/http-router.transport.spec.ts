import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, type JSONRPCMessage, type JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { HttpRouterTransport } from './http-router.transport.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function callFrom(caller: string, id: string | number): JSONRPCRequest {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: { caller } } };
}

describe('HttpRouterTransport', () => {
  describe('with a hand-driven server', () => {
    let transport: HttpRouterTransport;
    let delivered: JSONRPCMessage[];

    beforeEach(() => {
      transport = new HttpRouterTransport();
      delivered = [];
      transport.onmessage = (m) => delivered.push(m);
    });

    it('gives each request its own internal id and maps the answer back to the caller id, whatever the order', async () => {
      const a = transport.request(callFrom('A', 1), {});
      const b = transport.request(callFrom('B', 1), {});
      expect(delivered).toHaveLength(2);
      const [toA, toB] = delivered as JSONRPCRequest[];
      expect(toA.id).not.toBe(toB.id);
      expect(transport.inFlight).toBe(2);

      // The server answers B first.
      await transport.send({ jsonrpc: '2.0', id: toB.id, result: { caller: 'B' } });
      await transport.send({ jsonrpc: '2.0', id: toA.id, error: { code: -32602, message: 'bad A' } });
      await expect(b).resolves.toEqual({ jsonrpc: '2.0', id: 1, result: { caller: 'B' } });
      await expect(a).resolves.toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad A' } });
      expect(transport.inFlight).toBe(0);
    });

    it('keeps string ids as they were', async () => {
      const p = transport.request(callFrom('A', 'req-α'), {});
      await transport.send({ jsonrpc: '2.0', id: (delivered[0] as JSONRPCRequest).id, result: {} });
      await expect(p).resolves.toEqual({ jsonrpc: '2.0', id: 'req-α', result: {} });
    });

    it('passes notifications through unchanged and answers nothing', () => {
      const note = { jsonrpc: '2.0' as const, method: 'notifications/initialized' };
      const extra = { requestInfo: { headers: { 'x-test': '1' } } };
      const seen: unknown[] = [];
      transport.onmessage = (m, e) => seen.push([m, e]);
      expect(transport.notify(note, extra)).toBeUndefined();
      expect(seen).toEqual([[note, extra]]);
      expect(transport.inFlight).toBe(0);
    });

    it('drops server-initiated messages and answers nobody is waiting for', async () => {
      const p = transport.request(callFrom('A', 7), {});
      const internal = (delivered[0] as JSONRPCRequest).id;
      await transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } });
      await transport.send({ jsonrpc: '2.0', id: internal, method: 'sampling/createMessage', params: {} });
      await transport.send({ jsonrpc: '2.0', id: 99_999, result: {} });
      await transport.send({ jsonrpc: '2.0', id: 'not-ours', result: {} });
      expect(transport.inFlight).toBe(1);
      await transport.send({ jsonrpc: '2.0', id: internal, result: { ok: true } });
      await expect(p).resolves.toEqual({ jsonrpc: '2.0', id: 7, result: { ok: true } });
      // A second answer to the same request goes nowhere.
      await expect(transport.send({ jsonrpc: '2.0', id: internal, result: { ok: false } })).resolves.toBeUndefined();
    });

    it('close() answers every pending request with an error under its own id, and reports the close', async () => {
      let closed = 0;
      transport.onclose = () => closed++;
      const a = transport.request(callFrom('A', 1), {});
      const b = transport.request(callFrom('B', 'two'), {});
      await transport.close();
      await expect(a).resolves.toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'Server is shutting down' } });
      await expect(b).resolves.toEqual({ jsonrpc: '2.0', id: 'two', error: { code: -32000, message: 'Server is shutting down' } });
      expect(transport.inFlight).toBe(0);
      expect(closed).toBe(1);
    });

    it('an aborted request tells the server to stop it, under its internal id only, and is no longer awaited', async () => {
      const controller = new AbortController();
      let settled = false;
      void transport.request(callFrom('A', 1), {}, controller.signal).then(() => (settled = true));
      const other = transport.request(callFrom('B', 1), {});
      const [toA, toB] = delivered as JSONRPCRequest[];
      controller.abort(new Error('deadline'));
      expect(delivered[2]).toEqual({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: toA.id, reason: 'Error: deadline' } });
      expect(transport.inFlight).toBe(1);
      await transport.send({ jsonrpc: '2.0', id: toA.id, result: {} });
      await transport.send({ jsonrpc: '2.0', id: toB.id, result: { b: true } });
      await expect(other).resolves.toEqual({ jsonrpc: '2.0', id: 1, result: { b: true } });
      expect(settled).toBe(false);
    });

    it('refuses requests before a server is connected', () => {
      const fresh = new HttpRouterTransport();
      expect(() => fresh.request(callFrom('A', 1), {})).toThrow('Transport is not connected');
    });
  });

  describe('with one real SDK Server', () => {
    let server: Server;
    let transport: HttpRouterTransport;

    beforeEach(async () => {
      server = new Server({ name: 'test', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
        const caller = String(req.params.arguments?.caller);
        // Later callers finish first, so answers come back in the reverse order.
        await sleep(Number(caller.split('-')[1] ?? 0) % 2 === 0 ? 15 : 1);
        const header = extra.requestInfo?.headers['x-caller'];
        return { content: [{ type: 'text', text: `${caller}|${String(header)}` }] };
      });
      transport = new HttpRouterTransport();
      await server.connect(transport);
    });
    afterEach(async () => {
      await server.close();
    });

    it('routes 20 concurrent requests that all use id 1 back to their own callers, with their own request info', async () => {
      const callers = Array.from({ length: 20 }, (_, i) => `${i % 2 ? 'bob' : 'alice'}-${i}`);
      const replies = await Promise.all(callers.map((c) => transport.request(callFrom(c, 1), { requestInfo: { headers: { 'x-caller': c } } })));
      replies.forEach((reply, i) => {
        expect(reply).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: `${callers[i]}|${callers[i]}` }] } });
      });
      expect(transport.inFlight).toBe(0);
    });

    it('answers an unknown method with method-not-found under the caller id', async () => {
      const reply = await transport.request({ jsonrpc: '2.0', id: 'x', method: 'no/such' }, {});
      expect(reply).toMatchObject({ jsonrpc: '2.0', id: 'x', error: { code: -32601 } });
    });

    it('close() of the server resolves requests still running', async () => {
      const pending = transport.request(callFrom('alice-0', 5), {});
      await server.close();
      await expect(pending).resolves.toMatchObject({ id: 5, error: { code: -32000 } });
    });
  });
});
