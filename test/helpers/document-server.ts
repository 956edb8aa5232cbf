import { createServer, type Server } from 'node:http';

export interface ServedDocument {
  status?: number;
  contentType?: string;
  /** Further response headers (a Location, for instance). */
  headers?: Record<string, string>;
  body: string;
}

/**
 * A tiny HTTP server on 127.0.0.1 that serves Client ID Metadata Documents set by the test, and
 * records every connection and request (to prove an SSRF guard never reached it).
 */
export class DocumentServer {
  readonly documents = new Map<string, ServedDocument>();
  readonly requests: string[] = [];
  connections = 0;
  private server?: Server;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      const doc = this.documents.get(req.url ?? '');
      if (!doc) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end('{"error":"not found"}');
      }
      res.writeHead(doc.status ?? 200, { 'content-type': doc.contentType ?? 'application/json', ...doc.headers });
      res.end(doc.body);
    });
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Serves `doc` as JSON at `path` and returns the document's URL. */
  serveJson(path: string, doc: unknown): string {
    this.documents.set(path, { body: JSON.stringify(doc) });
    return `${this.url}${path}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
