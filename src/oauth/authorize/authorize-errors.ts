import type { OAuthErrorCode } from '../oauth-error.js';

/** A problem with the client or its redirect URI: shown on a page, never redirected (OAuth 2.1 §4.1.2.1). */
export class AuthorizePageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/** Any other /authorize problem: sent back to the client's redirect URI with state and iss. */
export class AuthorizeRedirectError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}
