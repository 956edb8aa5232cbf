import type { ServerCapabilities } from '@modelcontextprotocol/server';

/**
 * What a 2026-07-28 listen stream can carry, as server/discover advertises it: per-resource updates
 * (`resources.subscribe`); no list changes (tools, prompts and resource templates are fixed at boot).
 */
export const LISTEN_CAPABILITIES = {
  tools: { listChanged: false },
  prompts: { listChanged: false },
  resources: { subscribe: true, listChanged: false },
} as const satisfies ServerCapabilities;
