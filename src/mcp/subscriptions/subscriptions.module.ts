import { Module } from '@nestjs/common';
import { ResourceChanges } from './resource-changes.service.js';

/**
 * Resource changes for 2026-07-28 `subscriptions/listen`: features (NotesModule) announce changes to
 * their users' resources here; McpModule's ListenStreams delivers them.
 */
@Module({ providers: [ResourceChanges], exports: [ResourceChanges] })
export class McpSubscriptionsModule {}
