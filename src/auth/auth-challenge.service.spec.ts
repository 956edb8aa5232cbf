import { HttpStatus } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AuthChallengeService } from './auth-challenge.service.js';
import { ScopeRegistry } from './scope-registry.service.js';

describe('AuthChallengeService', () => {
  const config = AppConfig.from({ PUBLIC_URL: 'https://mcp.example.com' });
  const prm = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
  let challenges: AuthChallengeService;

  beforeEach(() => {
    const scopes = new ScopeRegistry();
    scopes.register('notes:write', 'admin', 'notes:read');
    challenges = new AuthChallengeService(config, scopes);
  });

  it('missing credentials: 401, baseline scopes (never privileged ones) and no error code', () => {
    const e = challenges.missing();
    expect(e.getStatus()).toBe(HttpStatus.UNAUTHORIZED);
    expect(e.headers['WWW-Authenticate']).toBe(`Bearer resource_metadata="${prm}", scope="notes:read notes:write"`);
  });

  it('a bad token: 401 invalid_token with a description, in the header and the body', () => {
    const e = challenges.invalidToken('token has expired');
    expect(e.getStatus()).toBe(HttpStatus.UNAUTHORIZED);
    expect(e.headers['WWW-Authenticate']).toBe(
      `Bearer resource_metadata="${prm}", scope="notes:read notes:write", error="invalid_token", error_description="token has expired"`,
    );
    expect(e.getResponse()).toEqual({ error: 'invalid_token', error_description: 'token has expired' });
  });

  it('insufficient scope: 403 naming granted plus required scopes once each', () => {
    const e = challenges.insufficientScope(new Set(['notes:read']), ['notes:read', 'admin']);
    expect(e.getStatus()).toBe(HttpStatus.FORBIDDEN);
    expect(e.headers['WWW-Authenticate']).toBe(
      `Bearer resource_metadata="${prm}", scope="notes:read admin", error="insufficient_scope", error_description="This request needs scope: notes:read admin"`,
    );
    expect(e.getResponse()).toMatchObject({ error: 'insufficient_scope', scope: 'notes:read admin' });
  });
});
