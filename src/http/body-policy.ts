import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, urlencoded, type NextFunction, type Request, type Response } from 'express';

/** What every request body may be, on every route, /mcp included. */
export const BODY_LIMITS = {
  /** JSON bodies (MCP messages, /register, the admin API). */
  jsonBytes: 1024 * 1024,
  /** Form bodies (/token, /revoke, /introspect, the consent form). */
  formBytes: 64 * 1024,
  /** Nesting of arrays and objects: deeper JSON is refused before it is parsed (no stack overflow downstream). */
  jsonDepth: 64,
} as const;

export type BodyProblem = 'too_large' | 'malformed' | 'too_deep' | 'unreadable' | 'unsupported';

const PROBLEMS: Record<BodyProblem, { status: number; message: string }> = {
  too_large: { status: 413, message: 'Request body too large' },
  malformed: { status: 400, message: 'Malformed JSON body' },
  too_deep: { status: 400, message: `JSON body nested deeper than ${BODY_LIMITS.jsonDepth} levels` },
  unreadable: { status: 400, message: 'Unreadable request body' },
  unsupported: { status: 415, message: 'Unsupported body encoding or charset' },
};

/** A body the policy refuses: its status and message are the same on REST routes and /mcp (which words it as JSON-RPC). */
export class BodyError extends Error {
  readonly status: number;

  constructor(readonly problem: BodyProblem) {
    super(PROBLEMS[problem].message);
    this.name = 'BodyError';
    this.status = PROBLEMS[problem].status;
  }
}

/**
 * Whether JSON text nests arrays/objects deeper than `max`, by one pass over the bytes (brackets inside
 * strings do not count). UTF-8 continuation bytes are never ASCII, so scanning bytes is exact.
 */
export function jsonDepthExceeds(bytes: Uint8Array, max: number = BODY_LIMITS.jsonDepth): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Parses a JSON body under the policy (depth first, then JSON.parse); throws BodyError. */
export function parseJsonBody(bytes: Buffer): unknown {
  if (jsonDepthExceeds(bytes)) throw new BodyError('too_deep');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new BodyError('malformed');
  }
}

/** Reads and parses a JSON body straight from the socket (the /mcp path, which Express's parsers skip). */
export function readJsonBody(req: IncomingMessage, limit: number = BODY_LIMITS.jsonBytes): Promise<unknown> {
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    return Promise.reject(new BodyError('too_large'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (problem: BodyProblem) => {
      if (done) return;
      done = true;
      reject(new BodyError(problem));
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        fail('too_large');
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      try {
        resolve(parseJsonBody(Buffer.concat(chunks, size)));
      } catch (e) {
        reject(e instanceof BodyError ? e : new BodyError('malformed'));
      }
    });
    req.on('error', () => fail('unreadable'));
    req.on('aborted', () => fail('unreadable'));
  });
}

type Parser = (req: Request, res: Response, next: NextFunction) => void;

/** body-parser's error `type`s mapped onto the policy's problems; anything else is not a body problem. */
function problemOf(err: { type?: string }): BodyProblem | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return 'too_large';
    case 'entity.parse.failed':
      return 'malformed';
    case 'entity.verify.failed':
      return 'too_deep';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'unsupported';
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return 'unreadable';
    default:
      return undefined;
  }
}

/** Runs body-parser and turns its failures into the policy's 4xx `{error, error_description}` (REST routes). */
function guarded(parser: Parser): Parser {
  return (req, res, next) =>
    parser(req, res, (err?: unknown) => {
      const problem = err ? problemOf(err) : undefined;
      if (!err) return next();
      if (!problem) return next(err);
      const { status, message } = new BodyError(problem);
      res.status(status).json({ error: 'invalid_request', error_description: message });
    });
}

/** Express's JSON and form parsers under the policy, for every route but /mcp. */
export function bodyParsers(): Parser[] {
  const tooDeep = (_req: IncomingMessage, _res: ServerResponse, buf: Buffer) => {
    if (jsonDepthExceeds(buf)) throw Object.assign(new Error('too deep'), { status: 400, type: 'entity.verify.failed' });
  };
  return [
    guarded(json({ limit: BODY_LIMITS.jsonBytes, type: ['application/json', 'application/*+json'], verify: tooDeep })),
    guarded(urlencoded({ limit: BODY_LIMITS.formBytes, extended: false })),
  ];
}
