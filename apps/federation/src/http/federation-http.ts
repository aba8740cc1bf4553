import { Inject, Injectable } from '@nestjs/common';
import type { RawHttpRequest, RawHttpResponse } from '@mammut/contracts';
import { CONFIG, type Config } from '@mammut/platform';
import { InstanceActor } from '../actors/instance-actor';
import { ActorCollections, type ActorCollectionKind } from '../collections/actor-collections';
import { type ActorView, LocalActorDocuments } from '../actors/local-actor-documents';
import { DiscoveryHttp } from '../discovery/discovery-http';
import { Inbox } from '../inbox/inbox';
import { ACTIVITY_JSON, ACTIVITY_TYPES, answer } from './responses';
import { SignedRequests } from './signed-requests';
import { StatusDocuments } from '../notes/status-documents';

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
 * (StatusDocuments), the collections of local actors (ActorCollections) and local actors
 * (LocalActorDocuments), as ActivityStreams JSON to peers and as a redirect to the page to
 * browsers (`Vary: Accept`). It is the one router of these paths, so it holds one collaborator
 * per family of routes: a longer constructor than usual, on purpose.
 *
 * In authorized-fetch mode (`AUTHORIZED_FETCH`, Mastodon's secure mode) the ActivityStreams GETs
 * of statuses and collections need a valid signature (401 without, 403 from a suspended domain), and actors are
 * served whole only to a verified signer, bare (id, key, inbox) to anyone else; the instance actor
 * and discovery stay open, or nobody could fetch the key our own requests are signed with.
 */
@Injectable()
export class FederationHttp {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly inbox: Inbox,
    private readonly instance: InstanceActor,
    private readonly discovery: DiscoveryHttp,
    private readonly actors: LocalActorDocuments,
    private readonly statuses: StatusDocuments,
    private readonly collections: ActorCollections,
    private readonly signatures: SignedRequests,
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
    const accept = request.headers.accept ?? '';
    const actor = /^\/users\/([^/]+)\/?$/.exec(path);
    if (actor) return this.actors.serve(actor[1], accept, await this.actorView(request));
    const collection = COLLECTION.exec(path);
    const status = STATUS.exec(path);
    if (!collection && !status) return notFound();
    const secured = this.securedFetch(request) ? await this.signatures.signer(request, undefined) : null;
    if (secured && !secured.ok) return secured.refusal;
    const served = collection
      ? await this.collections.serve(
          collection[1],
          collection[2] as ActorCollectionKind,
          url.searchParams,
          accept,
        )
      : await this.statuses.serve(status![1], status![2], status![3] ? 'activity' : 'note', accept);
    return secured && served.status === 200 ? privately(served) : served;
  }

  /** An ActivityStreams GET in authorized-fetch mode: it must be signed. Browsers get their redirect. */
  private securedFetch(request: RawHttpRequest): boolean {
    return this.config.federation.authorizedFetch && ACTIVITY_TYPES.test(request.headers.accept ?? '');
  }

  private async actorView(request: RawHttpRequest): Promise<ActorView> {
    if (!this.securedFetch(request)) return 'public';
    return (await this.signatures.signer(request, undefined)).ok ? 'signed' : 'bare';
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
}

/** A document served to one verified signer: no shared cache may keep it for others (GHSA-ccpr-m53r-mfwr). */
const privately = (response: RawHttpResponse): RawHttpResponse => ({
  ...response,
  headers: { ...response.headers, vary: 'Accept, Signature', 'cache-control': 'private, no-store' },
});
