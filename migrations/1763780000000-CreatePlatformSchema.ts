import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePlatformSchema1763780000000 implements MigrationInterface {
  name = 'CreatePlatformSchema1763780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        source text NOT NULL CHECK (source IN ('github', 'dev')),
        github_id bigint,
        login text NOT NULL,
        name text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        disabled_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX users_github_id_uq ON users (github_id) WHERE github_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX users_dev_login_uq ON users (lower(login)) WHERE source = 'dev'`);

    await q.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_jwk_encrypted text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz,
        expires_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        title text NOT NULL,
        body text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
        ) STORED
      )`);
    await q.query(`CREATE INDEX notes_owner_created_idx ON notes (owner_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX notes_search_idx ON notes USING gin (search)`);

    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        request_id text,
        user_id uuid,
        client_id text,
        kind text NOT NULL,
        target text NOT NULL,
        outcome text NOT NULL,
        latency_ms integer,
        detail jsonb
      )`);
    await q.query(`CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_events_user_idx ON audit_events (user_id, occurred_at DESC)`);
    await q.query(`CREATE INDEX audit_events_client_idx ON audit_events (client_id, occurred_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP TABLE notes`);
    await q.query(`DROP TABLE signing_keys`);
    await q.query(`DROP TABLE users`);
  }
}
