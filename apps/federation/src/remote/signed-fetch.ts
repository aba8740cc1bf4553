import { Injectable } from '@nestjs/common';
import { signCavage } from '@mammut/activitypub';
import { GuardedHttp, type OutboundResponse } from '@mammut/platform';
import { InstanceActor } from '../actors/instance-actor';

type GetOptions = NonNullable<Parameters<GuardedHttp['get']>[1]>;

/**
 * GETs of remote ActivityPub documents, each signed (draft-cavage, as Mastodon signs its fetches)
 * by the instance actor and sent through the one guarded client: servers in authorized-fetch mode
 * and GoToSocial answer only signed fetches.
 */
@Injectable()
export class SignedFetch {
  constructor(
    private readonly http: GuardedHttp,
    private readonly instance: InstanceActor,
  ) {}

  async get(url: string, options: GetOptions = {}): Promise<OutboundResponse> {
    const headers = { ...options.headers };
    const signature = signCavage({ method: 'GET', url, headers }, await this.instance.signingKey());
    return this.http.get(url, { ...options, headers: { ...headers, ...signature } });
  }
}
