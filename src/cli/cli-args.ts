import { parseArgs } from 'node:util';

export function parseCliArgs<T extends Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>>(options: T) {
  return parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false }).values;
}

/** How long a CLI waits for the database (and its start-up steps) before giving up with the last problem. */
export const CLI_DATABASE_WAIT_MS = 20_000;
