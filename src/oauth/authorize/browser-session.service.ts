import { Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { AppConfig } from '../../config/app-config.js';
import { randomToken, sha256 } from '../../common/crypto.js';
import { BrowserSessionsRepository, type SessionUser } from './browser-sessions.repository.js';

export const BROWSER_COOKIE = '__Host-mcp-browser';
export const SESSION_COOKIE = '__Host-mcp-session';
const COOKIE_OPTIONS: CookieOptions = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' };

/**
 * Browser cookies of the sign-in flow: a per-browser binding that ties each authorization request to
 * the browser that started it, and the signed-in session. `__Host-` prefix, Secure, HttpOnly, SameSite=Lax.
 */
@Injectable()
export class BrowserSessionService {
  constructor(
    private readonly config: AppConfig,
    private readonly sessions: BrowserSessionsRepository,
  ) {}

  browser(req: Request): string | undefined {
    const value = (req.cookies as Record<string, string> | undefined)?.[BROWSER_COOKIE];
    return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
  }

  ensureBrowser(req: Request, res: Response): string {
    const existing = this.browser(req);
    if (existing) return existing;
    const value = randomToken(32);
    res.cookie(BROWSER_COOKIE, value, { ...COOKIE_OPTIONS, maxAge: 24 * 3600 * 1000 });
    return value;
  }

  async user(req: Request): Promise<SessionUser | undefined> {
    const value = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (typeof value !== 'string' || value.length > 100) return undefined;
    return this.sessions.findUser(sha256(value));
  }

  async start(res: Response, userId: string): Promise<void> {
    const value = randomToken(32);
    await this.sessions.create(sha256(value), userId, this.config.sessionTtlSeconds);
    res.cookie(SESSION_COOKIE, value, { ...COOKIE_OPTIONS, maxAge: this.config.sessionTtlSeconds * 1000 });
  }
}
