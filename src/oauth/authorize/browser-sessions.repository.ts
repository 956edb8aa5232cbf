import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';

export interface SessionUser {
  userId: string;
  login: string;
}

/** Signed-in browsers (the session cookie's value is stored only as a hash). */
@Injectable()
export class BrowserSessionsRepository {
  constructor(private readonly sql: SqlService) {}

  async create(idHash: string, userId: string, ttlSeconds: number): Promise<void> {
    await this.sql.query(`INSERT INTO browser_sessions (id_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`, [
      idHash,
      userId,
      ttlSeconds,
    ]);
  }

  async findUser(idHash: string): Promise<SessionUser | undefined> {
    const rows = await this.sql.query<SessionUser>(
      `SELECT u.id AS "userId", u.login FROM browser_sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
      [idHash],
    );
    return rows[0];
  }
}
