import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { MetadataKey } from '../common/metadata-keys.js';
import { declaredScopeDescriptions } from './require-scope.decorator.js';
import { ScopeRegistry } from './scope-registry.service.js';

/** Registers the scopes named by @RequireScope on REST controllers, so the server offers them. */
@Injectable()
export class RestScopeScanner implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: ScopeRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown> | undefined;
      if (!instance || !wrapper.metatype) continue;
      const onClass = this.reflector.get<string[] | undefined>(MetadataKey.RequiredScopes, wrapper.metatype) ?? [];
      this.registry.register(...onClass);
      const described = declaredScopeDescriptions(this.reflector, [wrapper.metatype]);
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        this.registry.register(...(this.reflector.get<string[] | undefined>(MetadataKey.RequiredScopes, instance[method]) ?? []));
        described.push(...declaredScopeDescriptions(this.reflector, [instance[method]]));
      }
      for (const [scope, description] of described) this.registry.describe(scope, description);
    }
  }
}
