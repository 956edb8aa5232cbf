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
   * Runs `create` only if no active key exists, under an advisory lock so that instances starting
   * together agree on one key; or, with `rotate`, retires the active keys and adds the new one.
   */
  async addKey(make: () => Promise<SigningKeyEntity>, opts: { onlyIfNoActive: boolean; retireUntil?: Date }): Promise<void> {
    await this.dataSource.transaction(async (em: EntityManager) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [KEY_CREATION_LOCK]);
      const repo = em.getRepository(SigningKeyEntity);
      if (opts.onlyIfNoActive && (await repo.countBy({ retiredAt: IsNull() })) > 0) return;
      if (opts.retireUntil) {
        await repo.update({ retiredAt: IsNull() }, { retiredAt: new Date(), expiresAt: opts.retireUntil });
      }
      await repo.insert(await make());
    });
  }
}
