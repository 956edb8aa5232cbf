import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

/** Codes of the errors that end a request the server gave up on (JSON-RPC §5.1 implementation-defined range). */
export const REQUEST_TIMEOUT = -32001;
export const REQUEST_CANCELLED = -32800;

interface Entry {
  caller: string;
  key: string;
  controller: AbortController;
  settle: (reply: JSONRPCMessage) => void;
}

/** A handler's work for one request, under the server-side id; rejections become internal errors. */
export type RequestRunner = (internalId: number, signal: AbortSignal) => Promise<JSONRPCMessage>;

/**
 * Every JSON-RPC request in flight on this instance, whoever sent it. Each gets a fresh server-side id
 * (ids chosen by different callers never collide), a deadline, and an AbortSignal. A cancellation
 * reaches only a request of the same caller (user × client) under the id that caller chose: one
 * user's notifications never touch another user's requests (SECURITY 33).
 */
export class InFlightRequests {
  private nextId = 0;
  private readonly entries = new Map<number, Entry>();
  private readonly byCaller = new Map<string, number>();

  constructor(private readonly deadlineMs: number) {}

  /** Runs `runner` and resolves with its reply under the caller's id, or with an error at the deadline. Never rejects. */
  run(caller: string, originalId: RequestId, runner: RequestRunner): Promise<JSONRPCMessage> {
    const internalId = ++this.nextId;
    const key = callerKey(caller, originalId);
    const controller = new AbortController();
    return new Promise<JSONRPCMessage>((resolve) => {
      const timer = setTimeout(() => {
        controller.abort(new Error('request timed out'));
        settle(failure(originalId, REQUEST_TIMEOUT, `Request timed out: no answer within ${this.deadlineMs} ms (MCP_REQUEST_TIMEOUT_MS)`));
      }, this.deadlineMs);
      const settle = (reply: JSONRPCMessage) => {
        if (this.entries.get(internalId) !== entry) return;
        clearTimeout(timer);
        this.entries.delete(internalId);
        if (this.byCaller.get(key) === internalId) this.byCaller.delete(key);
        resolve({ ...reply, id: originalId });
      };
      const entry: Entry = { caller, key, controller, settle };
      this.entries.set(internalId, entry);
      this.byCaller.set(key, internalId);
      runner(internalId, controller.signal).then(settle, (e: unknown) =>
        settle(failure(originalId, -32603, `Internal error: ${e instanceof Error ? e.message : 'request failed'}`)),
      );
    });
  }

  /**
   * notifications/cancelled from `caller`: stops that caller's request with this id, if it is still
   * running, and answers its HTTP request (MCP cancellation: the server stops processing; the client
   * ignores the reply). Ids of other callers are not visible here. Returns whether one was found.
   */
  cancel(caller: string, requestId: unknown, reason?: unknown): boolean {
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return false;
    const internalId = this.byCaller.get(callerKey(caller, requestId));
    const entry = internalId === undefined ? undefined : this.entries.get(internalId);
    if (!entry || entry.caller !== caller) return false;
    entry.controller.abort(new Error(typeof reason === 'string' ? reason.slice(0, 200) : 'cancelled by the client'));
    entry.settle(failure(requestId, REQUEST_CANCELLED, 'Request cancelled by the client'));
    return true;
  }

  /** Ends every request (shutdown): each HTTP request gets an answer. */
  abortAll(message: string): void {
    for (const [id, entry] of [...this.entries]) {
      entry.controller.abort(new Error(message));
      entry.settle(failure(id, -32000, message));
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

function callerKey(caller: string, id: RequestId): string {
  return `${caller}\u0000${typeof id === 'number' ? 'n' : 's'}${id}`;
}

function failure(id: RequestId, code: number, message: string): JSONRPCMessage {
  return { jsonrpc: '2.0', id, error: { code, message } };
}
