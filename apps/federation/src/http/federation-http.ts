import { Inject, Injectable } from '@nestjs/common';
import { contracts, type RawHttpRequest, type RawHttpResponse } from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config } from '@mammut/platform';
import { actorDocument } from '../actors/actor-document';
import { ActorCollections, type ActorCollectionKind } from '../collections/actor-collections';
import { InstanceActor } from '../actors/instance-actor';
import { DiscoveryHttp } from '../discovery/discovery-http';
import { Inbox } from '../inbox/inbox';
import { ACTIVITY_JSON, ACTIVITY_TYPES, answer } from './responses';
import { ActorKeysStore } from '../keys/actor-keys';
import { StatusDocuments } from '../notes/status-documents';

const USERNAME = /^[a-z0-9_]{1,30}$/i;
/** `/users/<name>/statuses/<id>` and its `/activity`. */
const STATUS = /^\/users\/([a-z0-9_]{1,30})\/statuses\/(\d{1,20})(\/activity)?\/?$/i;
/** The collections under an actor's id. */
const COLLECTION =
  /^\/users\/([^/]+)\/(outbox|followers|following|collections\/featured|collections\/tags)\/?$/;

const notFound = (): RawHttpResponse => answer(404, 'Record not found');

/**
 * The ActivityPub and discovery routes, answered from the raw request the gateway passed on (so
 * that signatures are verified on exactly what was received): WebFinger, host-meta and NodeInfo
 * (DiscoveryHttp), the personal and shared inboxes (Inbox), the instance actor, local statuses
 * (StatusDocuments), the collections of local actors (ActorCollections), and local actors at
 * their ids, as ActivityStreams JSON to peers and as a redirect to the profile page to browsers,
 * the same URL serving both as Mastodon's does (`Vary: Accept`). It is the one router of these
 * paths, so it holds one collaborator per family of routes: a longer constructor than usual, on
 * purpose.
 */
@Injectable()
export class FederationHttp {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly keys: ActorKeysStore,
    private readonly inbox: Inbox,
    private readonly instance: InstanceActor,
    private readonly discovery: DiscoveryHttp,
    private readonly statuses: StatusDocuments,
    private readonly collections: ActorCollections,
  ) {}

  async handle(request: RawHttpRequest): Promise<RawHttpResponse> {
    let url: URL;
    try {
      url = new URL(request.target, this.config.publicOrigin);
    } catch {
      return answer(400, 'Bad request');
    }
    const path = url.pathname;
    const discovered = this.discovery.answer(url, request);
    if (discovered) return discovered;
    if (
      request.method === 'POST' &&
      (path === '/inbox' || path === '/actor/inbox' || /^\/users\/[^/]+\/inbox$/.test(path))
    )
      return this.inbox.receive(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') return notFound();
    if (path === '/actor') return this.instanceActor(request);
    const actor = /^\/users\/([^/]+)\/?$/.exec(path);
    if (actor) return this.actor(actor[1], request);
    const collection = COLLECTION.exec(path);
    if (collection)
      return this.collections.serve(
        collection[1],
        collection[2] as ActorCollectionKind,
        url.searchParams,
        request.headers.accept ?? '',
      );
    const status = STATUS.exec(path);
    if (status)
      return this.statuses.serve(
        status[1],
        status[2],
        status[3] ? 'activity' : 'note',
        request.headers.accept ?? '',
      );
    return notFound();
  }

  /** The instance actor: JSON to peers (never asking for a signature), the about page to browsers. */
  private async instanceActor(request: RawHttpRequest): Promise<RawHttpResponse> {
    if (!ACTIVITY_TYPES.test(request.headers.accept ?? ''))
      return {
        status: 302,
        headers: { location: `${this.config.publicOrigin}/about/more?instance_actor=true`, vary: 'Accept' },
        body: '',
      };
    return {
      status: 200,
      headers: { 'content-type': ACTIVITY_JSON, vary: 'Accept', 'cache-control': 'max-age=180, public' },
      body: JSON.stringify(await this.instance.document()),
    };
  }

  private async actor(raw: string, request: RawHttpRequest): Promise<RawHttpResponse> {
    let username: string;
    try {
      username = decodeURIComponent(raw);
    } catch {
      return notFound();
    }
    if (!USERNAME.test(username)) return notFound();
    const { actors } = await this.bus.request(contracts.accounts.remote.lookupActors, { accts: [username] });
    const account = actors[0];
    if (!account || account.domain !== null) return notFound();
    if (!ACTIVITY_TYPES.test(request.headers.accept ?? '')) {
      const profile = account.url ?? `${this.config.publicOrigin}/@${account.username}`;
      return { status: 302, headers: { location: profile, vary: 'Accept' }, body: '' };
    }
    const publicKeyPem = await this.keys.publicKeyOf(account.id);
    return {
      status: 200,
      headers: {
        'content-type': ACTIVITY_JSON,
        vary: 'Accept',
        // Peers refetch actors on their own schedule; a short shared cache spares a burst of them.
        'cache-control': 'max-age=180, public',
      },
      body: JSON.stringify(actorDocument(account, publicKeyPem, this.config)),
    };
  }
}
