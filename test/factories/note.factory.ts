import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Note } from '../../src/notes/note.js';
import { textOf } from '../helpers/mcp.js';

let counter = 0;

/** Arguments for notes.create; every field can be overridden. */
export function noteInput(overrides: Partial<{ title: string; body: string }> = {}): { title: string; body: string } {
  const n = ++counter;
  return { title: `Note ${n} ${process.pid}`, body: `Body of note ${n}`, ...overrides };
}

/** Creates a note through the SDK client and returns it; fails loudly on a tool error. */
export async function createNote(client: Client, overrides: Partial<{ title: string; body: string }> = {}): Promise<Note> {
  const result = await client.callTool({ name: 'notes.create', arguments: noteInput(overrides) });
  if (result.isError) throw new Error(`notes.create failed: ${textOf(result)}`);
  return (result.structuredContent as { note: Note }).note;
}
