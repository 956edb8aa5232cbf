import type { Response } from 'express';
import { esc, sendPage } from './html.js';

export interface ConsentView {
  clientName: string | null;
  clientId: string;
  clientKind: string;
  redirectUri: string;
  /** Each scope with what it lets the client do (declared next to the tools that need it). */
  scopes: { scope: string; description: string }[];
  requestId: string;
  csrfToken: string;
  signedInAs?: string;
  upstreamName: string;
}

/** MCP security best practices (confused deputy): name the client, where it redirects and what it asks, before any upstream redirect. */
export function consentPage(res: Response, v: ConsentView): void {
  const host = new URL(v.redirectUri).host;
  const scopes = v.scopes.map((s) => `<li><code>${esc(s.scope)}</code> — ${esc(s.description)}</li>`).join('');
  const who = v.signedInAs
    ? `<p class="muted">Signed in as <strong>${esc(v.signedInAs)}</strong>.</p>`
    : `<p class="muted">Next you will sign in with ${esc(v.upstreamName)}.</p>`;
  const unverified =
    v.clientKind === 'dcr'
      ? `<div class="card warn">This client registered itself with this server. Only continue if you started this from an MCP client you trust.</div>`
      : '';
  sendPage(
    res,
    200,
    'Authorize access',
    `<h1>Allow <span id="client-name">${esc(v.clientName ?? 'an unnamed MCP client')}</span> to use your account?</h1>
<div class="card"><div>After you approve, you will be sent to</div><div class="host" id="redirect-host">${esc(host)}</div>
<div class="muted">${esc(v.redirectUri)}</div><div class="muted">Client ID: <code>${esc(v.clientId)}</code></div></div>
${unverified}
<p>It asks to:</p><ul id="scopes">${scopes}</ul>
${who}
<form method="post" action="/authorize/consent">
<input type="hidden" name="request_id" value="${esc(v.requestId)}">
<input type="hidden" name="csrf_token" value="${esc(v.csrfToken)}">
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny" class="secondary">Deny</button>
</form>`,
  );
}
