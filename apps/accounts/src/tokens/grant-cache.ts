import { Inject, Injectable } from '@nestjs/common';
import type { TokenGrant } from '@mammut/contracts';
import { CLOCK, type Clock } from '@mammut/platform';

/** How long a grant is trusted without a new read, should an invalidation ever go missing. */
export const GRANT_TTL_MS = 30_000;
/** Bounds memory: past this, the oldest entries make room. */
export const GRANT_CACHE_MAX = 10_000;

interface Entry {
  readonly grant: TokenGrant;
  readonly expiresAt: number;
}

/**
 * Grants of recently used tokens, keyed by token digest, so an authenticated request costs no
 * query. Every change that can narrow a grant (revocation, a user disabled or its role changed, an
 * account suspended, a row deleted) evicts it: PostgreSQL notifies them from triggers, so no
 * writer can forget (see GrantChangesListener and ADR 0005).
 *
 * The cache trusts nothing while those notifications may be missed (before LISTEN is in place,
 * after the listening connection drops): it then answers misses only and stores nothing. A read
 * that raced with a change is not stored either: `ticket()` before the read, `put()` after, and
 * any invalidation in between voids the ticket.
 */
@Injectable()
export class GrantCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private trusted = false;

  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  get(digest: string): TokenGrant | undefined {
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now().getTime()) {
      this.entries.delete(digest);
      return undefined;
    }
    return entry.grant;
  }

  /** Take one before reading a grant from the database; `put` refuses it if anything changed since. */
  ticket(): number {
    return this.generation;
  }

  put(digest: string, grant: TokenGrant, ticket: number): void {
    if (!this.trusted || ticket !== this.generation) return;
    if (this.entries.size >= GRANT_CACHE_MAX) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(digest, { grant, expiresAt: this.clock.now().getTime() + GRANT_TTL_MS });
  }

  forgetToken(digest: string): void {
    this.generation += 1;
    this.entries.delete(digest);
  }

  forgetUser(userId: string): void {
    this.forgetWhere((grant) => grant.user?.userId === userId);
  }

  forgetAccount(accountId: string): void {
    this.forgetWhere((grant) => grant.user?.accountId === accountId);
  }

  forgetAll(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** Invalidations are being received from now on. */
  startTrusting(): void {
    this.generation += 1;
    this.trusted = true;
  }

  /** Invalidations may be missed from now on: drop everything and cache nothing. */
  stopTrusting(): void {
    this.generation += 1;
    this.trusted = false;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private forgetWhere(matches: (grant: TokenGrant) => boolean): void {
    this.generation += 1;
    for (const [digest, entry] of this.entries) if (matches(entry.grant)) this.entries.delete(digest);
  }
}
