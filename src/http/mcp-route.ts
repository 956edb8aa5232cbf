import { RequestMethod } from '@nestjs/common';

/** /mcp writes its own responses (McpHttpMiddleware) through the edge's services; the Express chain skips it. */
export const MCP_ROUTE = { path: 'mcp', method: RequestMethod.ALL };
