import {
  PerRequestHTTPServerTransport,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type MessageClassification,
  type MessageExtraInfo,
  type RequestId,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import type { RequestControl, RoutedReply } from './in-flight-requests.js';

interface Pending {
  resolve: (reply: RoutedReply) => void;
  /** Where the request's own notifications (progress, log messages) go. */
  notify: (notification: JSONRPCNotification) => void;
}

/**
 * The transport of one long-lived SDK `Server`, shared by every HTTP request of one protocol era:
 * each request is delivered under a server-unique id (the caller's id is restored by
 * InFlightRequests), its answer and its related notifications go back to that request only, and
 * anything else the server sends (unrelated notifications, server-to-client requests, which the
 * stateless HTTP transport has no channel for) is dropped.
 *
 * It extends the SDK's per-request transport only for its classification: connecting a `Server`
 * to a transport classified as 2026-07-28 is how the SDK binds an instance to the modern era
 * (`Server.connect`); none of the per-request transport's single-exchange machinery is used.
 */
export class RouterTransport extends PerRequestHTTPServerTransport {
  private readonly pending = new Map<RequestId, Pending>();
  private readonly extra: MessageExtraInfo;
  /** The id being delivered right now: an error sent for it synchronously is a ladder answer. */
  private delivering: RequestId | undefined;

  constructor(classification: MessageClassification) {
    super({ classification });
    this.extra = { classification };
  }

  override async start(): Promise<void> {}

  override async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    // The server's own messages: a response has an id and no method (no zod parse needed on this path).
    if (!('method' in message)) {
      const id = message.id;
      const pending = id === undefined ? undefined : this.pending.get(id);
      if (!pending) return;
      this.pending.delete(id!);
      pending.resolve({ message, ladder: this.delivering === id });
      return;
    }
    const related = options?.relatedRequestId;
    if ('id' in message || related === undefined) return;
    this.pending.get(related)?.notify(message);
  }

  /**
   * Delivers a request whose id is unique on this instance and resolves with the answer. When the
   * request is stopped, the server is told so (a cancellation under its id, which aborts the handler's
   * signal) and the answer is no longer awaited.
   */
  request(message: JSONRPCRequest, control: RequestControl, notify: (notification: JSONRPCNotification) => void): Promise<RoutedReply> {
    const deliver = this.onmessage;
    if (!deliver) return Promise.reject(new Error('Transport is not connected'));
    return new Promise<RoutedReply>((resolve) => {
      this.pending.set(message.id, { resolve, notify });
      control.onStop((reason) => this.abort(message.id, reason));
      this.delivering = message.id;
      try {
        deliver(message, this.extra);
      } finally {
        this.delivering = undefined;
      }
    });
  }

  private abort(id: RequestId, reason: unknown): void {
    if (!this.pending.delete(id)) return;
    const cancelled: JSONRPCNotification = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: id, reason: reason instanceof Error ? reason.message : String(reason) },
    };
    this.onmessage?.(cancelled, this.extra);
  }

  override async close(): Promise<void> {
    for (const [id, pending] of this.pending) {
      pending.resolve({ message: { jsonrpc: '2.0', id, error: { code: -32000, message: 'Server is shutting down' } }, ladder: false });
    }
    this.pending.clear();
    this.onclose?.();
  }

  get inFlight(): number {
    return this.pending.size;
  }
}
