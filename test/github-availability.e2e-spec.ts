import { rpcRequest } from './factories/json-rpc.factory.js';
import { FakeGithub } from './helpers/fake-github.js';
import { signInWithGithub } from './helpers/github-sign-in.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { parseBearerChallenge } from './helpers/www-authenticate.js';

/** The GitHub tools need the person's GitHub token: they exist only when people sign in with GitHub. */
describe('GitHub tools availability', () => {
  describe('with the development sign-in (no GITHUB_CLIENT_ID)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ GITHUB_REPOS: 'acme/*' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('offers no GitHub tool and no GitHub scope, even to a token that carries the scopes', async () => {
      const token = await t.token(uniqueLogin('dev'), ['notes:read', 'notes:write', 'github:read', 'github:write']);
      const client = await t.client(token);
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThan(0);
      expect(tools.filter((tool) => tool.name.startsWith('github.'))).toEqual([]);
      const call = await t.rpc(rpcRequest('tools/call', { name: 'github.issues.list', arguments: { owner: 'acme', repo: 'x' } }), {
        authorization: `Bearer ${token}`,
      });
      expect(JSON.stringify(call.body)).toMatch(/Unknown tool: github\.issues\.list/);
      const prm = (await (await fetch(`${t.baseUrl}/.well-known/oauth-protected-resource/mcp`)).json()) as { scopes_supported: string[] };
      expect(prm.scopes_supported.filter((s) => s.startsWith('github:'))).toEqual([]);
      const challenge = parseBearerChallenge((await t.rpc(rpcRequest('tools/list'))).headers.get('www-authenticate'));
      expect(challenge.params.scope).toBe('notes:read notes:write');
    });
  });

  describe('with GITHUB_TOOLS_PUBLIC_ONLY and an organisation allow-list', () => {
    const github = new FakeGithub();
    let t: TestApp;
    beforeAll(async () => {
      await github.start();
      github.api.addRepo({ owner: 'acme', name: 'open' }, [{ title: 'Public issue' }]);
      github.api.addRepo({ owner: 'acme', name: 'closed', private: true, readers: [] }, [{ title: 'Private issue' }]);
      t = await startTestApp({ ...github.env(), GITHUB_TOOLS_PUBLIC_ONLY: 'true', ALLOWED_GITHUB_ORG: 'acme' });
    });
    afterAll(async () => {
      await t?.close();
      await github.stop();
    });

    it('asks GitHub for read:user, read:org and public_repo only, and the tools work on public repositories', async () => {
      const login = uniqueLogin('pub').slice(0, 30);
      github.api.addRepo({ owner: 'acme', name: 'closed2', private: true, readers: [login] }, [{ title: 'Private issue' }]);
      const session = await signInWithGithub(t.baseUrl, github, { id: 9_900_000 + (process.pid % 100_000), login, orgs: ['acme'] });
      expect(github.requestedScopes.at(-1)!.split(' ').sort()).toEqual(['public_repo', 'read:org', 'read:user']);
      const listed = await session.client.callTool({ name: 'github.issues.list', arguments: { owner: 'acme', repo: 'open' } });
      expect(listed.isError).toBeFalsy();
      expect((listed.structuredContent as any).issues.map((i: any) => i.title)).toEqual(['Public issue']);
      // A public_repo token does not reach private repositories, even one the person may read.
      const hidden = await session.client.callTool({ name: 'github.issues.list', arguments: { owner: 'acme', repo: 'closed2' } });
      expect(hidden.isError).toBe(true);
      expect(JSON.stringify(hidden.content)).toMatch(/Not found: acme\/closed2/);
    });
  });
});
