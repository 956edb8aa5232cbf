import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOAuthSchema1763790000000 implements MigrationInterface {
  name = 'CreateOAuthSchema1763790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE oauth_clients (
        client_id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('dcr', 'cimd', 'static')),
        client_secret_hash text,
        client_secret_expires_at timestamptz,
        token_endpoint_auth_method text NOT NULL,
        grant_types text[] NOT NULL,
        redirect_uris text[] NOT NULL,
        scope text,
        client_name text,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        fetched_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE authorization_requests (
        id_hash text PRIMARY KEY,
        client_id text NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
        redirect_uri text NOT NULL,
        state text,
        code_challenge text NOT NULL,
        scopes text[] NOT NULL,
        resource text NOT NULL,
        csrf_hash text NOT NULL,
        flow_hash text,
        upstream_state_hash text UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz
      )`);
    await q.query(`CREATE INDEX authorization_requests_expires_idx ON authorization_requests (expires_at)`);

    await q.query(`
      CREATE TABLE grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        client_id text NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
        scopes text[] NOT NULL,
        resource text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_reason text
      )`);
    await q.query(`CREATE INDEX grants_user_idx ON grants (user_id)`);
    await q.query(`CREATE INDEX grants_client_idx ON grants (client_id)`);
    await q.query(`CREATE INDEX grants_revoked_idx ON grants (revoked_at) WHERE revoked_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE authorization_codes (
        code_hash text PRIMARY KEY,
        client_id text NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        redirect_uri text NOT NULL,
        code_challenge text NOT NULL,
        scopes text[] NOT NULL,
        resource text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        grant_id uuid REFERENCES grants(id) ON DELETE SET NULL
      )`);
    await q.query(`CREATE INDEX authorization_codes_expires_idx ON authorization_codes (expires_at)`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        grant_id uuid NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_grant_idx ON refresh_tokens (grant_id)`);
    await q.query(`CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at)`);

    await q.query(`
      CREATE TABLE consents (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        client_id text NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
        scopes text[] NOT NULL,
        granted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, client_id)
      )`);

    await q.query(`
      CREATE TABLE browser_sessions (
        id_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);

    await q.query(`
      CREATE TABLE upstream_tokens (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        provider text NOT NULL,
        access_token_encrypted text NOT NULL,
        scope text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, provider)
      )`);

    await q.query(`
      CREATE TABLE token_revocations (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('token', 'grant', 'client', 'user')),
        subject text NOT NULL,
        revoked_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX token_revocations_expires_idx ON token_revocations (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'token_revocations',
      'upstream_tokens',
      'browser_sessions',
      'consents',
      'refresh_tokens',
      'authorization_codes',
      'grants',
      'authorization_requests',
      'oauth_clients',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
