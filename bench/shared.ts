import type { Pool } from 'pg';

/**
 * The exact query src/notes/notes.repository.ts runs for `notes.list` without a cursor, so the three
 * servers in the benchmark do the same database work (LIMIT is page size + 1 to detect a next page).
 */
const COLUMNS = `id, title, body, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt",
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "updatedAt"`;
export const LIST_NOTES_SQL = `SELECT ${COLUMNS} FROM notes WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`;

export interface BenchNote {
  id: string;
  title: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** Same result shape as NotesService.list: a page of notes and, when there are more, a cursor. */
export async function listNotes(pool: Pool, ownerId: string, limit: number): Promise<{ notes: BenchNote[]; nextCursor?: string }> {
  const { rows } = await pool.query<BenchNote>(LIST_NOTES_SQL, [ownerId, limit + 1]);
  const notes = rows.slice(0, limit);
  const last = notes[notes.length - 1];
  return rows.length > limit && last ? { notes, nextCursor: Buffer.from(`${last.createdAt}|${last.id}`).toString('base64url') } : { notes };
}

/** Tells the parent process (bench/run.ts) that the server listens, when started with an IPC channel. */
export function announceListening(port: number): void {
  process.send?.({ type: 'listening', port });
}

/** Stop cleanly on SIGTERM so a CPU profile (node --cpu-prof) is written. */
export function exitOn(signals: NodeJS.Signals[], close: () => Promise<unknown>): void {
  let closing = false;
  for (const signal of signals) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      const force = setTimeout(() => process.exit(0), 3000);
      force.unref();
      close()
        .catch(() => undefined)
        .finally(() => process.exit(0));
    });
  }
}
