import fc from 'fast-check';
import { decodeHeaderValue, paramHeaderMismatch, paramHeaders, standardHeaderMismatch } from './mcp-headers.js';

const b64 = (s: string) => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;

describe('MCP request headers (2026-07-28 transports/streamable-http §Request Metadata)', () => {
  it('the base64 sentinel form round-trips any string, and a malformed one is refused', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(decodeHeaderValue(b64(s))).toBe(s)));
    expect(decodeHeaderValue('plain-value')).toBe('plain-value');
    for (const bad of ['=?base64?abc?=', '=?base64?a b=?=', `=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`])
      expect(decodeHeaderValue(bad)).toBeUndefined();
  });

  it('standard headers: present, and Mcp-Name equal to the body (plain or base64)', () => {
    const ok = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'notes.list' };
    expect(standardHeaderMismatch('tools/call', { name: 'notes.list' }, ok)).toBeUndefined();
    expect(standardHeaderMismatch('tools/call', { name: 'notes.list' }, { ...ok, 'mcp-name': b64('notes.list') })).toBeUndefined();
    expect(standardHeaderMismatch('resources/read', { uri: 'note://1' }, { ...ok, 'mcp-method': 'resources/read', 'mcp-name': 'note://1' })).toBeUndefined();
    expect(standardHeaderMismatch('tools/list', {}, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' })).toBeUndefined();
    expect(standardHeaderMismatch('tools/call', { name: 'notes.list' }, { ...ok, 'mcp-name': 'notes.get' })).toMatch(/does not match/);
    expect(standardHeaderMismatch('tools/call', { name: 'notes.list' }, { ...ok, 'mcp-name': undefined })).toMatch(/Mcp-Name header is absent/);
    expect(standardHeaderMismatch('tools/call', { name: 'notes.list' }, { ...ok, 'mcp-method': undefined })).toMatch(/Mcp-Method/);
    expect(standardHeaderMismatch('tools/call', { name: 'notes.list' }, { ...ok, 'mcp-protocol-version': undefined })).toMatch(/MCP-Protocol-Version/);
    // Object.prototype names are not methods with a name source.
    expect(standardHeaderMismatch('constructor', {}, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'constructor' })).toBeUndefined();
  });

  it('x-mcp-header declarations: reachable primitive properties only, unique names', () => {
    const schema = {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        nested: { type: 'object', properties: { n: { type: 'integer', 'x-mcp-header': 'N' } } },
      },
    };
    expect(paramHeaders('t', schema)).toEqual([
      { path: ['region'], header: 'mcp-param-region', type: 'string' },
      { path: ['nested', 'n'], header: 'mcp-param-n', type: 'integer' },
    ]);
    expect(() => paramHeaders('t', { properties: { a: { type: 'object', 'x-mcp-header': 'A' } } })).toThrow(/string, integer or boolean/);
    expect(() => paramHeaders('t', { properties: { a: { type: 'string', 'x-mcp-header': 'bad name' } } })).toThrow(/HTTP token/);
    expect(() => paramHeaders('t', { properties: { a: { type: 'string', 'x-mcp-header': 'X' }, b: { type: 'string', 'x-mcp-header': 'x' } } })).toThrow(
      /twice/,
    );
  });

  it('Mcp-Param-* must carry every present body value, equal (numbers compared as numbers)', () => {
    const declared = paramHeaders('t', { properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, n: { type: 'integer', 'x-mcp-header': 'N' } } });
    expect(paramHeaderMismatch(declared, { region: 'eu' }, { 'mcp-param-region': 'eu' })).toBeUndefined();
    expect(paramHeaderMismatch(declared, {}, {})).toBeUndefined();
    expect(paramHeaderMismatch(declared, { region: null }, {})).toBeUndefined();
    expect(paramHeaderMismatch(declared, { region: 'eu', n: 42 }, { 'mcp-param-region': 'eu', 'mcp-param-n': '42.0' })).toBeUndefined();
    expect(paramHeaderMismatch(declared, { region: 'eu' }, {})).toMatch(/absent/);
    expect(paramHeaderMismatch(declared, { region: 'eu' }, { 'mcp-param-region': 'us' })).toMatch(/does not match/);
    expect(paramHeaderMismatch(declared, { region: 'eu', n: 42 }, { 'mcp-param-region': 'eu', 'mcp-param-n': '43' })).toMatch(/does not match/);
    fc.assert(fc.property(fc.string(), (region) => expect(paramHeaderMismatch(declared, { region }, { 'mcp-param-region': b64(region) })).toBeUndefined()));
  });
});
