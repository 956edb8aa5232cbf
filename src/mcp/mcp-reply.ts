import type { JSONRPCMessage } from '@modelcontextprotocol/server';

/**
 * One JSON-RPC response as text, at most `maxBytes` long (SECURITY 32: replies are size-capped and no
 * input can make the process exit). A result over the cap, or too large to serialise at all, is
 * replaced by an answer saying so: an `isError` result for tools/call, a JSON-RPC error otherwise.
 */
export function serializeReply(reply: JSONRPCMessage, method: string, maxBytes: number): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(reply);
  } catch {
    // RangeError: Invalid string length — the reply cannot even be built.
  }
  if (json !== undefined && (json.length * 3 <= maxBytes || Buffer.byteLength(json) <= maxBytes)) return json;
  const size = json === undefined ? 'too large to send' : `${Buffer.byteLength(json)} bytes`;
  const text = `The result of this ${method} call is ${size}, over this server's limit of ${maxBytes} bytes per result (MCP_MAX_RESULT_BYTES). Ask for less, for example with a smaller limit.`;
  const id = 'id' in reply ? reply.id : null;
  return JSON.stringify(
    method === 'tools/call'
      ? { jsonrpc: '2.0', id, result: { isError: true, content: [{ type: 'text', text }] } }
      : { jsonrpc: '2.0', id, error: { code: -32603, message: text } },
  );
}
