import { Inject, Injectable } from '@nestjs/common';
import type { AccountRecord, CredentialRecord, FilterRecord, RelationshipRecord } from '@mammut/contracts';
import { CLOCK, type Clock, TaggedCache } from '@mammut/platform';

/** How long a cached read is trusted without a new one, should an invalidation ever go missing. */
export const READ_TTL_MS = 30_000;

/**
 * What verify_credentials answers, by account: filed under `c:<account id>`, which PostgreSQL
 * notifies on every change to the account or its user and on every follow request to it.
 */
@Injectable()
export class CredentialsCache extends TaggedCache<CredentialRecord> {
  constructor(@Inject(CLOCK) clock: Clock) {
    super({ ttlMs: READ_TTL_MS, max: 20_000, now: () => clock.millis() });
  }
}

/**
 * Accounts as every status, notification and list presents them, by id: filed under `c:<account
 * id>`, which PostgreSQL notifies on every change to the account row (its counters included) or
 * its user (confirmation and approval decide whether it is shown). Only accounts found are kept:
 * one that appears later is read then.
 */
@Injectable()
export class AccountsCache extends TaggedCache<AccountRecord> {
  constructor(@Inject(CLOCK) clock: Clock) {
    super({ ttlMs: READ_TTL_MS, max: 100_000, now: () => clock.millis() });
  }
}

/**
 * The relationship between a viewer and a target: filed under `r:` of both (any follow, request,
 * block, mute, note, endorsement or domain block of either notifies it) and `a:` of the target
 * (a suspension hides it). A timed mute ends the entry's life with the mute.
 */
@Injectable()
export class RelationshipsCache extends TaggedCache<RelationshipRecord> {
  constructor(@Inject(CLOCK) clock: Clock) {
    super({ ttlMs: READ_TTL_MS, max: 200_000, now: () => clock.millis() });
  }

  static key(viewerId: string, targetId: string, withSuspended: boolean): string {
    return `${viewerId}:${targetId}:${withSuspended ? 's' : ''}`;
  }

  static tags(viewerId: string, targetId: string): string[] {
    return [`r:${viewerId}`, `r:${targetId}`, `a:${targetId}`];
  }
}

/**
 * A viewer's active filters, as every page of statuses it is shown matches them: filed under
 * `f:<account id>`, which PostgreSQL notifies on every change to the account's filters, their
 * keywords and statuses. An entry lives no longer than the first of its filters does.
 */
@Injectable()
export class FiltersCache extends TaggedCache<FilterRecord[]> {
  constructor(@Inject(CLOCK) clock: Clock) {
    super({ ttlMs: READ_TTL_MS, max: 50_000, now: () => clock.millis() });
  }
}
