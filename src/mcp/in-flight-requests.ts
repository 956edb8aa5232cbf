import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';

/** How the server answered one request. */
export interface RoutedReply {
  message: JSONRPCMessage;
  /**
   * True when the SDK answered before any handler ran (method not in this era's registry, era
   * mismatch, bad envelope): the "validation ladder", whose errors carry an HTTP status.
   */
  ladder: boolean;
}

/** Codes of the errors that end a request the server gave up on (JSON-RPC §5.1 implementation-defined range). */
export const REQUEST_TIMEOUT = -32001;
export const REQUEST_CANCELLED = -32800;

/** How a running request is stopped (cancellation, deadline, client gone, shutdown). */
export interface RequestControl {
  /** Aborted when the request is stopped; created on first use (most requests never need one). */
  readonly signal: AbortSignal;
  /** Runs `fn` once when the request is stopped (at once if it already was). */
  onStop(fn: (reason: Error) => void): void;
}

/** Something that can tell when the client of an HTTP request has gone away. */
export interface Abandonment {
  onAbandon(fn: () => void): void;
}

/** A handler's work for one request, under the server-side id; rejections become internal errors. */
export type RequestRunner = (internalId: number, control: RequestControl) => Promise<RoutedReply>;

class Control implements RequestControl {
  private controller?: AbortController;
  private listeners?: ((reason: Error) => void)[];
  private reason?: Error;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  onStop(fn: (reason: Error) => void): void {
    if (this.reason) fn(this.reason);
    else (this.listeners ??= []).push(fn);
  }

  stop(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    for (const fn of this.listeners ?? []) fn(reason);
  }
}

interface Entry {
  caller: string;
  key: string;
  originalId: RequestId;
  deadline: number;
  control: Control;
  settle: (reply: RoutedReply) => void;
}

/**
 * Every JSON-RPC request in flight on this instance, whoever sent it. Each gets a fresh server-side id
 * (ids chosen by different callers never collide), a deadline, and a way to stop it. A cancellation
 * reaches only a request of the same caller (user × client) under the id that caller chose: one
 * user's notifications never touch another user's requests (SECURITY 33). Deadlines are checked by
 * one sweep timer (a timer per request cost more than the rest of this class), so a request ends at
 * most a quarter of the deadline (and never more than a second) after it.
 */
export class InFlightRequests {
  private nextId = 0;
  /** In arrival order, which is deadline order (one deadline for all). */
  private readonly entries = new Map<number, Entry>();
  private readonly byCaller = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly deadlineMs: number) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(25, Math.min(1000, Math.floor(deadlineMs / 4)))).unref();
  }

  /**
   * Runs `runner` and resolves with its reply under the caller's id; at the deadline, or when the
   * client has gone away (`abandoned`), with an error, the handler being stopped. Never rejects.
   */
  run(caller: string, originalId: RequestId, runner: RequestRunner, abandoned?: Abandonment): Promise<RoutedReply> {
    const internalId = ++this.nextId;
    const key = callerKey(caller, originalId);
    const control = new Control();
    return new Promise<RoutedReply>((resolve) => {
      const entry: Entry = {
        caller,
        key,
        originalId,
        deadline: Date.now() + this.deadlineMs,
        control,
        settle: (reply) => {
          if (this.entries.get(internalId) !== entry) return;
          this.entries.delete(internalId);
          if (this.byCaller.get(key) === internalId) this.byCaller.delete(key);
          resolve({ message: { ...reply.message, id: originalId } as JSONRPCMessage, ladder: reply.ladder });
        },
      };
      this.entries.set(internalId, entry);
      this.byCaller.set(key, internalId);
      abandoned?.onAbandon(() => this.stop(entry, REQUEST_CANCELLED, 'Request cancelled: the client closed the connection', 'client closed the connection'));
      runner(internalId, control).then(entry.settle, (e: unknown) =>
        entry.settle(failure(originalId, -32603, `Internal error: ${e instanceof Error ? e.message : 'request failed'}`)),
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
    this.stop(entry, REQUEST_CANCELLED, 'Request cancelled by the client', typeof reason === 'string' ? reason.slice(0, 200) : 'cancelled by the client');
    return true;
  }

  /** Ends every request (shutdown): each HTTP request gets an answer. */
  abortAll(message: string): void {
    clearInterval(this.sweeper);
    for (const entry of [...this.entries.values()]) this.stop(entry, -32000, message, message);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const entry of this.entries.values()) {
      if (entry.deadline > now) break;
      this.stop(entry, REQUEST_TIMEOUT, `Request timed out: no answer within ${this.deadlineMs} ms (MCP_REQUEST_TIMEOUT_MS)`, 'request timed out');
    }
  }

  private stop(entry: Entry, code: number, message: string, reason: string): void {
    entry.control.stop(new Error(reason));
    entry.settle(failure(entry.originalId, code, message));
  }
}

function callerKey(caller: string, id: RequestId): string {
  return `${caller}\u0000${typeof id === 'number' ? 'n' : 's'}${id}`;
}

function failure(id: RequestId, code: number, message: string): RoutedReply {
  return { message: { jsonrpc: '2.0', id, error: { code, message } }, ladder: false };
}
