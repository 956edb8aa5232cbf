import type { Response } from 'express';
import { esc, sendPage } from './html.js';

/** Shown under the field and by the browser when the pattern refuses a name (so `bad name!` is never refused in silence). */
export const LOGIN_HINT = 'Letters, digits and dashes, up to 39 characters, starting with a letter or digit (like a GitHub login).';

/** Stands in for GitHub on a local server with no GitHub app configured (refused in production). */
export function devLoginPage(res: Response, state: string, error?: string): void {
  sendPage(
    res,
    error ? 400 : 200,
    'Local sign-in',
    `<h1>Local sign-in</h1>
<div class="card warn">Development sign-in: no GitHub app is configured, so any user name is accepted. This page never appears in production.</div>
${error ? `<p role="alert"><strong>${esc(error)}</strong></p>` : ''}
<form method="post" action="/auth/dev">
<label for="login">User name</label>
<!-- The pattern is compiled with the v flag, where an unescaped "-" in a class is a syntax error and the browser drops the whole pattern. -->
<input type="text" id="login" name="login" autocomplete="username" required pattern="[A-Za-z0-9][A-Za-z0-9\\-]{0,38}" maxlength="39"
  title="${LOGIN_HINT}" aria-describedby="login-hint" autofocus>
<p id="login-hint" class="hint">${LOGIN_HINT}</p>
<input type="hidden" name="state" value="${esc(state)}">
<input type="submit" id="sign-in" value="Sign in">
</form>`,
  );
}
