import type { Request, Response } from 'express';

/** Where people prove who they are: GitHub, an OpenID provider, a choice of both, or the local dev sign-in page when neither is configured. */
export abstract class UpstreamLogin {
  abstract readonly displayName: string;
  /** Sends the browser to the upstream sign-in, carrying `state` (single use, checked at the callback). */
  abstract start(req: Request, res: Response, state: string): void | Promise<void>;
}
