import type { ServerResponse } from 'node:http';
import type { JSONRPCNotification } from '@modelcontextprotocol/server';
import type { ExchangeSink } from './mcp-dispatcher.service.js';

export type Headers = Record<string, string | number>;

/**
 * The HTTP response of one /mcp request that may stream: JSON unless the handler sends a notification
 * about the request (progress, a log message) before its result; then an SSE stream scoped to this
 * request, ended by the result (2026-07-28 transports/streamable-http §Receiving Messages; 2025-11-25
 * allows the same). Nothing streams when the client's Accept does not allow it.
 */
export class McpExchange implements ExchangeSink {
  private streaming = false;
  private abandonListeners?: (() => void)[];

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Headers,
    private readonly sseAllowed: boolean,
  ) {}

  /** Runs `fn` if the client goes away before the response is complete (2026-07-28: closing the stream cancels the request). */
  onAbandon(fn: () => void): void {
    if (!this.abandonListeners) {
      this.abandonListeners = [];
      this.res.once('close', () => {
        if (this.res.writableFinished) return;
        for (const listener of this.abandonListeners!) listener();
      });
    }
    this.abandonListeners.push(fn);
  }

  get isStreaming(): boolean {
    return this.streaming;
  }

  notify(notification: JSONRPCNotification): void {
    if (!this.sseAllowed || this.res.writableEnded || this.res.destroyed) return;
    if (!this.streaming) {
      this.streaming = true;
      // Spec: SSE responses SHOULD carry X-Accel-Buffering: no, so proxies pass events on at once.
      this.res.writeHead(200, { ...this.headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    }
    this.res.write(frame(JSON.stringify(notification)));
  }

  /** Ends the stream with the request's response. */
  end(json: string): void {
    if (!this.res.writableEnded) this.res.end(frame(json));
  }
}

/** One SSE event; JSON text never contains a raw newline, so one `data:` line carries it. */
function frame(json: string): string {
  return `event: message\ndata: ${json}\n\n`;
}
