import type { Response } from 'express';
import { esc, sendPage } from './html.js';

/** Seconds the refusal page stays before the browser goes back to the client. */
export const REFUSAL_SECONDS = 4;

/**
 * A refused sign-in: the reason, then the browser goes back to the client's redirect URI with
 * error=access_denied (RFC 6749 §4.1.2.1) and iss (RFC 9207), so the client is not left waiting.
 */
export function refusalPage(res: Response, status: number, title: string, reason: string, backTo: string): void {
  sendPage(
    res,
    status,
    title,
    `<meta http-equiv="refresh" content="${REFUSAL_SECONDS};url=${esc(backTo)}">
<h1>${esc(title)}</h1><p id="reason">${esc(reason)}</p>
<p class="muted">Returning you to the application…</p>
<p><a id="back" href="${esc(backTo)}">Return to the application now</a></p>`,
  );
}

/** GitHub and the company identity provider are both configured: the person picks one. */
export function chooseSignInPage(res: Response, state: string): void {
  const q = `state=${encodeURIComponent(state)}`;
  sendPage(
    res,
    200,
    'Choose how to sign in',
    `<h1>Choose how to sign in</h1>
<div class="card"><a id="sign-in-oidc" class="host" href="/auth/oidc?${esc(q)}">Sign in with your company account</a></div>
<div class="card"><a id="sign-in-github" class="host" href="/auth/github?${esc(q)}">Sign in with GitHub</a></div>`,
  );
}
