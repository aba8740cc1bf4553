import { Inject, Injectable } from '@nestjs/common';
import type { IssuedToken } from '@mammut/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { GrantCache } from '../caches/grant-cache';
import { digestOf, newSecret } from '../tokens/token-digest';

export interface TokenOwner {
  readonly applicationId: string;
  /** Null for an app token (client credentials). */
  readonly userId: string | null;
  readonly scopes: readonly string[];
}

/** Issues and revokes bearer tokens; only their digests are stored, and they never expire (Mastodon). */
@Injectable()
export class AccessTokens {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly grants: GrantCache,
  ) {}

  /** Issues a token, inside the caller's transaction when it passes one. */
  async issue(owner: TokenOwner, tx: EntityManager = this.db.manager): Promise<IssuedToken> {
    const accessToken = newSecret();
    const rows: { created_at: Date }[] = await tx.query(
      `INSERT INTO accounts.oauth_access_tokens (token_digest, application_id, user_id, scopes)
       VALUES ($1, $2, $3, $4) RETURNING created_at`,
      [digestOf(accessToken), owner.applicationId, owner.userId, owner.scopes],
    );
    return { accessToken, scopes: [...owner.scopes], createdAt: rows[0].created_at.toISOString() };
  }

  /** The application a live token belongs to, or null when it is unknown or already revoked. */
  async applicationOf(token: string): Promise<string | null> {
    const rows: { application_id: string }[] = await this.db.query(
      `SELECT application_id FROM accounts.oauth_access_tokens WHERE token_digest = $1 AND revoked_at IS NULL`,
      [digestOf(token)],
    );
    return rows[0]?.application_id ?? null;
  }

  async revoke(token: string, applicationId: string): Promise<boolean> {
    const digest = digestOf(token);
    // TypeORM answers an UPDATE with [rows, affected count].
    const [, affected]: [unknown[], number] = await this.db.query(
      `UPDATE accounts.oauth_access_tokens SET revoked_at = now()
        WHERE token_digest = $1 AND application_id = $2 AND revoked_at IS NULL`,
      [digest, applicationId],
    );
    // The trigger's notification evicts it everywhere, this replica included; evicting here too
    // means this replica refuses the token before the revocation is even answered.
    this.grants.evict(`t:${digest}`);
    return affected > 0;
  }
}
