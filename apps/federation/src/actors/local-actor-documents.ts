import { Inject, Injectable } from '@nestjs/common';
import { contracts, type RawHttpResponse } from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config } from '@mammut/platform';
import { ACTIVITY_JSON, ACTIVITY_TYPES, answer } from '../http/responses';
import { ActorKeysStore } from '../keys/actor-keys';
import { actorDocument, bareActorDocument } from './actor-document';

const USERNAME = /^[a-z0-9_]{1,30}$/i;

/**
 * How much of an actor a request may see: everything to anyone (`public`), everything to a
 * verified signer in authorized-fetch mode (`signed`, never cached by others), or, there, the
 * bare actor with its key to anyone else (`bare`), as Mastodon's secure mode serves it.
 */
export type ActorView = 'public' | 'signed' | 'bare';

const CACHE: Record<ActorView, string> = {
  // Peers refetch actors on their own schedule; a short shared cache spares a burst of them.
  public: 'max-age=180, public',
  signed: 'private, no-store',
  bare: 'max-age=180, public',
};

/**
 * Local actors at their ids (`/users/<name>`): ActivityStreams JSON to peers, a redirect to the
 * profile page to browsers, the same URL serving both as Mastodon's does.
 */
@Injectable()
export class LocalActorDocuments {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly keys: ActorKeysStore,
  ) {}

  async serve(raw: string, accept: string, view: ActorView): Promise<RawHttpResponse> {
    let username: string;
    try {
      username = decodeURIComponent(raw);
    } catch {
      return answer(404, 'Record not found');
    }
    if (!USERNAME.test(username)) return answer(404, 'Record not found');
    const { actors } = await this.bus.request(contracts.accounts.remote.lookupActors, { accts: [username] });
    const account = actors[0];
    if (!account || account.domain !== null) return answer(404, 'Record not found');
    if (!ACTIVITY_TYPES.test(accept)) {
      const profile = account.url ?? `${this.config.publicOrigin}/@${account.username}`;
      return { status: 302, headers: { location: profile, vary: 'Accept' }, body: '' };
    }
    const document = actorDocument(account, await this.keys.publicKeyOf(account.id), this.config);
    return {
      status: 200,
      headers: {
        'content-type': ACTIVITY_JSON,
        vary: view === 'public' ? 'Accept' : 'Accept, Signature',
        'cache-control': CACHE[view],
      },
      body: JSON.stringify(view === 'bare' ? bareActorDocument(document) : document),
    };
  }
}
