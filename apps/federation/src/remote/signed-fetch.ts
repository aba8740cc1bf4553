import { Injectable } from '@nestjs/common';
import { signCavage } from '@mammut/activitypub';
import { GuardedHttp, type OutboundResponse } from '@mammut/platform';
import { InstanceActor } from '../actors/instance-actor';
import { DomainBlocks } from '../domain-blocks/domain-blocks';

type GetOptions = NonNullable<Parameters<GuardedHttp['get']>[1]>;

/** A fetch refused without a request: the URL's domain is suspended here. */
export class DomainSuspended extends Error {
  constructor(url: string) {
    super(`the domain of ${url} is suspended`);
    this.name = 'DomainSuspended';
  }
}

/**
 * GETs of remote ActivityPub documents, each signed (draft-cavage, as Mastodon signs its fetches)
 * by the instance actor and sent through the one guarded client: servers in authorized-fetch mode
 * and GoToSocial answer only signed fetches. Nothing is asked of a suspended domain
 * (DomainSuspended), as Mastodon's fetches check domain blocks first.
 */
@Injectable()
export class SignedFetch {
  constructor(
    private readonly http: GuardedHttp,
    private readonly instance: InstanceActor,
    private readonly blocks: DomainBlocks,
  ) {}

  async get(url: string, options: GetOptions = {}): Promise<OutboundResponse> {
    if (await this.blocks.suspendsUrl(url)) throw new DomainSuspended(url);
    const headers = { ...options.headers };
    const signature = signCavage({ method: 'GET', url, headers }, await this.instance.signingKey());
    return this.http.get(url, { ...options, headers: { ...headers, ...signature } });
  }
}
