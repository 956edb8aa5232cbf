import { classifyInboundRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { classifyRequest, isPlainLegacyRequest } from './era.js';

const versions = fc.constantFrom(undefined, '2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28', ' 2026-07-28 ', '2099-01-01', '1999-01-01', 'garbage', '');
const ids = fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null), fc.constant(undefined), fc.double());
const methods = fc.oneof(
  fc.constantFrom('tools/call', 'tools/list', 'initialize', 'ping', 'server/discover', 'notifications/cancelled'),
  fc.string({ maxLength: 8 }),
  fc.integer(),
);
const metas = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant([]),
  fc.record({ progressToken: fc.oneof(fc.string(), fc.integer()) }),
  fc.record({ [PROTOCOL_VERSION_META_KEY]: fc.oneof(fc.constantFrom('2026-07-28', '2025-11-25'), fc.integer()) }),
);
const params = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant('x'),
  fc.constant([1]),
  fc.record({ name: fc.string({ maxLength: 5 }), _meta: metas }, { requiredKeys: [] }),
  fc.record({ protocolVersion: fc.string({ maxLength: 10 }), capabilities: fc.constant({}) }),
);
const requests = fc.record({
  jsonrpc: fc.constant('2.0'),
  id: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })),
  method: fc.constantFrom('tools/call', 'tools/list', 'initialize', 'ping', 'server/discover', 'prompts/get'),
  params,
});
const bodies = fc.oneof(
  requests,
  fc.record(
    { jsonrpc: fc.constantFrom('2.0', '1.0'), id: ids, method: methods, params, result: fc.constant({}), error: fc.constant({ code: 1, message: 'x' }) },
    { requiredKeys: [] },
  ),
  fc.array(fc.record({ jsonrpc: fc.constant('2.0'), id: ids, method: methods }), { maxLength: 2 }),
  fc.jsonValue({ maxDepth: 2 }),
);

describe('isPlainLegacyRequest', () => {
  it('agrees with the SDK classifier: whenever it says yes, the classifier routes the request to legacy serving', () => {
    let yes = 0;
    fc.assert(
      fc.property(bodies, versions, (body, version) => {
        if (!isPlainLegacyRequest(body, version)) return;
        yes++;
        const outcome = classifyInboundRequest({ httpMethod: 'POST', protocolVersionHeader: version, body });
        expect(outcome).toEqual({ kind: 'legacy', reason: 'no-claim', ...(version === undefined ? {} : { requestedVersion: version.trim() }) });
      }),
      { numRuns: 5000 },
    );
    // Guard against a generator that never produces a plain legacy request (the check would prove nothing).
    expect(yes).toBeGreaterThan(100);
  });

  it('says yes to the everyday 2025 call, so the hot path really is taken', () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes.list', arguments: { limit: 10 } } };
    expect(isPlainLegacyRequest(call, undefined)).toBe(true);
    expect(isPlainLegacyRequest(call, '2025-06-18')).toBe(true);
    expect(isPlainLegacyRequest(call, '2026-07-28')).toBe(false);
    expect(isPlainLegacyRequest({ ...call, params: { ...call.params, _meta: { [PROTOCOL_VERSION_META_KEY]: '2026-07-28' } } }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ ...call, method: 'initialize' }, undefined)).toBe(false);
  });
});

describe('classifyRequest (the SDK classifier, memoized per envelope)', () => {
  const envelope = fc.record(
    {
      [PROTOCOL_VERSION_META_KEY]: fc.oneof(fc.constantFrom('2026-07-28', '2025-11-25', '2099-01-01', ''), fc.integer()),
      'io.modelcontextprotocol/clientInfo': fc.oneof(
        fc.constant({ name: 'bench', version: '1.0.0' }),
        fc.record({ name: fc.constantFrom('a', ''), version: fc.oneof(fc.constant('1'), fc.integer()) }, { requiredKeys: [] }),
        fc.constant('x'),
      ),
      'io.modelcontextprotocol/clientCapabilities': fc.oneof(fc.constant({}), fc.constant({ elicitation: {} }), fc.constant([]), fc.constant(null)),
      'io.modelcontextprotocol/logLevel': fc.constantFrom('debug', 'info', 'loud'),
      progressToken: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)),
    },
    { requiredKeys: [] },
  );
  const valid = fc.constantFrom(
    {
      [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
    {
      [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'c', version: '2' },
      'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
      'io.modelcontextprotocol/logLevel': 'info',
    },
  );
  const modernParams = fc.oneof(
    params,
    fc.record(
      { name: fc.constantFrom('notes.list', 'x'), arguments: fc.constant({ limit: 10 }), _meta: fc.oneof(valid, valid, envelope, metas) },
      { requiredKeys: [] },
    ),
  );
  const modernCalls = fc.record({
    jsonrpc: fc.constant('2.0'),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })),
    method: fc.constantFrom('tools/call', 'tools/list', 'initialize', 'ping', 'server/discover', 'prompts/get'),
    params: modernParams,
  });
  const calls = fc.oneof({ arbitrary: modernCalls, weight: 3 }, { arbitrary: bodies, weight: 1 });
  const modernVersions = fc.oneof({ arbitrary: fc.constant('2026-07-28'), weight: 2 }, { arbitrary: versions, weight: 1 });
  const methodHeaders = fc.oneof(
    { arbitrary: fc.constantFrom(undefined, 'tools/call'), weight: 2 },
    { arbitrary: fc.constantFrom('tools/list', ' tools/call', 'x'), weight: 1 },
  );
  const headerValues = fc.constantFrom(undefined, 'tools/call', 'tools/list', 'server/discover', ' tools/call', '2026-07-28', '2025-11-25', 'x');

  it("gives exactly the SDK classifier's answer, on first sight of an envelope and on every repeat", () => {
    let modern = 0;
    fc.assert(
      fc.property(calls, modernVersions, methodHeaders, headerValues, (body, version, methodHeader, nameHeader) => {
        const request = { httpMethod: 'POST', protocolVersionHeader: version, mcpMethodHeader: methodHeader, mcpNameHeader: nameHeader, body };
        const expected = classifyInboundRequest(request);
        if (expected.kind === 'modern') modern++;
        expect(classifyRequest(request)).toEqual(expected);
        expect(classifyRequest(request)).toEqual(expected); // from the memo when it was kept
      }),
      { numRuns: 5000 },
    );
    // The generators must reach the modern routes, or the comparison proves little.
    expect(modern).toBeGreaterThan(100);
  });

  it('answers a repeated modern call with its own body as the message', () => {
    const meta = {
      [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'notes.list', arguments: { limit: id }, _meta: meta } });
    const headers = { httpMethod: 'POST', protocolVersionHeader: '2026-07-28', mcpMethodHeader: 'tools/call', mcpNameHeader: 'notes.list' };
    const first = classifyRequest({ ...headers, body: call(1) });
    const second = classifyRequest({ ...headers, body: call(2) });
    expect(first).toMatchObject({ kind: 'modern', message: call(1) });
    expect(second).toMatchObject({ kind: 'modern', message: call(2) });
  });
});
