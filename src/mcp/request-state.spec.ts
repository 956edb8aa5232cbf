import type { ServerContext } from '@modelcontextprotocol/server';
import { callerBinding, RequestStateSeal } from './request-state.js';

const SECRET = 'a-key-encryption-secret-of-at-least-32-chars';
const ctx = (method = 'tools/call') => ({ mcpReq: { method } }) as unknown as ServerContext;

describe('RequestStateSeal (2026-07-28 requestState)', () => {
  let caller = callerBinding('user-1', 'client-1');
  const seal = new RequestStateSeal(SECRET, () => caller);
  beforeEach(() => {
    caller = callerBinding('user-1', 'client-1');
  });

  it('round-trips the tool data, for the tool it was minted for', async () => {
    const state = await seal.mint('notes.delete', { id: 'n-1' }, ctx());
    const payload = await seal.verify(state, ctx());
    expect(RequestStateSeal.dataFor(payload, 'notes.delete')).toEqual({ id: 'n-1' });
  });

  it('keeps the caller out of the wire value (an HMAC tag, not the ids)', async () => {
    const state = await seal.mint('notes.delete', { id: 'n-1' }, ctx());
    const body = Buffer.from(state.split('.')[1], 'base64url').toString('utf8');
    expect(body).not.toContain('user-1');
    expect(body).not.toContain('client-1');
  });

  it('refuses a tampered state: payload changed, MAC changed, truncated, garbage', async () => {
    const state = await seal.mint('notes.delete', { id: 'n-1' }, ctx());
    const [prefix, body, mac] = state.split('.');
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString('utf8').replace('n-1', 'n-2')).toString('base64url');
    const flipped = mac.slice(0, -2) + (mac.at(-2) === 'A' ? 'B' : 'A') + mac.at(-1);
    for (const bad of [`${prefix}.${forged}.${mac}`, `${prefix}.${body}.${flipped}`, `${prefix}.${body}`, 'garbage', '', 'v1..', `${state}x`]) {
      await expect(seal.verify(bad, ctx())).rejects.toThrow();
    }
  });

  it('refuses an expired state', async () => {
    const expiring = new RequestStateSeal(SECRET, () => caller, -1);
    const state = await expiring.mint('notes.delete', { id: 'n-1' }, ctx());
    await expect(expiring.verify(state, ctx())).rejects.toThrow('expired');
    // The same state under a seal that would still accept it by time: the expiry is inside the signed payload.
    await expect(seal.verify(state, ctx())).rejects.toThrow('expired');
  });

  it("refuses another user's, another client's and another method's state", async () => {
    const state = await seal.mint('notes.delete', { id: 'n-1' }, ctx());
    caller = callerBinding('user-2', 'client-1');
    await expect(seal.verify(state, ctx())).rejects.toThrow('bind');
    caller = callerBinding('user-1', 'client-2');
    await expect(seal.verify(state, ctx())).rejects.toThrow('bind');
    caller = callerBinding('user-1', 'client-1');
    await expect(seal.verify(state, ctx('prompts/get'))).rejects.toThrow('bind');
    // No user (a client-credentials token) is a caller of its own, not a wildcard.
    caller = callerBinding(undefined, 'client-1');
    await expect(seal.verify(state, ctx())).rejects.toThrow('bind');
  });

  it("refuses another tool's state with the SDK's -32602", async () => {
    const state = await seal.mint('notes.delete', { id: 'n-1' }, ctx());
    const payload = await seal.verify(state, ctx());
    expect(() => RequestStateSeal.dataFor(payload, 'notes.update')).toThrow(
      expect.objectContaining({ code: -32602, message: expect.stringContaining('Invalid or expired requestState') }),
    );
    expect(() => RequestStateSeal.dataFor(undefined, 'notes.delete')).toThrow(expect.objectContaining({ code: -32602 }));
  });

  it('uses a key derived from the secret (HKDF), not the secret itself; another secret cannot verify', async () => {
    const state = await seal.mint('notes.delete', { id: 'n-1' }, ctx());
    await expect(new RequestStateSeal('another-secret-that-is-long-enough-32+', () => caller).verify(state, ctx())).rejects.toThrow('mac');
    const { createRequestStateCodec } = await import('@modelcontextprotocol/server');
    const raw = createRequestStateCodec({ key: SECRET });
    await expect(raw.verify(state, ctx())).rejects.toThrow('mac');
  });
});
