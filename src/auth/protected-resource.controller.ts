import { Controller, Get, Header } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Public } from '../common/public.decorator.js';
import { ScopeRegistry } from './scope-registry.service.js';

/** RFC 9728 Protected Resource Metadata, at the path-suffixed location (§3.1) and the root fallback. */
@Public()
@Controller('.well-known/oauth-protected-resource')
export class ProtectedResourceController {
  constructor(
    private readonly config: AppConfig,
    private readonly scopes: ScopeRegistry,
  ) {}

  @Get(['mcp', ''])
  @Header('Cache-Control', 'public, max-age=300')
  metadata(): Record<string, unknown> {
    return {
      resource: this.config.resourceUrl,
      // RFC 9728 §2: the built-in authorization server, or the company's (AUTH_MODE=external).
      authorization_servers: this.config.external?.issuers ?? [this.config.publicUrl],
      bearer_methods_supported: ['header'],
      // Minimal (MCP security best practices): clients without a challenge ask for these; admin needs step-up.
      scopes_supported: this.scopes.baseline().split(' ').filter(Boolean),
      resource_name: 'secure-mcp-server',
    };
  }
}
