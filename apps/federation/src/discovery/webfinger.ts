import { Inject, Injectable } from '@nestjs/common';
import { type ActorRecord, contracts, type RawHttpResponse } from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config } from '@mammut/platform';
import { parseWebfingerResource } from './webfinger-resource';

export interface Jrd {
  subject: string;
  aliases: string[];
  links: ({ rel: string; type: string; href: string } | { rel: string; template: string })[];
}

/** Mastodon caches answers for 3 days and misses for 3 minutes. */
const FOUND_CACHE = 'public, max-age=259200';
const MISS_CACHE = 'public, max-age=180';

const miss = (status: 400 | 404, error: string): RawHttpResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': MISS_CACHE },
  body: JSON.stringify({ error }),
});

/**
 * WebFinger (RFC 7033) for local accounts, as Mastodon serves it: the proof that a handle belongs
 * to an actor, which peers ask before they believe an actor's `preferredUsername`.
 */
@Injectable()
export class WebfingerDocuments {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async answer(resource: string | null): Promise<RawHttpResponse> {
    const target = parseWebfingerResource(resource ?? undefined, this.config);
    if (target.kind === 'invalid') return miss(400, 'Invalid resource');
    if (target.kind === 'elsewhere') return miss(404, 'Record not found');
    // The federation-facing read: WebFinger answers for every local account, as Mastodon's does
    // (the API hides unconfirmed ones); remote accounts are never ours to answer for.
    const { actors } = await this.bus.request(contracts.accounts.remote.lookupActors, {
      accts: [target.username],
    });
    const account = actors[0];
    if (!account || account.domain !== null) return miss(404, 'Record not found');
    return {
      status: 200,
      headers: { 'content-type': 'application/jrd+json; charset=utf-8', 'cache-control': FOUND_CACHE },
      body: JSON.stringify(this.jrd(account)),
    };
  }

  private jrd(account: ActorRecord): Jrd {
    const origin = this.config.publicOrigin;
    const profile = account.url ?? `${origin}/@${account.username}`;
    return {
      subject: `acct:${account.username}@${this.config.localDomain}`,
      aliases: [profile, account.uri],
      links: [
        { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: profile },
        { rel: 'self', type: 'application/activity+json', href: account.uri },
        {
          rel: 'http://ostatus.org/schema/1.0/subscribe',
          template: `${origin}/authorize_interaction?uri={uri}`,
        },
      ],
    };
  }
}
