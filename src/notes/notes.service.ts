import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { isUtcMicrosTimestamp, toMillisTimestamp } from '../common/timestamp.js';
import { ResourceChanges } from '../mcp/subscriptions/resource-changes.service.js';
import type { Note, NoteSearchHit } from './note.js';
import { NotesRepository, type PageCursor } from './notes.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Notes of the calling user. The owner always comes from the request context; another user's note
 * is indistinguishable from one that does not exist.
 */
@Injectable()
export class NotesService {
  constructor(
    private readonly notes: NotesRepository,
    private readonly context: RequestContextService,
    private readonly changes: ResourceChanges,
  ) {}

  async create(title: string, body: string): Promise<Note> {
    return shown(await this.notes.create(this.owner(), title, body));
  }

  async get(id: string): Promise<Note> {
    return shown(this.found(id, UUID.test(id) ? await this.notes.get(this.owner(), id) : undefined));
  }

  async list(limit: number, cursor?: string): Promise<{ notes: Note[]; nextCursor?: string }> {
    const rows = await this.notes.list(this.owner(), limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
    const notes = rows.slice(0, limit);
    const last = notes[notes.length - 1];
    const page = notes.map(shown);
    return rows.length > limit && last ? { notes: page, nextCursor: encodeCursor({ createdAt: last.createdAt, id: last.id }) } : { notes: page };
  }

  async update(id: string, changes: { title?: string; body?: string }): Promise<Note> {
    if (changes.title === undefined && changes.body === undefined) {
      throw new DomainError('invalid_input', 'Nothing to update: give a title, a body or both');
    }
    const owner = this.owner();
    const note = this.found(id, UUID.test(id) ? await this.notes.update(owner, id, changes) : undefined);
    this.changes.updated(owner, noteUri(note.id));
    return shown(note);
  }

  async delete(id: string): Promise<void> {
    const owner = this.owner();
    if (!UUID.test(id) || !(await this.notes.delete(owner, id))) throw notFound(id);
    this.changes.updated(owner, noteUri(id.toLowerCase()));
  }

  /** Ids of the caller's notes whose title contains `text` or whose id starts with it, newest first. */
  idsMatching(text: string, limit: number): Promise<string[]> {
    return this.notes.idsMatching(this.owner(), text, limit);
  }

  async search(query: string, limit: number): Promise<NoteSearchHit[]> {
    return (await this.notes.search(this.owner(), query, limit)).map((hit) => ({ ...hit, createdAt: toMillisTimestamp(hit.createdAt) }));
  }

  private owner(): string {
    return this.context.principal().userId;
  }

  private found(id: string, note: Note | undefined): Note {
    if (!note) throw notFound(id);
    return note;
  }
}

/** A note as callers see it: timestamps in milliseconds, like the admin API's (the cursor keeps microseconds). */
function shown(note: Note): Note {
  return { ...note, createdAt: toMillisTimestamp(note.createdAt), updatedAt: toMillisTimestamp(note.updatedAt) };
}

/** The note as an MCP resource (NotesTools' `note://{id}` template): what listen streams subscribe to. */
export function noteUri(id: string): string {
  return `note://${id}`;
}

function notFound(id: string): DomainError {
  return new DomainError('not_found', `Note not found: ${id}`);
}

export function encodeCursor(c: PageCursor): string {
  return Buffer.from(`${c.createdAt}|${c.id}`).toString('base64url');
}

/** SECURITY 36: only what encodeCursor makes (a real microsecond timestamp and a UUID) reaches the query. */
function decodeCursor(cursor: string): PageCursor {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const [createdAt, id] = parts;
  if (parts.length !== 2 || !isUtcMicrosTimestamp(createdAt) || !UUID.test(id)) {
    throw new DomainError('invalid_input', 'cursor: not a cursor returned by notes.list');
  }
  return { createdAt, id };
}
