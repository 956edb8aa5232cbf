import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { MetadataKey } from '../common/metadata-keys.js';
import { RequestAuthenticatorService } from './request-authenticator.service.js';

/**
 * Global guard, deny by default: every route needs a valid bearer token (or API key) unless it is
 * @Public(). Then @RequireScope() on the handler or its class is enforced.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticatorService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(MetadataKey.Public, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    const caller = await this.authenticator.authenticate(req.headers, req.originalUrl, req.method);
    // The class's and the handler's @RequireScope both apply (every scope the operation needs).
    const required = [...new Set(this.reflector.getAllAndMerge<string[]>(MetadataKey.RequiredScopes, targets) ?? [])];
    this.authenticator.requireScopes(caller.scopes, required.length ? required : undefined);
    return true;
  }
}
