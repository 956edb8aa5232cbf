import { serializeReply } from './mcp-reply.js';

describe('serializeReply', () => {
  const result = (text: string) => ({ jsonrpc: '2.0' as const, id: 4, result: { content: [{ type: 'text', text }] } });

  it('a reply under the cap is sent as it is', () => {
    expect(JSON.parse(serializeReply(result('hello'), 'tools/call', 1024))).toEqual(result('hello'));
  });

  it('counts bytes, not characters: 400 three-byte characters are over 1,024 bytes', () => {
    const reply = JSON.parse(serializeReply(result('€'.repeat(400)), 'tools/call', 1024));
    expect(reply.result.isError).toBe(true);
  });

  it('a tools/call result over the cap becomes a tool error naming the size and the limit', () => {
    const reply = JSON.parse(serializeReply(result('x'.repeat(5000)), 'tools/call', 1024));
    expect(reply).toEqual({
      jsonrpc: '2.0',
      id: 4,
      result: { isError: true, content: [{ type: 'text', text: expect.stringMatching(/is \d{4} bytes, over this server's limit of 1024 bytes per result/) }] },
    });
  });

  it('other methods get a JSON-RPC error instead', () => {
    const reply = JSON.parse(serializeReply({ jsonrpc: '2.0', id: 'p', result: { messages: ['x'.repeat(5000)] } }, 'prompts/get', 1024));
    expect(reply).toMatchObject({ jsonrpc: '2.0', id: 'p', error: { code: -32603, message: expect.stringContaining('MCP_MAX_RESULT_BYTES') } });
  });

  it('a reply that cannot be serialised at all (RangeError) is an error too, never a throw', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const text = serializeReply({ jsonrpc: '2.0', id: 1, result: cyclic }, 'tools/call', 1024);
    expect(JSON.parse(text).result.content[0].text).toContain('too large to send');
  });
});
