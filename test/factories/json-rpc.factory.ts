/** JSON-RPC 2.0 messages for raw /mcp requests; each takes overrides. */
export function rpcRequest(method: string, params?: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { jsonrpc: '2.0', id: 1, method, ...(params ? { params } : {}), ...overrides };
}

export function toolCall(name: string, args: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return rpcRequest('tools/call', { name, arguments: args }, overrides);
}

export function notification(method = 'notifications/initialized', params?: Record<string, unknown>): Record<string, unknown> {
  return { jsonrpc: '2.0', method, ...(params ? { params } : {}) };
}
