import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { SigningKeyEntity } from './signing-key.entity.js';

const KEY_CREATION_LOCK = 7_340_001;

@Injectable()
export class SigningKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Keys still usable for verification (active, or retired but not yet past their last token). */
  findUsable(): Promise<SigningKeyEntity[]> {
    return this.dataSource
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('k')
      .where('k.expires_at IS NULL OR k.expires_at > now()')
      .orderBy('k.created_at', 'DESC')
      .getMany();
  }

  /**
   * Runs `make` only if no active key exists, under an advisory lock so that instances starting
   * together agree on one key; or, with `retire`, retires the active keys, each kept until the
   * longest-lived token it signed has expired (plus `slackSeconds`), and adds the new one.
   */
  async addKey(make: () => Promise<SigningKeyEntity>, opts: { onlyIfNoActive: boolean; retire?: { slackSeconds: number } }): Promise<void> {
    await this.dataSource.transaction(async (em: EntityManager) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [KEY_CREATION_LOCK]);
      const repo = em.getRepository(SigningKeyEntity);
      if (opts.onlyIfNoActive && (await repo.countBy({ retiredAt: IsNull() })) > 0) return;
      if (opts.retire) {
        await em.query(
          `UPDATE signing_keys SET retired_at = now(), expires_at = now() + make_interval(secs => max_token_ttl_seconds + $1) WHERE retired_at IS NULL`,
          [opts.retire.slackSeconds],
        );
      }
      await repo.insert(await make());
    });
  }

  /**
   * Records that `kid` signs tokens living `ttlSeconds`; a retired key's end of life moves out to
   * cover them (an instance may still sign with a key another instance has just retired).
   */
  async raiseMaxTokenTtl(kid: string, ttlSeconds: number, slackSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE signing_keys
         SET max_token_ttl_seconds = GREATEST(max_token_ttl_seconds, $2),
             expires_at = CASE WHEN retired_at IS NULL THEN expires_at ELSE GREATEST(expires_at, now() + make_interval(secs => $2 + $3)) END
       WHERE kid = $1`,
      [kid, ttlSeconds, slackSeconds],
    );
  }
}
