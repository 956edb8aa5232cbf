import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';

@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  kid: string;

  @Column({ type: 'text' })
  alg: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: JWK;

  /** AES-256-GCM ciphertext of the private JWK; see SecretBox. */
  @Column({ name: 'private_jwk_encrypted', type: 'text' })
  privateJwkEncrypted: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  /** When a retired key may leave the JWKS: after every token it signed has expired. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  /** The longest lifetime (seconds) of a token this key has signed: a retired key is kept that long. */
  @Column({ name: 'max_token_ttl_seconds', type: 'integer' })
  maxTokenTtlSeconds: number;
}
