/**
 * The tutorial baseline: an MCP server written the way the MCP tutorials and the SDK's own
 * `simpleStatelessStreamableHttp` example write it. Express 5 + express.json(); a middleware that
 * verifies an HS256 bearer JWT with jose from the raw secret bytes (so jose re-imports the key on every
 * call); then, per request, a new McpServer with the tool registered, a new stateless
 * StreamableHTTPServerTransport (JSON responses), connect, handleRequest, close when the response
 * closes. The tool runs the same SQL as the real server on a pg Pool (max 10).
 *
 * Env: PORT, DATABASE_URL, TUTORIAL_JWT_SECRET, TUTORIAL_ISSUER, TUTORIAL_AUDIENCE.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { announceListening, exitOn, listNotes } from './shared.js';

const PORT = Number(required('PORT'));
const JWT_SECRET = required('TUTORIAL_JWT_SECRET');
const ISSUER = required('TUTORIAL_ISSUER');
const AUDIENCE = required('TUTORIAL_AUDIENCE');

// Same pool settings as the real server (src/database/data-source-options.ts): idle connections live 30 s,
// so they survive the pauses between interleaved benchmark rounds.
const pool = new pg.Pool({ connectionString: required('DATABASE_URL'), max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });

function getServer(userId: string): McpServer {
  const server = new McpServer({ name: 'notes-server', version: '1.0.0' });
  server.registerTool(
    'notes.list',
    {
      title: 'List notes',
      description: 'Lists your notes, newest first.',
      inputSchema: { limit: z.number().int().min(1).max(50).default(20).describe('Page size, 1-50') },
    },
    async ({ limit }) => {
      const result = await listNotes(pool, userId, limit);
      return { content: [{ type: 'text', text: JSON.stringify(result) }] };
    },
  );
  return server;
}

async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) {
    res.status(401).json({ error: 'unauthorized' });
    return;
  }
  try {
    const secret = new TextEncoder().encode(JWT_SECRET);
    const { payload } = await jwtVerify(header.slice('Bearer '.length), secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
    res.locals.userId = payload.sub;
    next();
  } catch {
    res.status(401).json({ error: 'invalid_token' });
  }
}

const app = express();
app.use(express.json());

app.post('/mcp', authenticate, async (req: Request, res: Response) => {
  const server = getServer(res.locals.userId as string);
  try {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (error) {
    console.error('Error handling MCP request:', error);
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});

const httpServer = app.listen(PORT, '127.0.0.1', () => announceListening(PORT));
exitOn(['SIGTERM', 'SIGINT'], async () => {
  httpServer.closeAllConnections();
  await pool.end();
});

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`baseline-tutorial: ${name} is required`);
  return value;
}
