import { hkdfSync } from 'node:crypto';
import { createRequestStateCodec, ProtocolError, ProtocolErrorCode, type RequestStateCodec, type ServerContext } from '@modelcontextprotocol/server';

/** How long a minted requestState stays valid: a person answering a question (10 minutes). */
export const REQUEST_STATE_TTL_SECONDS = 600;

/** What a round carries to the next: what it was minted for (tool name, prompt name or resource URI) and the tool's own data. */
interface Sealed {
  t: string;
  d: unknown;
}

/**
 * The multi-round-trip `requestState` of 2026-07-28 (basic/patterns/mrtr §Server Requirements: state
 * that influences behaviour MUST be integrity-protected, and state that fails verification MUST be
 * rejected). The SDK's HMAC-SHA256 codec with:
 * - a key derived (HKDF-SHA256) from KEY_ENCRYPTION_SECRET for this purpose alone, so every instance
 *   verifies what any instance minted;
 * - a binding to the caller (user and OAuth client) and the method, kept as an HMAC tag, never in the clear;
 * - the tool (prompt, resource) it was minted for, inside the signed payload;
 * - an expiry.
 * The codec's `verify` is the SDK server's `requestState.verify` hook: a bad MAC, an expired state or
 * another caller's state is refused by the SDK with -32602 before any handler runs.
 */
export class RequestStateSeal {
  private readonly codec: RequestStateCodec<Sealed>;

  /** `caller`: who is calling now (see `callerBinding`), read on mint and on verify. */
  constructor(secret: string, caller: () => string, ttlSeconds = REQUEST_STATE_TTL_SECONDS) {
    const key = new Uint8Array(hkdfSync('sha256', secret, 'secure-mcp-server', 'mcp-request-state', 32));
    this.codec = createRequestStateCodec<Sealed>({ key, ttlSeconds, bind: (ctx) => `${caller()}\u0000${ctx.mcpReq.method}` });
  }

  /** Seals `data` for the next round of a request to `target`. */
  mint(target: string, data: unknown, ctx: ServerContext): Promise<string> {
    return this.codec.mint({ t: target, d: data === undefined ? null : data }, ctx);
  }

  /** The SDK's verify hook: the sealed payload, or a throw (the SDK answers -32602). */
  readonly verify = (state: string, ctx: ServerContext): Promise<Sealed> => this.codec.verify(state, ctx);

  /**
   * The tool's data from a payload `verify` returned, when it was minted for `target`; state minted
   * for another tool is refused as the SDK refuses any other bad state.
   */
  static dataFor(payload: unknown, target: string): unknown {
    const sealed = payload as Partial<Sealed> | null | undefined;
    if (!sealed || typeof sealed !== 'object' || sealed.t !== target) throw invalidRequestState();
    return sealed.d;
  }
}

/** The caller a state is bound to: user and OAuth client (a client-credentials token has no user). */
export function callerBinding(userId: string | undefined, clientId: string | undefined): string {
  return `${userId ?? '-'}\u0000${clientId ?? '-'}`;
}

/** The SDK's own answer to state that fails verification (frozen message and reason). */
export function invalidRequestState(): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState', { reason: 'invalid_request_state' });
}
