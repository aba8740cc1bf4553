import { Injectable } from '@nestjs/common';
import { signCavage, signRfc9421 } from '@mammut/activitypub';
import { GuardedHttp, OutboundHttpError, type OutboundResponse } from '@mammut/platform';
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
 * GETs of remote ActivityPub documents, each signed by the instance actor and sent through the
 * one guarded client: servers in authorized-fetch mode and GoToSocial answer only signed fetches.
 * Signed draft-cavage first, as Mastodon signs its fetches, and once more RFC 9421 when that is
 * refused with 400 or 401 (the double knock Mastodon 4.7 does on GETs as on deliveries), so a
 * server that verifies only RFC 9421 still serves us. Nothing is asked of a suspended domain
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
    const request = { method: 'GET', url, headers };
    const key = await this.instance.signingKey();
    try {
      return await this.http.get(url, { ...options, headers: { ...headers, ...signCavage(request, key) } });
    } catch (error) {
      const doubleKnock =
        error instanceof OutboundHttpError &&
        error.code === 'bad_status' &&
        (error.status === 400 || error.status === 401);
      if (!doubleKnock) throw error;
      return this.http.get(url, { ...options, headers: { ...headers, ...signRfc9421(request, key) } });
    }
  }
}
