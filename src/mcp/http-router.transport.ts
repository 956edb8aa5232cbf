import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';

interface Pending {
  originalId: RequestId;
  resolve: (message: JSONRPCMessage) => void;
}

/**
 * A Transport that lets one long-lived SDK Server answer many concurrent stateless HTTP requests.
 * Each incoming request gets a fresh internal JSON-RPC id (so ids chosen by different clients never
 * collide); the response is mapped back to the caller's id and handed to the waiting HTTP request.
 * Server-initiated messages have no stream to travel on in stateless JSON mode and are dropped.
 */
export class HttpRouterTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;

  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  async start(): Promise<void> {}

  async close(): Promise<void> {
    for (const [id, p] of this.pending) {
      p.resolve({ jsonrpc: '2.0', id: p.originalId, error: { code: -32000, message: 'Server is shutting down' } });
      this.pending.delete(id);
    }
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!('id' in message) || 'method' in message || typeof message.id !== 'number') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    pending.resolve({ ...message, id: pending.originalId });
  }

  /**
   * Hands a request to the server and resolves with its response, under the caller's original id.
   * When `signal` aborts, the server is told to stop (a cancellation under the internal id, so it
   * reaches only this request) and the answer is no longer awaited.
   */
  request(message: JSONRPCRequest, extra: MessageExtraInfo, signal?: AbortSignal): Promise<JSONRPCMessage> {
    if (!this.onmessage) throw new Error('Transport is not connected');
    const id = ++this.nextId;
    const deliver = this.onmessage;
    return new Promise((resolve) => {
      this.pending.set(id, { originalId: message.id, resolve });
      signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.delete(id)) return;
          deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: String(signal.reason) } }, extra);
        },
        { once: true },
      );
      deliver({ ...message, id }, extra);
    });
  }

  notify(message: JSONRPCNotification, extra: MessageExtraInfo): void {
    this.onmessage?.(message, extra);
  }

  get inFlight(): number {
    return this.pending.size;
  }
}
