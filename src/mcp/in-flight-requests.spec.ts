import { InFlightRequests, REQUEST_CANCELLED, REQUEST_TIMEOUT, type RequestControl } from './in-flight-requests.js';
import type { RoutedReply } from './in-flight-requests.js';

const ok = (id: number, value: unknown): RoutedReply => ({ message: { jsonrpc: '2.0', id, result: { value } }, ladder: false });

/** A runner that answers only when told to, and records its signal. */
function controlled() {
  let answer!: (m: RoutedReply) => void;
  const seen: { id?: number; signal?: AbortSignal; stopped?: string } = {};
  const runner = (id: number, control: RequestControl) => {
    seen.id = id;
    seen.signal = control.signal;
    control.onStop((reason) => (seen.stopped = reason.message));
    return new Promise<RoutedReply>((resolve) => (answer = resolve));
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
    await expect(pa).resolves.toEqual({ message: { jsonrpc: '2.0', id: 1, result: { value: 'A' } }, ladder: false });
    await expect(pb).resolves.toEqual({ message: { jsonrpc: '2.0', id: 1, result: { value: 'B' } }, ladder: false });
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
    await expect(pa).resolves.toEqual({
      message: { jsonrpc: '2.0', id: 7, error: { code: REQUEST_CANCELLED, message: 'Request cancelled by the client' } },
      ladder: false,
    });
    expect(alice.seen.signal!.aborted).toBe(true);
    expect(bob.seen.signal!.aborted).toBe(false);
    bob.answer('still here');
    await expect(pb).resolves.toMatchObject({ message: { id: 7, result: { value: 'still here' } } });
    // The late answer of the cancelled request goes nowhere.
    alice.answer('late');
  });

  it('a request still running at the deadline is answered with a timeout error and its handler aborted', async () => {
    const inFlight = new InFlightRequests(100);
    const slow = controlled();
    const started = Date.now();
    // The sweep timer does not hold the process open (a server's sockets do); this test's timer does.
    const alive = setTimeout(() => undefined, 5000);
    const reply = await inFlight.run('carol', 'x', slow.runner);
    clearTimeout(alive);
    // Swept every quarter of the deadline: answered between 100 and 125 ms (plus timer slack).
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(400);
    expect(reply.message).toEqual({ jsonrpc: '2.0', id: 'x', error: { code: REQUEST_TIMEOUT, message: expect.stringContaining('MCP_REQUEST_TIMEOUT_MS') } });
    expect(slow.seen.signal!.aborted).toBe(true);
    expect(slow.seen.stopped).toBe('request timed out');
    expect(inFlight.size).toBe(0);
  });

  it('a runner that throws is an internal error under the caller id, never a rejection', async () => {
    const inFlight = new InFlightRequests(10_000);
    const reply = await inFlight.run('dave', 3, () => Promise.reject(new Error('boom')));
    expect(reply.message).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'Internal error: boom' } });
  });

  it('abortAll answers every request (shutdown)', async () => {
    const inFlight = new InFlightRequests(10_000);
    const replies = ['a', 'b'].map((c, i) => inFlight.run(c, i, controlled().runner));
    inFlight.abortAll('Server is shutting down');
    expect((await Promise.all(replies)).map((r) => r.message)).toEqual([
      { jsonrpc: '2.0', id: 0, error: { code: -32000, message: 'Server is shutting down' } },
      { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'Server is shutting down' } },
    ]);
  });

  it('a client that goes away cancels its request (2026-07-28: closing the stream is the cancellation)', async () => {
    const inFlight = new InFlightRequests(10_000);
    let gone!: () => void;
    const slow = controlled();
    const reply = inFlight.run('erin', 5, slow.runner, { onAbandon: (fn) => (gone = fn) });
    gone();
    expect((await reply).message).toEqual({
      jsonrpc: '2.0',
      id: 5,
      error: { code: REQUEST_CANCELLED, message: expect.stringContaining('closed the connection') },
    });
    expect(slow.seen.signal!.aborted).toBe(true);
  });
});
