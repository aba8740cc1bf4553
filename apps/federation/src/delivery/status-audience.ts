import { Inject, Injectable } from '@nestjs/common';
import { contracts, type Visibility } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import { Relays } from '../relays/relays';

/** Follower inboxes read per request: a page the accounts service answers from one query. */
const FOLLOWER_PAGE = 500;

export interface StatusReach {
  /** The local author. */
  readonly authorId: string;
  readonly visibility: Visibility;
  /** Accounts addressed besides the followers: the mentioned, the author replied to or reblogged. */
  readonly accountIds: readonly string[];
}

/**
 * The remote inboxes a local status (and what later happens to it) goes to, as Mastodon's
 * StatusReachFinder chooses them: the author's remote followers unless it is direct, and the remote
 * accounts it addresses, and the relays that accepted our subscription when it is public; a shared
 * inbox stands in for every account of its server, each inbox once.
 */
@Injectable()
export class StatusAudience {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly relays: Relays,
  ) {}

  async inboxes({ authorId, visibility, accountIds }: StatusReach): Promise<string[]> {
    const inboxes = new Set<string>();
    if (visibility !== 'direct')
      for (const inbox of await this.paged((after) =>
        this.bus.request(contracts.accounts.remote.listFollowerInboxes, {
          accountId: authorId,
          after,
          limit: FOLLOWER_PAGE,
        }),
      ))
        inboxes.add(inbox);
    const ids = [...new Set(accountIds)];
    if (ids.length) {
      const { actors } = await this.bus.request(contracts.accounts.remote.getActors, { ids });
      for (const actor of actors) {
        const inbox = actor.sharedInboxUrl || actor.inboxUrl;
        if (actor.domain !== null && !actor.suspended && inbox) inboxes.add(inbox);
      }
    }
    if (visibility === 'public')
      for (const inbox of await this.relays.publishingInboxes()) inboxes.add(inbox);
    return [...inboxes];
  }

  /** Every remote inbox known here, and the relays': where the deletion of an account is announced. */
  async everyKnownInbox(): Promise<string[]> {
    const known = await this.paged((after) =>
      this.bus.request(contracts.accounts.remote.listKnownInboxes, { after, limit: FOLLOWER_PAGE }),
    );
    return [...new Set([...known, ...(await this.relays.publishingInboxes())])];
  }

  /** All the pages of an inbox list, each asked for after the last inbox of the one before. */
  private async paged(page: (after: string | null) => Promise<{ inboxes: string[] }>): Promise<string[]> {
    const all: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { inboxes } = await page(after);
      all.push(...inboxes);
      if (inboxes.length < FOLLOWER_PAGE) return all;
      after = inboxes[inboxes.length - 1];
    }
  }
}
