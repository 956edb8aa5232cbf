import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';

/** A signing key as an operator sees it; the private half is never selected. */
export interface SigningKeyView {
  kid: string;
  alg: string;
  createdAt: Date;
  retiredAt: Date | null;
  expiresAt: Date | null;
  /** The key new tokens are signed with. */
  active: boolean;
  /** Still published in the JWKS and accepted for verification. */
  published: boolean;
}

@Injectable()
export class AdminSigningKeysRepository {
  constructor(private readonly sql: SqlService) {}

  list(): Promise<SigningKeyView[]> {
    return this.sql.query<SigningKeyView>(
      `SELECT kid, alg, created_at AS "createdAt", retired_at AS "retiredAt", expires_at AS "expiresAt",
              retired_at IS NULL AS active, (expires_at IS NULL OR expires_at > now()) AS published
       FROM signing_keys ORDER BY created_at DESC, kid`,
    );
  }
}
