import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UserEntity } from './user.entity.js';

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Finds or creates the local (dev sign-in) user with this login; race-free on the unique index. */
  async upsertDevUser(login: string): Promise<UserEntity> {
    const rows: UserEntity[] = await this.dataSource.query(
      `INSERT INTO users (source, login, last_login_at) VALUES ('dev', $1, now())
       ON CONFLICT (lower(login)) WHERE source = 'dev' DO UPDATE SET last_login_at = now()
       RETURNING id, source, github_id AS "githubId", login, name, created_at AS "createdAt",
                 last_login_at AS "lastLoginAt", disabled_at AS "disabledAt"`,
      [login],
    );
    return rows[0];
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ id });
  }
}
