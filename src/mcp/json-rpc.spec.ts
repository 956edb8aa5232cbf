import { acceptsJsonOrSse, batchRefusal, MAX_BATCH } from './json-rpc.js';

describe('JSON-RPC batch policy', () => {
  it.each(['2025-06-18', '2025-11-25', '2026-07-28'])('%s: every batch is refused', (version) => {
    expect(batchRefusal(1, version)).toContain(`not supported in MCP ${version}`);
  });

  it.each([undefined, '2025-03-26', '2024-11-05'])('%s: 1..%d messages pass, more are refused', (version) => {
    expect(batchRefusal(1, version)).toBeUndefined();
    expect(batchRefusal(MAX_BATCH, version)).toBeUndefined();
    expect(batchRefusal(MAX_BATCH + 1, version)).toContain(`at most ${MAX_BATCH}`);
    expect(batchRefusal(0, version)).toBeDefined();
  });
});

describe('Accept negotiation', () => {
  it.each([undefined, '', 'application/json', 'text/event-stream', 'application/json, text/event-stream', '*/*', 'application/*', 'text/*;q=0.5'])(
    '%j: acceptable',
    (accept) => expect(acceptsJsonOrSse(accept)).toBe(true),
  );

  it.each(['text/html', 'application/xml', 'image/png, text/plain', 'application/json;q=0', 'text/event-stream; q=0.0'])('%j: 406', (accept) =>
    expect(acceptsJsonOrSse(accept)).toBe(false),
  );
});
