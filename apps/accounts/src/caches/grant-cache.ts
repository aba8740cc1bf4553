import { Inject, Injectable } from '@nestjs/common';
import type { TokenGrant } from '@mammut/contracts';
import { CLOCK, type Clock, TaggedCache } from '@mammut/platform';

/** How long a grant is trusted without a new read, should an invalidation ever go missing. */
export const GRANT_TTL_MS = 30_000;
/** Bounds memory: past this, the oldest entries make room. */
export const GRANT_CACHE_MAX = 10_000;

/**
 * Grants of recently used tokens, keyed by token digest, so an authenticated request costs no
 * query. Every change that can narrow a grant (revocation, a user disabled or its role changed, an
 * account suspended, a row deleted) evicts it: PostgreSQL notifies `t:<digest>`, `u:<user id>` and
 * `a:<account id>` from triggers, so no writer can forget (AccountChangesListener, ADR 0005).
 */
@Injectable()
export class GrantCache extends TaggedCache<TokenGrant> {
  constructor(@Inject(CLOCK) clock: Clock) {
    super({ ttlMs: GRANT_TTL_MS, max: GRANT_CACHE_MAX, now: () => clock.millis() });
  }

  /** Filed under its token, its user and its account. */
  putGrant(digest: string, grant: TokenGrant, ticket: number): void {
    const owner = grant.user ? [`u:${grant.user.userId}`, `a:${grant.user.accountId}`] : [];
    this.put(`t:${digest}`, grant, [`t:${digest}`, ...owner], ticket);
  }

  grantOf(digest: string): TokenGrant | undefined {
    return this.get(`t:${digest}`);
  }
}
