import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { RequireScope } from '../src/auth/require-scope.decorator.js';
import { McpTool } from '../src/mcp/mcp.decorators.js';
import { UNDESCRIBED_SCOPE } from '../src/oauth/scope-policy.service.js';
import { WEATHER_READ_DESCRIPTION, WeatherToolsModule } from './fixtures/weather-tools.module.js';
import { openConsent } from './helpers/oauth-flow.js';
import { get } from './helpers/oauth-http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/** Two teams that describe one scope differently: people would see either at random, so start-up stops. */
@Injectable()
class ConflictingTools {
  @McpTool({ name: 'conflict.one', description: 'One.', input: z.strictObject({}) })
  @RequireScope('weather:read', { description: 'Something else entirely' })
  one(): string {
    return 'one';
  }
}
@Module({ providers: [ConflictingTools] })
class ConflictingToolsModule {}

/** Issue 11 item 6: a team declares what its scope means next to its tool; the consent page and the metadata show it. */
describe('scope descriptions declared next to the tools (issue 11 item 6)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { modules: [WeatherToolsModule] });
  });
  afterAll(() => t.close());

  const items = (html: string) =>
    Object.fromEntries(
      [...html.matchAll(/<li><code>([^<]+)<\/code> — ([^<]+)<\/li>/g)].map((m) => [
        m[1],
        m[2]
          .replace(/&#39;/g, "'")
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&'),
      ]),
    );

  it("the consent page shows each scope's declared description, and an honest message for an undescribed one", async () => {
    const step = await openConsent(t, { scope: 'notes:read notes:write weather:read weather:alerts offline_access' });
    expect(items(step.page.text)).toEqual({
      'notes:read': 'Read your notes',
      'notes:write': 'Create, change and delete your notes',
      'weather:read': WEATHER_READ_DESCRIPTION,
      'weather:alerts': UNDESCRIBED_SCOPE,
      offline_access: expect.stringContaining('Stay connected'),
    });
    expect(step.page.text).not.toContain('Access granted by this scope');
  });

  it('the authorization server metadata publishes them (scope_descriptions, RFC 8414 §2 extension)', async () => {
    const m = (await get(`${t.baseUrl}/.well-known/oauth-authorization-server`)).json;
    expect(m.scope_descriptions).toMatchObject({
      'weather:read': WEATHER_READ_DESCRIPTION,
      'weather:alerts': UNDESCRIBED_SCOPE,
      'notes:read': 'Read your notes',
      admin: expect.stringContaining('Administer this server'),
    });
    expect(Object.keys(m.scope_descriptions).sort()).toEqual([...m.scopes_supported].sort());
  });

  it('two different descriptions of one scope stop start-up, naming the scope', async () => {
    await expect(startTestApp({}, { modules: [WeatherToolsModule, ConflictingToolsModule] })).rejects.toThrow(/"weather:read" is described twice/);
  });
});
