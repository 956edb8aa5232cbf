import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** github: keyed by GitHub id; dev: local sign-in page; oidc: keyed by (issuer, subject) at a company identity provider. */
export type UserSource = 'github' | 'dev' | 'oidc';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  source: UserSource;

  @Column({ name: 'github_id', type: 'bigint', nullable: true })
  githubId: string | null;

  @Column({ type: 'text' })
  login: string;

  /** For source oidc: the identity provider's issuer and the person's `sub` there (the key, never the email). */
  @Column({ type: 'text', nullable: true })
  issuer: string | null;

  @Column({ type: 'text', nullable: true })
  subject: string | null;

  @Column({ type: 'text', nullable: true })
  name: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  /** For source oidc: the verified email and groups of the last sign-in or refresh (re-checked at every refresh). */
  @Column({ name: 'sign_in_claims', type: 'jsonb', nullable: true })
  signInClaims: unknown;

  /** When the identity provider last confirmed `signInClaims`. */
  @Column({ name: 'sign_in_checked_at', type: 'timestamptz', nullable: true })
  signInCheckedAt: Date | null;
}
