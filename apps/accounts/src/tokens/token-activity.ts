import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, logger } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';

/** How stale a token's `last_used_at` may get: activity counts need days, not seconds. */
export const TOKEN_ACTIVITY_RESOLUTION_MS = 3600_000;
/** Bounds memory; past it the remembered writes are forgotten (costing at most one write each). */
const REMEMBERED_MAX = 50_000;

const log = (): ReturnType<typeof logger> => logger('accounts:token-activity');

/**
 * Keeps `oauth_access_tokens.last_used_at` roughly current without a write per request: at most
 * one UPDATE per token per resolution per process, off the request path, and the UPDATE itself
 * skips rows another replica touched within the resolution. Users active only through an app
 * count as active in the instance's statistics through it.
 */
@Injectable()
export class TokenActivity {
  private readonly written = new Map<string, number>();

  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Notes that the token was used now; never waits and never fails the request. */
  touch(tokenId: string): void {
    const now = this.clock.millis();
    const last = this.written.get(tokenId);
    if (last !== undefined && now - last < TOKEN_ACTIVITY_RESOLUTION_MS) return;
    if (this.written.size >= REMEMBERED_MAX) this.written.clear();
    this.written.set(tokenId, now);
    this.db
      .query(
        `UPDATE accounts.oauth_access_tokens SET last_used_at = now()
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2::interval)`,
        [tokenId, `${TOKEN_ACTIVITY_RESOLUTION_MS} milliseconds`],
      )
      .catch((err: unknown) => {
        this.written.delete(tokenId);
        log().warn({ err, tokenId }, 'could not record token use');
      });
  }
}
