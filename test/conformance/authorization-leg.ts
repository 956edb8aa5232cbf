import { TestBrowser, hiddenFields } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { parseSummary, startSuite, type ScenarioResult } from './suite.js';

/** The dev sign-in name of the person who approves the suite's authorization request. */
const CONSENTING_LOGIN = 'conformance-consent';
const LEG_TIMEOUT_MS = 180_000;

/**
 * The suite's two authorization-server scenarios (`conformance authorization`): metadata, then an
 * authorization-code grant whose front channel this script drives as a person would (consent page,
 * approve, dev sign-in), following the URL the suite prints to its own loopback callback.
 */
export async function authorizationLeg(baseUrl: string, mcpUrl: string, outputDir: string): Promise<{ results: ScenarioResult[]; output: string }> {
  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const clientId = await registerClient(baseUrl, redirectUri);
  const suite = startSuite(['authorization', '--url', baseUrl, '--client-id', clientId, '--port', String(port), '--resource', mcpUrl, '-o', outputDir]);
  const timer = setTimeout(() => void suite.stop(), LEG_TIMEOUT_MS);
  try {
    const [authorizationUrl] = await suite.waitForLine(new RegExp(`^${escape(baseUrl)}/authorize\\?\\S+$`), LEG_TIMEOUT_MS);
    await suite.waitForLine(/^Callback server started/, 30_000);
    await approve(baseUrl, authorizationUrl, redirectUri);
    await suite.exited;
  } finally {
    clearTimeout(timer);
    await suite.stop();
  }
  return { results: parseSummary(suite.output), output: suite.output };
}

/** RFC 7591 dynamic registration of a public client with the suite's loopback callback. */
async function registerClient(baseUrl: string, redirectUri: string): Promise<string> {
  const res = await fetch(`${baseUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'MCP conformance suite',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  const body = (await res.json()) as { client_id?: string };
  if (!res.ok || !body.client_id) throw new Error(`client registration failed: ${res.status} ${JSON.stringify(body)}`);
  return body.client_id;
}

/** Consent page -> approve -> dev sign-in -> the redirect to the suite's callback, which is then followed. */
async function approve(baseUrl: string, authorizationUrl: string, redirectUri: string): Promise<void> {
  const browser = new TestBrowser([baseUrl]);
  const consent = await browser.visit(authorizationUrl);
  if (consent.status !== 200) throw new Error(`expected the consent page, got ${consent.status} ${consent.location ?? ''} ${consent.text.slice(0, 300)}`);
  let done = await browser.submit(`${baseUrl}/authorize/consent`, { ...hiddenFields(consent.text), decision: 'approve' });
  if (done.status === 200 && new URL(done.url).pathname === '/auth/dev') {
    done = await browser.submit(`${baseUrl}/auth/dev`, { ...hiddenFields(done.text), login: CONSENTING_LOGIN });
  }
  if (done.status !== 302 || !done.location?.startsWith(`${redirectUri}?`)) {
    throw new Error(`expected the redirect to ${redirectUri}, got ${done.status} ${done.location ?? ''} ${done.text.slice(0, 300)}`);
  }
  const callback = await fetch(done.location);
  await callback.text();
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
