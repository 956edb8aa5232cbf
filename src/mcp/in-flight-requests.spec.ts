import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { InFlightRequests, REQUEST_CANCELLED, REQUEST_TIMEOUT } from './in-flight-requests.js';

const ok = (id: number, value: unknown): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { value } });

/** A runner that answers only when told to, and records its signal. */
function controlled() {
  let answer!: (m: JSONRPCMessage) => void;
  const seen: { id?: number; signal?: AbortSignal } = {};
  const runner = (id: number, signal: AbortSignal) => {
    seen.id = id;
    seen.signal = signal;
    return new Promise<JSONRPCMessage>((resolve) => (answer = resolve));
  };
  return { runner, seen, answer: (v: unknown) => answer(ok(seen.id!, v)) };
}

describe('InFlightRequests', () => {
  it('answers under the caller id; server-side ids are unique whatever the callers chose', async () => {
    const inFlight = new InFlightRequests(10_000);
    const a = controlled();
    const b = controlled();
    const pa = inFlight.run('alice', 1, a.runner);
    const pb = inFlight.run('bob', 1, b.runner);
    expect(a.seen.id).not.toBe(b.seen.id);
    b.answer('B');
    a.answer('A');
    await expect(pa).resolves.toEqual({ jsonrpc: '2.0', id: 1, result: { value: 'A' } });
    await expect(pb).resolves.toEqual({ jsonrpc: '2.0', id: 1, result: { value: 'B' } });
    expect(inFlight.size).toBe(0);
  });

  it("a cancellation reaches only the same caller's request with that id", async () => {
    const inFlight = new InFlightRequests(10_000);
    const alice = controlled();
    const bob = controlled();
    const pa = inFlight.run('alice', 7, alice.runner);
    const pb = inFlight.run('bob', 7, bob.runner);
    expect(inFlight.cancel('alice', 7, 'enough')).toBe(true);
    expect(inFlight.cancel('alice', 7)).toBe(false);
    expect(inFlight.cancel('alice', '7')).toBe(false);
    expect(inFlight.cancel('mallory', 7)).toBe(false);
    for (const id of [bob.seen.id, alice.seen.id, 0, -1, 'x', null, {}]) expect(inFlight.cancel('alice', id)).toBe(false);
    await expect(pa).resolves.toEqual({ jsonrpc: '2.0', id: 7, error: { code: REQUEST_CANCELLED, message: 'Request cancelled by the client' } });
    expect(alice.seen.signal!.aborted).toBe(true);
    expect(bob.seen.signal!.aborted).toBe(false);
    bob.answer('still here');
    await expect(pb).resolves.toMatchObject({ id: 7, result: { value: 'still here' } });
    // The late answer of the cancelled request goes nowhere.
    alice.answer('late');
  });

  it('a request still running at the deadline is answered with a timeout error and its handler aborted', async () => {
    const inFlight = new InFlightRequests(30);
    const slow = controlled();
    const started = Date.now();
    const reply = await inFlight.run('carol', 'x', slow.runner);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(reply).toEqual({ jsonrpc: '2.0', id: 'x', error: { code: REQUEST_TIMEOUT, message: expect.stringContaining('MCP_REQUEST_TIMEOUT_MS') } });
    expect(slow.seen.signal!.aborted).toBe(true);
    expect(inFlight.size).toBe(0);
  });

  it('a runner that throws is an internal error under the caller id, never a rejection', async () => {
    const inFlight = new InFlightRequests(10_000);
    const reply = await inFlight.run('dave', 3, () => Promise.reject(new Error('boom')));
    expect(reply).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'Internal error: boom' } });
  });

  it('abortAll answers every request (shutdown)', async () => {
    const inFlight = new InFlightRequests(10_000);
    const replies = ['a', 'b'].map((c, i) => inFlight.run(c, i, controlled().runner));
    inFlight.abortAll('Server is shutting down');
    expect(await Promise.all(replies)).toEqual([
      { jsonrpc: '2.0', id: 0, error: { code: -32000, message: 'Server is shutting down' } },
      { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'Server is shutting down' } },
    ]);
  });
});
