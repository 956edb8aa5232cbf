import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { DataSource } from 'typeorm';
import type { Note, NoteSearchHit } from '../src/notes/note.js';
import { toolCall } from './factories/json-rpc.factory.js';
import { createNote } from './factories/note.factory.js';
import { textOf } from './helpers/mcp.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Milliseconds, as the admin API prints them (toISOString), never the database's microseconds.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A word no other test (and no stemmer) will produce: letters only, so full-text search keeps it whole. */
function uniqueWord(): string {
  return `zq${randomBytes(6)
    .toString('hex')
    .replace(/\d/g, (d) => 'ghijklmnop'[Number(d)])}`;
}

interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content?: unknown;
}

describe('notes tools through the MCP SDK client', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newUser(prefix: string): Promise<{ login: string; token: string; client: Client }> {
    const login = uniqueLogin(prefix);
    const token = await t.token(login);
    return { login, token, client: await t.client(token) };
  }

  async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
    return (await client.callTool({ name, arguments: args })) as ToolResult;
  }

  async function get(client: Client, id: string): Promise<Note> {
    const r = await call(client, 'notes.get', { id });
    if (r.isError) throw new Error(textOf(r));
    return (r.structuredContent as { note: Note }).note;
  }

  async function listAll(client: Client): Promise<Note[]> {
    const r = await call(client, 'notes.list', { limit: 50 });
    expect(r.isError).toBeFalsy();
    return (r.structuredContent as { notes: Note[] }).notes;
  }

  async function search(client: Client, query: string): Promise<NoteSearchHit[]> {
    const r = await call(client, 'notes.search', { query });
    expect(r.isError).toBeFalsy();
    return (r.structuredContent as { results: NoteSearchHit[] }).results;
  }

  describe('CRUD and search', () => {
    it('create, get, update, search and delete a note', async () => {
      const { client } = await newUser('crud');
      const created = await createNote(client, { title: 'Groceries', body: 'milk and eggs' });
      expect(created).toEqual({
        id: expect.stringMatching(UUID),
        title: 'Groceries',
        body: 'milk and eggs',
        createdAt: expect.stringMatching(TIMESTAMP),
        updatedAt: expect.stringMatching(TIMESTAMP),
      });
      expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
      expect(await get(client, created.id)).toEqual(created);

      const renamed = await call(client, 'notes.update', { id: created.id, title: 'Shopping' });
      expect(renamed.isError).toBeFalsy();
      const afterRename = (renamed.structuredContent as { note: Note }).note;
      expect(afterRename).toMatchObject({ id: created.id, title: 'Shopping', body: 'milk and eggs', createdAt: created.createdAt });
      expect(afterRename.updatedAt > created.updatedAt).toBe(true);

      const rewritten = await call(client, 'notes.update', { id: created.id, body: 'bread' });
      expect((rewritten.structuredContent as { note: Note }).note).toMatchObject({ title: 'Shopping', body: 'bread' });
      expect(await get(client, created.id)).toMatchObject({ title: 'Shopping', body: 'bread' });

      expect((await search(client, 'bread')).map((h) => h.id)).toEqual([created.id]);
      expect(await search(client, 'milk')).toEqual([]);

      const deleted = await call(client, 'notes.delete', { id: created.id });
      expect(deleted.isError).toBeFalsy();
      expect(deleted.structuredContent).toEqual({ deleted: true, id: created.id });

      const gone = await call(client, 'notes.get', { id: created.id });
      expect(gone.isError).toBe(true);
      expect(textOf(gone)).toBe(`Note not found: ${created.id}`);
      const again = await call(client, 'notes.delete', { id: created.id });
      expect(again.isError).toBe(true);
      expect(textOf(again)).toBe(`Note not found: ${created.id}`);
      expect(await listAll(client)).toEqual([]);
    });

    it('the body defaults to empty and the title is trimmed', async () => {
      const { client } = await newUser('defaults');
      const r = await call(client, 'notes.create', { title: '  Padded title  ' });
      expect(r.isError).toBeFalsy();
      expect((r.structuredContent as { note: Note }).note).toMatchObject({ title: 'Padded title', body: '' });
    });

    it('search ranks a note with the word in its title above a newer one with it only in the body', async () => {
      const { client } = await newUser('rank');
      const word = uniqueWord();
      const inTitle = await createNote(client, { title: `All about ${word}`, body: 'nothing else here' });
      const inBody = await createNote(client, { title: 'Trip report', body: `we also saw a ${word} near the beach` });
      await createNote(client, { title: 'Unrelated', body: 'no match at all' });
      const hits = await search(client, word);
      expect(hits.map((h) => h.id)).toEqual([inTitle.id, inBody.id]);
      expect(hits[0].rank).toBeGreaterThan(hits[1].rank);
      expect(hits[1]).toMatchObject({ title: 'Trip report', excerpt: `we also saw a ${word} near the beach`, createdAt: inBody.createdAt });
      expect(await search(client, uniqueWord())).toEqual([]);
    });

    it.each(['"', "'", '&|!:*', '-', '(', 'the and of'])(
      'search for %j (odd syntax or only stop words) answers with no results, not an error',
      async (query) => {
        const { client } = await newUser('oddq');
        await createNote(client, { title: 'the and of', body: 'stop words & symbols: ( - " \' |' });
        expect(await search(client, query)).toEqual([]);
      },
    );

    it('search with an empty query is a tool error naming query', async () => {
      const { client } = await newUser('emptyq');
      const r = await call(client, 'notes.search', { query: '   ' });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/query: /);
    });
  });

  describe('listing', () => {
    it('lists newest first with cursor pagination: 5 notes, limit 2 -> 3 pages, no duplicates, no nextCursor at the end', async () => {
      const { client } = await newUser('pages');
      const created: Note[] = [];
      for (let i = 0; i < 5; i++) created.push(await createNote(client, { title: `page note ${i}` }));
      const newestFirst = created.map((n) => n.id).reverse();

      const pages: string[][] = [];
      const cursors: Array<string | undefined> = [];
      let cursor: string | undefined;
      do {
        const r = await call(client, 'notes.list', { limit: 2, ...(cursor ? { cursor } : {}) });
        expect(r.isError).toBeFalsy();
        const page = r.structuredContent as { notes: Note[]; nextCursor?: string };
        pages.push(page.notes.map((n) => n.id));
        cursor = page.nextCursor;
        cursors.push(cursor);
      } while (cursor && pages.length < 10);

      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(newestFirst);
      expect(new Set(pages.flat()).size).toBe(5);
      expect(cursors[0]).toEqual(expect.any(String));
      expect(cursors[1]).toEqual(expect.any(String));
      expect(cursors[2]).toBeUndefined();
    });

    it('a page that ends exactly at the last note has no nextCursor; the default page holds them all', async () => {
      const { client } = await newUser('exact');
      for (let i = 0; i < 3; i++) await createNote(client);
      const exact = await call(client, 'notes.list', { limit: 3 });
      expect((exact.structuredContent as { notes: Note[] }).notes).toHaveLength(3);
      expect(exact.structuredContent).not.toHaveProperty('nextCursor');
      const byDefault = await call(client, 'notes.list', {});
      expect((byDefault.structuredContent as { notes: Note[] }).notes).toHaveLength(3);
    });

    it.each([
      ['garbage', 'not-a-cursor'],
      ['an empty string', ''],
      ['a cursor with a bad id', Buffer.from('2025-01-01T00:00:00.000000Z|not-a-uuid').toString('base64url')],
      ['a cursor with a bad date', Buffer.from(`yesterday|${randomUUID()}`).toString('base64url')],
    ])('an invalid cursor (%s) is a tool error naming cursor', async (_what, cursor) => {
      const { client } = await newUser('cursor');
      const r = await call(client, 'notes.list', { cursor });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/cursor/);
    });

    it.each([0, 51, 2.5])('limit %s is a tool error naming limit', async (limit) => {
      const { client } = await newUser('limit');
      const r = await call(client, 'notes.list', { limit });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/limit: /);
    });
  });

  describe('limits and input errors', () => {
    it('a title of 200 characters and a body of 20,000 are accepted; one more character is a tool error naming the field', async () => {
      const { client } = await newUser('sizes');
      const ok = await createNote(client, { title: 't'.repeat(200), body: 'b'.repeat(20_000) });
      expect(ok.title).toHaveLength(200);
      expect(ok.body).toHaveLength(20_000);

      const longTitle = await call(client, 'notes.create', { title: 't'.repeat(201) });
      expect(longTitle.isError).toBe(true);
      expect(textOf(longTitle)).toMatch(/title: .*200/);
      const longBody = await call(client, 'notes.create', { title: 'ok', body: 'b'.repeat(20_001) });
      expect(longBody.isError).toBe(true);
      expect(textOf(longBody)).toMatch(/body: .*20000/);
      const longUpdate = await call(client, 'notes.update', { id: ok.id, title: 't'.repeat(201) });
      expect(longUpdate.isError).toBe(true);
      expect(textOf(longUpdate)).toMatch(/title: /);

      expect((await listAll(client)).map((n) => n.id)).toEqual([ok.id]);
      expect(await get(client, ok.id)).toEqual(ok);
    });

    it('an update with nothing to change is a tool error and changes nothing', async () => {
      const { client } = await newUser('noop');
      const note = await createNote(client);
      const r = await call(client, 'notes.update', { id: note.id });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/Nothing to update/);
      expect(await get(client, note.id)).toEqual(note);
    });

    it('a malformed id is "not found", like any id that does not exist', async () => {
      const { client } = await newUser('badid');
      for (const tool of ['notes.get', 'notes.delete']) {
        const r = await call(client, tool, { id: 'not-a-uuid' });
        expect(r.isError).toBe(true);
        expect(textOf(r)).toBe('Note not found: not-a-uuid');
      }
    });
  });

  describe('resource template and prompt', () => {
    it('note://{id} is listed as a template and reads one note as Markdown', async () => {
      const { client } = await newUser('resource');
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates).toEqual([expect.objectContaining({ uriTemplate: 'note://{id}', name: 'note', mimeType: 'text/markdown' })]);

      const note = await createNote(client, { title: 'Resource title', body: 'Resource *body*' });
      const uri = `note://${note.id}`;
      const read = await client.readResource({ uri });
      expect(read.contents).toEqual([{ uri, mimeType: 'text/markdown', text: '# Resource title\n\nResource *body*' }]);
    });

    it('reading a note that does not exist is a JSON-RPC error naming the note', async () => {
      const { client } = await newUser('resource404');
      const missing = randomUUID();
      const error = await client.readResource({ uri: `note://${missing}` }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).message).toContain(`Note not found: ${missing}`);
    });

    it('notes.summarize-recent is listed and includes the titles of the most recent notes', async () => {
      const { client } = await newUser('prompt');
      const { prompts } = await client.listPrompts();
      expect(prompts).toEqual([
        expect.objectContaining({ name: 'notes.summarize-recent', arguments: [expect.objectContaining({ name: 'count', required: false })] }),
      ]);
      const oldest = await createNote(client, { title: `Oldest ${uniqueWord()}` });
      const middle = await createNote(client, { title: `Middle ${uniqueWord()}` });
      const newest = await createNote(client, { title: `Newest ${uniqueWord()}` });

      const all = await client.getPrompt({ name: 'notes.summarize-recent' });
      const allText = JSON.stringify(all.messages);
      for (const n of [oldest, middle, newest]) expect(allText).toContain(n.title);
      expect(all.messages[0]).toMatchObject({ role: 'user', content: { type: 'text' } });

      const two = await client.getPrompt({ name: 'notes.summarize-recent', arguments: { count: '2' } });
      const twoText = JSON.stringify(two.messages);
      expect(twoText).toContain(newest.title);
      expect(twoText).toContain(middle.title);
      expect(twoText).not.toContain(oldest.title);
      expect(two.description).toBe('Summary of your 2 most recent notes');
      expect((await client.getPrompt({ name: 'notes.summarize-recent', arguments: { count: '1' } })).description).toBe('Summary of your most recent note');
    });

    it('a bad prompt argument is a JSON-RPC error naming it', async () => {
      const { client } = await newUser('promptarg');
      await expect(client.getPrompt({ name: 'notes.summarize-recent', arguments: { count: 'many' } })).rejects.toThrow(/count/);
    });
  });

  describe('cross-user isolation', () => {
    let alice: { client: Client; token: string };
    let bob: { client: Client; token: string };
    let aliceNote: Note;
    let bobNote: Note;
    let secretWord: string;
    let sharedWord: string;

    beforeAll(async () => {
      alice = await newUser('alice');
      bob = await newUser('bob');
      secretWord = uniqueWord();
      sharedWord = uniqueWord();
      aliceNote = await createNote(alice.client, { title: `Alice secret ${sharedWord}`, body: `private ${secretWord}` });
      bobNote = await createNote(bob.client, { title: `Bob note ${sharedWord}`, body: 'bob body' });
    });

    /** The error text with the note id masked, so "someone else's" and "nobody's" can be compared. */
    const masked = (text: string, id: string): string => text.split(id).join('<id>');

    it.each([
      ['notes.get', (id: string) => ({ id })],
      ['notes.update', (id: string) => ({ id, title: 'taken over', body: 'overwritten' })],
      ['notes.delete', (id: string) => ({ id })],
    ])("%s on another user's note fails exactly like on a note that does not exist", async (tool, args) => {
      const theirs = await call(bob.client, tool, args(aliceNote.id));
      const nobodys = randomUUID();
      const missing = await call(bob.client, tool, args(nobodys));
      expect(theirs.isError).toBe(true);
      expect(missing.isError).toBe(true);
      expect(textOf(theirs)).toBe(`Note not found: ${aliceNote.id}`);
      expect(masked(textOf(theirs), aliceNote.id)).toBe(masked(textOf(missing), nobodys));
      expect(theirs.structuredContent).toBeUndefined();
      expect(await get(alice.client, aliceNote.id)).toEqual(aliceNote);
    });

    it("reading another user's note as a resource fails exactly like a note that does not exist", async () => {
      const failure = (uri: string) =>
        bob.client.readResource({ uri }).then(
          () => {
            throw new Error(`read of ${uri} succeeded`);
          },
          (e: unknown) => e as McpError,
        );
      const theirs = await failure(`note://${aliceNote.id}`);
      const nobodys = randomUUID();
      const missing = await failure(`note://${nobodys}`);
      expect(theirs).toBeInstanceOf(McpError);
      expect(theirs.code).toBe(missing.code);
      expect(masked(theirs.message, aliceNote.id)).toBe(masked(missing.message, nobodys));
      expect(theirs.message).not.toContain('Alice secret');
    });

    it("list, search and the prompt never show another user's notes", async () => {
      const bobsList = await listAll(bob.client);
      expect(bobsList.map((n) => n.id)).toEqual([bobNote.id]);
      expect((await search(bob.client, sharedWord)).map((h) => h.id)).toEqual([bobNote.id]);
      expect(await search(bob.client, secretWord)).toEqual([]);
      const prompt = await bob.client.getPrompt({ name: 'notes.summarize-recent' });
      expect(JSON.stringify(prompt.messages)).not.toContain('Alice secret');
      expect(JSON.stringify(prompt.messages)).toContain(bobNote.title);
      // The owner still sees her own note through every read path.
      expect((await search(alice.client, secretWord)).map((h) => h.id)).toEqual([aliceNote.id]);
      expect((await listAll(alice.client)).map((n) => n.id)).toEqual([aliceNote.id]);
    });

    it("after all of that, the owner's note is unchanged", async () => {
      expect(await get(alice.client, aliceNote.id)).toEqual(aliceNote);
    });
  });

  describe('audit', () => {
    interface AuditRow {
      kind: string;
      target: string;
      outcome: string;
      request_id: string | null;
      client_id: string | null;
      latency_ms: number | null;
    }

    it('records every tool call, allowed or not, with user, client, outcome, latency and request id', async () => {
      const login = uniqueLogin('audit');
      const userId = await t.userId(login);
      const token = await t.token(login);
      const readOnly = await t.token(login, ['notes:read']);
      const client = await t.client(token);
      const tag = randomUUID().slice(0, 8);
      const raw = (body: unknown, tok: string, requestId: string) => t.rpc(body, { authorization: `Bearer ${tok}`, 'x-request-id': requestId });

      const note = await createNote(client);
      await get(client, note.id);
      expect((await raw(toolCall('notes.create', { title: 'denied' }), readOnly, `audit-denied-${tag}`)).status).toBe(403);
      const invalid = await raw(toolCall('notes.create', { title: '' }), token, `audit-invalid-${tag}`);
      expect(invalid.body.result.isError).toBe(true);
      const unknown = await raw(toolCall('notes.nope'), token, `audit-unknown-${tag}`);
      expect(unknown.body.error.code).toBe(-32602);
      const notFound = await raw(toolCall('notes.get', { id: randomUUID() }), token, `audit-missing-${tag}`);
      expect(notFound.body.result.isError).toBe(true);

      const ds = t.app.get(DataSource);
      const rows = await pollUntil(
        () =>
          ds.query<AuditRow[]>(`SELECT kind, target, outcome, request_id, client_id, latency_ms FROM audit_events WHERE user_id = $1 ORDER BY id`, [userId]),
        (r) => r.length >= 6,
        3000,
      );
      expect(rows.map(({ kind, target, outcome }) => ({ kind, target, outcome }))).toEqual([
        { kind: 'tool', target: 'notes.create', outcome: 'ok' },
        { kind: 'tool', target: 'notes.get', outcome: 'ok' },
        { kind: 'tool', target: 'notes.create', outcome: 'denied' },
        { kind: 'tool', target: 'notes.create', outcome: 'invalid' },
        { kind: 'tool', target: 'notes.nope', outcome: 'not_found' },
        { kind: 'tool', target: 'notes.get', outcome: 'error' },
      ]);
      expect(rows.map((r) => r.request_id)).toEqual([
        expect.stringMatching(UUID),
        expect.stringMatching(UUID),
        `audit-denied-${tag}`,
        `audit-invalid-${tag}`,
        `audit-unknown-${tag}`,
        `audit-missing-${tag}`,
      ]);
      expect(rows[0].request_id).not.toBe(rows[1].request_id);
      for (const row of rows) {
        expect(row.client_id).toBe('test-client');
        expect(typeof row.latency_ms).toBe('number');
        expect(row.latency_ms).toBeGreaterThanOrEqual(0);
      }
    });
  });
});
