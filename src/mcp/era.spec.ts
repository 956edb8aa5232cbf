import { classifyInboundRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { isPlainLegacyRequest } from './era.js';

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
