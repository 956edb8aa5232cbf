import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import { MAX_PAYLOAD_BYTES, PgNotifications } from '../../database/pg-notifications.service.js';

/** The Postgres channel that carries resource changes between instances. */
export const RESOURCE_CHANNEL = 'mcp_resource_updated';

/** What travels on the channel: the sending instance, the resource's owner and its URI. */
interface Announcement {
  i: string;
  u: string;
  r: string;
}

type Listener = (event: ServerEvent) => void;

/**
 * Resource changes for `subscriptions/listen` (MCP 2026-07-28 basic/patterns/subscriptions), across
 * instances: a feature announces that a resource of one user changed; every instance delivers it to
 * that user's open listen streams, and to nobody else's. The change goes to this instance's
 * listeners at once and to the others over Postgres NOTIFY (PgNotifications). The streams themselves
 * (filtering by URI, subscription ids, the acknowledgement) are the SDK's listen router; each gets
 * its user's view of the changes as the SDK's `ServerEventBus`.
 */
@Injectable()
export class ResourceChanges implements OnModuleInit {
  private readonly logger = new Logger(ResourceChanges.name);
  /** Tells this instance's own announcements apart when they come back over the channel. */
  private readonly instance = randomUUID();
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly notifications: PgNotifications) {}

  onModuleInit(): void {
    this.notifications.on(RESOURCE_CHANNEL, { message: (payload) => this.received(payload) });
  }

  /**
   * `uri`, a resource of `ownerId`, changed (was updated or deleted): its owner's listen streams on
   * every instance that asked for it get `notifications/resources/updated`. Never throws; a change
   * that cannot be announced to the other instances is logged.
   */
  updated(ownerId: string, uri: string): void {
    this.deliver(ownerId, uri);
    const payload = JSON.stringify({ i: this.instance, u: ownerId, r: uri } satisfies Announcement);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      this.logger.warn(`Resource change not announced to other instances: URI too long (${uri.length} characters)`);
      return;
    }
    this.notifications
      .notify(RESOURCE_CHANNEL, payload)
      .catch((e: Error) => this.logger.warn(`Resource change not announced to other instances: ${e.message}`));
  }

  /** The changes of one user's resources, as the SDK's listen router consumes them (it never publishes). */
  busFor(userKey: string): ServerEventBus {
    return {
      publish: () => {
        throw new Error('Resource changes are announced with ResourceChanges.updated(owner, uri)');
      },
      subscribe: (listener) => {
        let set = this.listeners.get(userKey);
        if (!set) this.listeners.set(userKey, (set = new Set()));
        set.add(listener);
        return () => {
          set.delete(listener);
          if (set.size === 0 && this.listeners.get(userKey) === set) this.listeners.delete(userKey);
        };
      },
    };
  }

  /** Users with a listener on this instance (for tests and metrics). */
  get listeningUsers(): number {
    return this.listeners.size;
  }

  private received(payload: string): void {
    let a: Partial<Announcement>;
    try {
      a = JSON.parse(payload) as Partial<Announcement>;
    } catch {
      return;
    }
    if (typeof a.u !== 'string' || typeof a.r !== 'string' || a.i === this.instance) return;
    this.deliver(a.u, a.r);
  }

  private deliver(ownerId: string, uri: string): void {
    const set = this.listeners.get(ownerId);
    if (!set) return;
    const event: ServerEvent = { kind: 'resource_updated', uri };
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (e) {
        this.logger.warn(`A listen stream failed to take a resource change: ${(e as Error).message}`);
      }
    }
  }
}
