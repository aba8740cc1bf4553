import { Inject, Injectable } from '@nestjs/common';
import type { Role, TokenGrant } from '@mammut/contracts';
import { queryPrepared } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { GrantCache } from '../caches/grant-cache';
import { TokenActivity } from './token-activity';
import { digestOf } from './token-digest';

interface GrantRow {
  id: string;
  application_id: string;
  scopes: string[];
  user_id: string | null;
  account_id: string | null;
  role: Role | null;
  confirmed_at: Date | null;
  approved: boolean | null;
  disabled: boolean | null;
  suspended_at: Date | null;
}

/** How many token digests are remembered (see `digestOf`). */
const REMEMBERED_DIGESTS = 10_000;

/**
 * Resolves a bearer token to who acts, through which app, with which scopes. Revoked tokens
 * resolve to nothing. Every request asks, so grants are cached until a change evicts them.
 */
@Injectable()
export class AuthenticateToken {
  private readonly digests = new Map<string, string>();

  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly cache: GrantCache,
    private readonly activity: TokenActivity,
  ) {}

  async execute(token: string): Promise<TokenGrant | null> {
    const digest = this.digestOf(token);
    const cached = this.cache.grantOf(digest);
    if (cached) {
      this.activity.touch(cached.tokenId);
      return cached;
    }
    const ticket = this.cache.ticket();
    const grant = await this.read(digest);
    // Unknown tokens are not cached: a token issued a moment later must work at once.
    if (grant) {
      this.cache.putGrant(digest, grant, ticket);
      this.activity.touch(grant.tokenId);
    }
    return grant;
  }

  /**
   * The digest of a token this process has seen, or a new one. Clients send the same few tokens
   * over and over, and hashing was a measurable share of every authenticated request. Only
   * digests of tokens someone presented are remembered, a bounded number, and a digest grants
   * nothing by itself: the grant is still looked up (and a revoked token's is gone).
   */
  private digestOf(token: string): string {
    let digest = this.digests.get(token);
    if (digest === undefined) {
      digest = digestOf(token);
      if (this.digests.size >= REMEMBERED_DIGESTS) this.digests.clear();
      this.digests.set(token, digest);
    }
    return digest;
  }

  private async read(digest: string): Promise<TokenGrant | null> {
    const rows = await queryPrepared<GrantRow>(
      this.db,
      'accounts.authenticate-token',
      `SELECT t.id, t.application_id, t.scopes, u.id AS user_id, u.account_id, u.role, u.confirmed_at, u.approved, u.disabled,
              a.suspended_at
         FROM accounts.oauth_access_tokens t
         LEFT JOIN accounts.users u ON u.id = t.user_id
         LEFT JOIN accounts.accounts a ON a.id = u.account_id
        WHERE t.token_digest = $1 AND t.revoked_at IS NULL`,
      [digest],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      tokenId: row.id,
      applicationId: row.application_id,
      scopes: row.scopes,
      user:
        row.user_id && row.account_id
          ? {
              userId: row.user_id,
              accountId: row.account_id,
              role: row.role ?? 'user',
              confirmed: row.confirmed_at !== null,
              approved: row.approved ?? false,
              disabled: row.disabled ?? false,
              suspended: row.suspended_at !== null,
            }
          : null,
    };
  }
}
