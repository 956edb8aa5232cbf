import { Injectable } from '@nestjs/common';
import { SqlService } from '../database/sql.service.js';
import type { Note, NoteSearchHit } from './note.js';

/** How many of the most recent matching notes notes.search ranks. */
export const SEARCH_CANDIDATES = 200;

/** notes.search ($1 owner, $2 websearch query, $3 limit); `npm run bench:search` explains this very statement. */
export const SEARCH_SQL = `SELECT id, title, left(body, 200) AS excerpt, ts_rank(search, q)::float8 AS rank,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt"
  FROM (SELECT id, title, body, search, created_at FROM notes
        WHERE owner_id = $1 AND search @@ websearch_to_tsquery('english', $2)
        ORDER BY created_at DESC, id DESC LIMIT ${SEARCH_CANDIDATES}) recent,
       websearch_to_tsquery('english', $2) q
  ORDER BY rank DESC, created_at DESC, id DESC LIMIT $3`;

const COLUMNS = `id, title, body, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt",
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "updatedAt"`;

export interface PageCursor {
  createdAt: string;
  id: string;
}

/**
 * The notes tools' statements are fixed texts run on every call: prepared (SqlService). Search is not:
 * its plan depends on how common the searched words are, which a generic plan would not weigh.
 */
const PREPARED = { prepare: true };

/** Every query takes the owner id: a missing filter cannot leak another user's notes. */
@Injectable()
export class NotesRepository {
  constructor(private readonly sql: SqlService) {}

  async create(ownerId: string, title: string, body: string): Promise<Note> {
    const rows = await this.sql.query<Note>(
      `INSERT INTO notes (owner_id, title, body) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [ownerId, title, body],
      PREPARED,
    );
    return rows[0];
  }

  async get(ownerId: string, id: string): Promise<Note | undefined> {
    const rows = await this.sql.query<Note>(`SELECT ${COLUMNS} FROM notes WHERE owner_id = $1 AND id = $2`, [ownerId, id], PREPARED);
    return rows[0];
  }

  /** Newest first; keyset pagination on (created_at, id). */
  list(ownerId: string, limit: number, after?: PageCursor): Promise<Note[]> {
    return after
      ? this.sql.query<Note>(
          `SELECT ${COLUMNS} FROM notes WHERE owner_id = $1 AND (created_at, id) < ($3::timestamptz, $4::uuid)
           ORDER BY created_at DESC, id DESC LIMIT $2`,
          [ownerId, limit, after.createdAt, after.id],
          PREPARED,
        )
      : this.sql.query<Note>(`SELECT ${COLUMNS} FROM notes WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [ownerId, limit], PREPARED);
  }

  async update(ownerId: string, id: string, changes: { title?: string; body?: string }): Promise<Note | undefined> {
    const rows = await this.sql.query<Note>(
      `UPDATE notes SET title = COALESCE($3, title), body = COALESCE($4, body), updated_at = now()
       WHERE owner_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [ownerId, id, changes.title ?? null, changes.body ?? null],
      PREPARED,
    );
    return rows[0];
  }

  async delete(ownerId: string, id: string): Promise<boolean> {
    const rows = await this.sql.query(`DELETE FROM notes WHERE owner_id = $1 AND id = $2 RETURNING id`, [ownerId, id], PREPARED);
    return rows.length > 0;
  }

  /**
   * Ids of the owner's notes whose title contains `text` (any case) or whose id starts with it, newest
   * first (completion of note://{id}). strpos, not LIKE: the typed text has no wildcards.
   */
  async idsMatching(ownerId: string, text: string, limit: number): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `SELECT id FROM notes WHERE owner_id = $1 AND (strpos(lower(title), lower($2)) > 0 OR strpos(id::text, lower($2)) = 1)
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [ownerId, text, limit],
      PREPARED,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Postgres full-text search (websearch syntax), best match first, among the owner's SEARCH_CANDIDATES
   * most recent matching notes: a word in half of 10,000 notes ranks 200 rows, not 5,000 (issue 11 item
   * 14: search p99 within 2x of list p99). A rare word is found through notes_owner_search_idx, a common
   * one by walking notes_owner_created_idx newest first; the planner picks from its statistics.
   */
  search(ownerId: string, query: string, limit: number): Promise<NoteSearchHit[]> {
    return this.sql.query<NoteSearchHit>(SEARCH_SQL, [ownerId, query, limit]);
  }
}
