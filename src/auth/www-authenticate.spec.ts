import { formatBearerChallenge } from './www-authenticate.js';

const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

describe('formatBearerChallenge', () => {
  it('with nothing but the metadata URL', () => {
    expect(formatBearerChallenge(PRM, {})).toBe(`Bearer resource_metadata="${PRM}"`);
  });

  it('no credentials: metadata URL and scope, no error (RFC 6750 §3.1)', () => {
    expect(formatBearerChallenge(PRM, { scope: 'notes:read notes:write' })).toBe(`Bearer resource_metadata="${PRM}", scope="notes:read notes:write"`);
  });

  it('a bad token: error and description after the scope', () => {
    expect(formatBearerChallenge(PRM, { scope: 'notes:read', error: 'invalid_token', description: 'token has expired' })).toBe(
      `Bearer resource_metadata="${PRM}", scope="notes:read", error="invalid_token", error_description="token has expired"`,
    );
  });

  it('step-up: insufficient_scope with the wider scope', () => {
    expect(formatBearerChallenge(PRM, { error: 'insufficient_scope', scope: 'notes:read notes:write' })).toBe(
      `Bearer resource_metadata="${PRM}", scope="notes:read notes:write", error="insufficient_scope"`,
    );
  });

  it('leaves out an empty scope and an empty description', () => {
    expect(formatBearerChallenge(PRM, { scope: '', error: 'invalid_request', description: '' })).toBe(
      `Bearer resource_metadata="${PRM}", error="invalid_request"`,
    );
  });

  it('escapes quotes and backslashes so a value cannot break out of its quoted-string', () => {
    const header = formatBearerChallenge(PRM, { error: 'invalid_token', description: 'bad "kid" \\ here", error="none' });
    expect(header).toBe(`Bearer resource_metadata="${PRM}", error="invalid_token", error_description="bad \\"kid\\" \\\\ here\\", error=\\"none"`);
    expect(header.match(/(?<!\\)"/g)).toHaveLength(6);
  });
});
