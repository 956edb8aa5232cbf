import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface LimitedGetOptions {
  /** Total time for connecting, the headers and the whole body: a slow drip cannot stretch it. */
  deadlineMs: number;
  /** Largest body accepted, declared or not. */
  maxBytes: number;
  accept: string;
  /** Resolves and vets the address actually connected to (see guardedLookup), so DNS rebinding cannot slip past. */
  lookup?: LookupFunction;
}

export interface LimitedResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Why an outbound GET gave no usable answer; the message is safe to show the person or client. */
export class OutboundFetchError extends Error {}

/**
 * SECURITY 37: one GET to a server someone else chose (client metadata documents, and any other
 * outbound fetch that needs it), with a total deadline, a size cap, and no redirect followed: a 3xx
 * is returned as it is, for the caller to refuse. Only a 2xx body is read.
 */
export function limitedGet(url: URL, opts: LimitedGetOptions): Promise<LimitedResponse> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: OutboundFetchError | undefined, response?: LimitedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const req = request(url, { method: 'GET', headers: { accept: opts.accept }, lookup: opts.lookup }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const contentType = res.headers['content-type'] ?? '';
      if (status < 200 || status > 299) return finish(undefined, { status, contentType, body: Buffer.alloc(0) });
      if (Number(res.headers['content-length']) > opts.maxBytes) return finish(new OutboundFetchError(`the answer is larger than ${opts.maxBytes} bytes`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) finish(new OutboundFetchError(`the answer is larger than ${opts.maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, { status, contentType, body: Buffer.concat(chunks, size) }));
      res.on('error', (e) => finish(new OutboundFetchError(e.message)));
    });
    const deadline = setTimeout(() => finish(new OutboundFetchError(`no complete answer within ${opts.deadlineMs / 1000} s`)), opts.deadlineMs);
    req.on('error', (e) => finish(new OutboundFetchError(e.message)));
    req.end();
  });
}
