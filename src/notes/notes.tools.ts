import { Injectable } from '@nestjs/common';
import type { InputRequiredResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { storableString } from '../common/text.js';
import { McpCompletion, McpPrompt, McpResource, McpResourceList, McpTool } from '../mcp/mcp.decorators.js';
import { ask, type ToolContext } from '../mcp/tool-context.js';
import { NOTE_BODY_MAX, NOTE_PAGE_MAX, NOTE_TITLE_MAX, type Note } from './note.js';
import { NotesService } from './notes.service.js';

export const NOTES_READ = 'notes:read';
export const NOTES_WRITE = 'notes:write';
/** What each scope means to a person: shown on the consent page and published in the metadata. */
const READS_NOTES = { description: 'Read your notes' };
const WRITES_NOTES = { description: 'Create, change and delete your notes' };

// SECURITY 36: every string a tool stores or queries with is checked before Postgres sees it.
const id = storableString().min(1).max(64).describe('The note id (a UUID)');
const title = storableString().trim().min(1, 'must not be empty').max(NOTE_TITLE_MAX, `must be at most ${NOTE_TITLE_MAX} characters`);
const body = storableString().max(NOTE_BODY_MAX, `must be at most ${NOTE_BODY_MAX} characters`);
const noteShape = z.object({ id: z.string(), title: z.string(), body: z.string(), createdAt: z.string(), updatedAt: z.string() });
const noteOut = z.object({ note: noteShape });
/** Notes per resources/list page. */
const RESOURCE_PAGE = 20;
/** One more than completion/complete sends: the MCP layer then says there are more. */
const COMPLETION_LOOKAHEAD = 101;
const PROMPT_COUNTS = Array.from({ length: NOTE_PAGE_MAX }, (_, i) => String(i + 1));
/** What notes.delete asks a person whose client can show a form (elicitation). */
const confirmation = z.object({ confirm: z.boolean().describe('Delete this note?') });
const limit = (fallback: number) => z.number().int().min(1).max(NOTE_PAGE_MAX).default(fallback);

/** The built-in tools: each user's own notes. A team's tools are written the same way, in their own module. */
@Injectable()
export class NotesTools {
  constructor(private readonly notes: NotesService) {}

  @McpTool({
    name: 'notes.create',
    title: 'Create a note',
    description: 'Creates a note owned by the signed-in user.',
    input: z.strictObject({ title: title.describe('Short title'), body: body.default('').describe('Note text (Markdown)') }),
    output: noteOut,
  })
  @RequireScope(NOTES_WRITE, WRITES_NOTES)
  async create(input: { title: string; body: string }): Promise<{ note: Note }> {
    return { note: await this.notes.create(input.title, input.body) };
  }

  @McpTool({
    name: 'notes.get',
    title: 'Read a note',
    description: 'Returns one of your notes by id.',
    input: z.strictObject({ id }),
    output: noteOut,
    annotations: { readOnlyHint: true },
  })
  @RequireScope(NOTES_READ, READS_NOTES)
  async get(input: { id: string }): Promise<{ note: Note }> {
    return { note: await this.notes.get(input.id) };
  }

  @McpTool({
    name: 'notes.list',
    title: 'List notes',
    description: 'Lists your notes, newest first. Pass nextCursor back as cursor for the next page.',
    input: z.strictObject({ limit: limit(20).describe(`Page size, 1-${NOTE_PAGE_MAX}`), cursor: storableString().max(200).optional() }),
    output: z.object({ notes: z.array(noteShape), nextCursor: z.string().optional() }),
    annotations: { readOnlyHint: true },
  })
  @RequireScope(NOTES_READ, READS_NOTES)
  list(input: { limit: number; cursor?: string }): Promise<{ notes: Note[]; nextCursor?: string }> {
    return this.notes.list(input.limit, input.cursor);
  }

  @McpTool({
    name: 'notes.update',
    title: 'Update a note',
    description: 'Changes the title and/or body of one of your notes.',
    input: z.strictObject({ id, title: title.optional(), body: body.optional() }),
    output: noteOut,
    annotations: { idempotentHint: true },
  })
  @RequireScope(NOTES_WRITE, WRITES_NOTES)
  async update(input: { id: string; title?: string; body?: string }): Promise<{ note: Note }> {
    return { note: await this.notes.update(input.id, { title: input.title, body: input.body }) };
  }

  @McpTool({
    name: 'notes.delete',
    title: 'Delete a note',
    description: 'Deletes one of your notes. A client that can show a form (elicitation) asks you to confirm first.',
    input: z.strictObject({ id }),
    output: z.object({ deleted: z.boolean(), id: z.string(), message: z.string().optional() }),
    annotations: { destructiveHint: true, idempotentHint: true },
  })
  @RequireScope(NOTES_WRITE, WRITES_NOTES)
  async delete(input: { id: string }, ctx: ToolContext): Promise<{ deleted: boolean; id: string; message?: string } | InputRequiredResult> {
    // 2026-07-28 with elicitation: ask, and delete when the retried request carries the answer to
    // the question asked for this very note. Everyone else (all stateless 2025 requests) deletes at once.
    if (ctx.canAsk('elicitation')) {
      const answer = ctx.inputResponse('confirm');
      const askedAbout = ctx.state<{ id: string }>()?.id;
      if (answer.kind !== 'elicit' || askedAbout !== input.id) {
        const note = await this.notes.get(input.id); // a missing note is a tool error, not a question
        return ctx.inputRequired(
          { confirm: ask.elicit({ message: `Delete your note "${note.title}"? This cannot be undone.`, requestedSchema: confirmation }) },
          { id: input.id },
        );
      }
      if (answer.action !== 'accept' || ctx.accepted('confirm', confirmation)?.confirm !== true) {
        const why = answer.action === 'accept' ? 'you did not confirm' : answer.action === 'decline' ? 'you declined' : 'you cancelled';
        return { deleted: false, id: input.id, message: `Not deleted: ${why}. The note is unchanged.` };
      }
    }
    await this.notes.delete(input.id);
    return { deleted: true, id: input.id };
  }

  @McpTool({
    name: 'notes.search',
    title: 'Search notes',
    description:
      'Full-text search over your notes (web-search syntax: words, "phrases", -exclusions), best match first among your 200 most recent matching notes.',
    input: z.strictObject({ query: storableString().trim().min(1, 'must not be empty').max(200), limit: limit(10) }),
    output: z.object({ results: z.array(z.object({ id: z.string(), title: z.string(), excerpt: z.string(), rank: z.number(), createdAt: z.string() })) }),
    annotations: { readOnlyHint: true },
  })
  @RequireScope(NOTES_READ, READS_NOTES)
  async search(input: { query: string; limit: number }, ctx: ToolContext) {
    // Progress only goes out when the caller asked for it (a progressToken); a plain call costs nothing more.
    await ctx.progress(0, 1, 'Searching your notes');
    const results = await this.notes.search(input.query, input.limit);
    await ctx.progress(1, 1, `${results.length} ${results.length === 1 ? 'match' : 'matches'}`);
    return { results };
  }

  @McpResource({ name: 'note', uriTemplate: 'note://{id}', description: 'One of your notes as Markdown.', mimeType: 'text/markdown' })
  @RequireScope(NOTES_READ, READS_NOTES)
  async readNote(vars: { id: string }, uri: string) {
    const note = await this.notes.get(vars.id);
    return { contents: [{ uri, mimeType: 'text/markdown', text: `# ${note.title}\n\n${note.body}` }] };
  }

  @McpResourceList({ resource: 'note' })
  @RequireScope(NOTES_READ)
  async listNoteResources(cursor: string | undefined) {
    const { notes, nextCursor } = await this.notes.list(RESOURCE_PAGE, cursor);
    return {
      resources: notes.map((n) => ({
        uri: `note://${n.id}`,
        name: n.title,
        title: n.title,
        mimeType: 'text/markdown',
        annotations: { lastModified: n.updatedAt },
      })),
      nextCursor,
    };
  }

  /** note://{id}: the ids of your notes whose title contains what was typed (or whose id starts with it). */
  @McpCompletion({ resource: 'note://{id}', argument: 'id' })
  @RequireScope(NOTES_READ)
  completeNoteId(value: string): Promise<string[]> {
    return this.notes.idsMatching(value.trim(), COMPLETION_LOOKAHEAD);
  }

  @McpCompletion({ prompt: 'notes.summarize-recent', argument: 'count' })
  completeCount(value: string): string[] {
    return PROMPT_COUNTS.filter((c) => c.startsWith(value.trim()));
  }

  @McpPrompt({
    name: 'notes.summarize-recent',
    title: 'Summarise recent notes',
    description: 'Asks the model to summarise your most recent notes.',
    args: z.object({
      count: z
        .string()
        .regex(/^\d{1,2}$/, 'must be a number from 1 to 50')
        .optional()
        .describe('How many notes (default 10)'),
    }),
  })
  @RequireScope(NOTES_READ, READS_NOTES)
  async summarizeRecent(args: { count?: string }) {
    const count = Math.min(Math.max(Number(args.count ?? 10), 1), NOTE_PAGE_MAX);
    const { notes } = await this.notes.list(count);
    const text = notes.length ? notes.map((n) => `## ${n.title} (${n.createdAt})\n${n.body}`).join('\n\n') : '(You have no notes yet.)';
    return {
      description: notes.length === 1 ? 'Summary of your most recent note' : `Summary of your ${notes.length} most recent notes`,
      messages: [
        {
          role: 'user' as const,
          content: { type: 'text' as const, text: `Summarise these notes in a few bullet points, grouping related ones:\n\n${text}` },
        },
      ],
    };
  }
}
