import { Server, type JSONRPCMessage, type JSONRPCRequest } from '@modelcontextprotocol/server';
import type { RequestControl } from './in-flight-requests.js';
import { RouterTransport } from './router.transport.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A RequestControl a test stops by hand. */
function control(): RequestControl & { stop(reason: string): void } {
  const listeners: ((e: Error) => void)[] = [];
  const ac = new AbortController();
  return {
    signal: ac.signal,
    onStop: (fn) => void listeners.push(fn),
    stop: (reason) => {
      ac.abort(new Error(reason));
      for (const fn of listeners) fn(new Error(reason));
    },
  };
}

function call(id: number, caller: string, ms = 0): JSONRPCRequest {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: { caller, ms } } };
}

describe('RouterTransport with one long-lived SDK v2 Server', () => {
  let server: Server;
  let transport: RouterTransport;
  const aborted: string[] = [];

  beforeEach(async () => {
    server = new Server({ name: 'test', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/call', async (req, ctx) => {
      const { caller, ms } = req.params.arguments as { caller: string; ms: number };
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: caller, progress: 1 } });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        ctx.mcpReq.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          aborted.push(caller);
          resolve();
        });
      });
      return { content: [{ type: 'text', text: caller }] };
    });
    transport = new RouterTransport({ era: 'legacy' });
    await server.connect(transport);
  });
  afterEach(async () => {
    await server.close();
  });

  it('routes 20 concurrent answers, and each request its own notifications, back to the request they belong to', async () => {
    const seen = new Map<number, JSONRPCMessage[]>();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        transport.request(call(i + 1, `c${i}`, (20 - i) % 7), control(), (n) => seen.set(i + 1, [...(seen.get(i + 1) ?? []), n])),
      ),
    );
    replies.forEach((reply, i) => {
      expect(reply).toEqual({ message: { jsonrpc: '2.0', id: i + 1, result: { content: [{ type: 'text', text: `c${i}` }] } }, ladder: false });
      expect(seen.get(i + 1)).toEqual([{ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: `c${i}`, progress: 1 } }]);
    });
    expect(transport.inFlight).toBe(0);
  });

  it('an answer given before any handler runs is marked as the ladder (unknown method)', async () => {
    const reply = await transport.request({ jsonrpc: '2.0', id: 7, method: 'no/such' }, control(), () => undefined);
    expect(reply).toMatchObject({ message: { id: 7, error: { code: -32601 } }, ladder: true });
  });

  it('stopping a request aborts its handler only, and its answer is no longer awaited', async () => {
    const stopped = control();
    let settled = false;
    void transport.request(call(1, 'stopped', 5000), stopped, () => undefined).then(() => (settled = true));
    const other = transport.request(call(2, 'other', 30), control(), () => undefined);
    await sleep(10);
    stopped.stop('deadline');
    await expect(other).resolves.toMatchObject({ message: { id: 2, result: { content: [{ text: 'other' }] } } });
    await sleep(20);
    expect(aborted).toContain('stopped');
    expect(aborted).not.toContain('other');
    expect(settled).toBe(false);
  });

  it('close() answers every pending request', async () => {
    const pending = transport.request(call(3, 'late', 5000), control(), () => undefined);
    await transport.close();
    await expect(pending).resolves.toMatchObject({ message: { id: 3, error: { code: -32000 } } });
  });
});
