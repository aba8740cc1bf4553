import { Inject, Injectable } from '@nestjs/common';
import {
  type ActorRecord,
  contracts,
  type RawHttpResponse,
  type StatusRecord,
  type Visibility,
} from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config } from '@mammut/platform';
import { ACTIVITY_JSON, ACTIVITY_TYPES, answer } from '../http/responses';
import { announceOf, createOf, noteOf } from '../notes/note-documents';
import { NoteSubjects } from '../notes/note-subjects';
import {
  featuredCollection,
  featuredTagsCollection,
  NETWORK_PAGE_SIZE,
  networkCollection,
  networkPage,
  OUTBOX_PAGE_SIZE,
  type OutboxCursor,
  type OutboxEntry,
  outboxCollection,
  outboxPage,
} from './collection-documents';

/** The collections an actor document names, by the path under the actor's id that serves each. */
export type ActorCollectionKind =
  | 'outbox'
  | 'followers'
  | 'following'
  | 'collections/featured'
  | 'collections/tags';

const USERNAME = /^[a-z0-9_]{1,30}$/i;
const STATUS_ID = /^\d{1,20}$/;
const PAGE_NUMBER = /^[1-9]\d{0,4}$/;
/** What Rails reads as a true parameter (`?page=true`, `?page=1`). */
const TRUTHY = new Set(['true', '1', 't', 'on']);
/** The pins listed: every one a local account may have, and more than remote servers keep. */
const FEATURED_LIMIT = 40;

const SHOWN: Visibility[] = ['public', 'unlisted'];
type Json = Record<string, unknown>;

const notFound = (): RawHttpResponse => answer(404, 'Record not found');
const withoutContext = ({ '@context': _context, ...rest }: Json): Json => rest;

/**
 * The collections of local actors (outbox, followers, following, pinned statuses, featured
 * hashtags) as Mastodon's OutboxesController, FollowerAccountsController,
 * FollowingAccountsController and CollectionsController serve them to anonymous peers: JSON to
 * peers, a redirect to the profile page to browsers (`Vary: Accept`), 404 for accounts that are
 * unknown, remote or suspended. Without authorized fetch nobody proves who they are, so only what
 * everyone may see is listed: public and unlisted statuses and boosts, and the network only of an
 * owner who does not hide it (its size alone otherwise, and its pages refused).
 */
@Injectable()
export class ActorCollections {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly subjects: NoteSubjects,
  ) {}

  async serve(
    rawUsername: string,
    kind: ActorCollectionKind,
    query: URLSearchParams,
    accept: string,
  ): Promise<RawHttpResponse> {
    const owner = await this.owner(rawUsername);
    if (!owner) return notFound();
    if (!ACTIVITY_TYPES.test(accept)) {
      const profile = owner.url ?? `${this.config.publicOrigin}/@${owner.username}`;
      return { status: 302, headers: { location: profile, vary: 'Accept' }, body: '' };
    }
    switch (kind) {
      case 'outbox':
        return this.outbox(owner, query);
      case 'followers':
      case 'following':
        return this.network(owner, kind, query);
      case 'collections/featured':
        return json(await this.featured(owner), true);
      case 'collections/tags':
        return json(await this.featuredTags(owner), true);
    }
  }

  private async owner(rawUsername: string): Promise<ActorRecord | null> {
    let username: string;
    try {
      username = decodeURIComponent(rawUsername);
    } catch {
      return null;
    }
    if (!USERNAME.test(username)) return null;
    const { actors } = await this.bus.request(contracts.accounts.remote.lookupActors, { accts: [username] });
    const account = actors[0];
    return account && account.domain === null && !account.suspended ? account : null;
  }

  private async outbox(owner: ActorRecord, query: URLSearchParams): Promise<RawHttpResponse> {
    const outbox = `${owner.uri}/outbox`;
    if (!TRUTHY.has(query.get('page') ?? ''))
      return json(outboxCollection(outbox, owner.statusesCount), true);
    const maxId = query.get('max_id') ?? undefined;
    const minId = query.get('min_id') ?? undefined;
    if ((maxId !== undefined && !STATUS_ID.test(maxId)) || (minId !== undefined && !STATUS_ID.test(minId)))
      return answer(400, 'Bad request');
    const cursor: OutboxCursor = { maxId, minId };
    const { statuses, reblogged } = await this.bus.request(contracts.statuses.statuses.listAuthorStatuses, {
      accountId: owner.id,
      visibilities: SHOWN,
      mentioning: null,
      excludeReplies: false,
      tagged: null,
      page: { maxId, minId, limit: OUTBOX_PAGE_SIZE },
    });
    return json(outboxPage(outbox, cursor, await this.activities(owner, statuses, reblogged)), false);
  }

  /**
   * The Create of each status and the Announce of each boost, in the page's order; a boost whose
   * status is gone is left out, as Mastodon leaves out what it cannot render.
   */
  private async activities(
    owner: ActorRecord,
    statuses: StatusRecord[],
    reblogged: StatusRecord[],
  ): Promise<OutboxEntry[]> {
    const originals = new Map(reblogged.map((status) => [status.id, status]));
    const authorIds = [...new Set(reblogged.map((status) => status.accountId))];
    const [subjects, authors] = await Promise.all([
      this.subjects.ofEach(statuses.filter((status) => !status.reblogOfId)),
      authorIds.length
        ? this.bus.request(contracts.accounts.remote.getActors, { ids: authorIds })
        : { actors: [] },
    ]);
    const authorUris = new Map(authors.actors.map((author) => [author.id, author.uri]));
    const creates = new Map(
      subjects.flatMap((subject) => (subject ? [[subject.status.id, createOf(subject, this.config)]] : [])),
    );
    return statuses.flatMap((status): OutboxEntry[] => {
      if (!status.reblogOfId) {
        const create = creates.get(status.id);
        return create ? [{ statusId: status.id, activity: withoutContext(create) }] : [];
      }
      const original = originals.get(status.reblogOfId);
      const originalAuthorUri = original && authorUris.get(original.accountId);
      if (!original || !originalAuthorUri) return [];
      const announce = announceOf({
        id: status.id,
        uri: status.uri,
        visibility: status.visibility,
        createdAt: status.createdAt,
        booster: owner,
        originalUri: original.uri,
        originalAuthorUri,
      });
      return [{ statusId: status.id, activity: withoutContext(announce) }];
    });
  }

  private async network(
    owner: ActorRecord,
    direction: 'followers' | 'following',
    query: URLSearchParams,
  ): Promise<RawHttpResponse> {
    const collection = `${owner.uri}/${direction}`;
    const hidden = owner.hideCollections === true;
    const rawPage = query.get('page');
    if (rawPage === null) {
      const total = direction === 'followers' ? owner.followersCount : owner.followingCount;
      return json(networkCollection(collection, total, hidden), true);
    }
    if (hidden) return answer(403, 'This action is not allowed');
    if (!PAGE_NUMBER.test(rawPage)) return answer(400, 'Bad request');
    const page = Number(rawPage);
    const { uris, total } = await this.bus.request(contracts.accounts.remote.listNetworkUris, {
      accountId: owner.id,
      direction,
      page,
      limit: NETWORK_PAGE_SIZE,
    });
    return json(networkPage(collection, page, total, uris), false);
  }

  private async featured(owner: ActorRecord): Promise<Json> {
    const { statuses } = await this.bus.request(contracts.statuses.statuses.listAuthorStatuses, {
      accountId: owner.id,
      visibilities: [...SHOWN, 'private'],
      mentioning: null,
      excludeReplies: false,
      tagged: null,
      pinned: true,
      page: { limit: FEATURED_LIMIT },
    });
    const subjects = await this.subjects.ofEach(statuses);
    const items = statuses.flatMap((status, n): (Json | string)[] => {
      const subject = subjects[n];
      if (!SHOWN.includes(status.visibility)) return [status.uri];
      return subject ? [noteOf(subject, this.config)] : [];
    });
    return featuredCollection(`${owner.uri}/collections/featured`, items);
  }

  private async featuredTags(owner: ActorRecord): Promise<Json> {
    const { featuredTags } = await this.bus.request(contracts.statuses.tags.listFeaturedTags, {
      accountId: owner.id,
    });
    const profile = owner.url ?? `${this.config.publicOrigin}/@${owner.username}`;
    return featuredTagsCollection(
      `${owner.uri}/collections/tags`,
      profile,
      featuredTags.map((tag) => tag.name),
    );
  }
}

/**
 * A collection as ActivityStreams JSON. The collections themselves are cached for a short while, as
 * Mastodon caches them for 3 minutes; their pages, which move with every post or follow, are not.
 */
const json = (document: Json, cacheable: boolean): RawHttpResponse => ({
  status: 200,
  headers: {
    'content-type': ACTIVITY_JSON,
    vary: 'Accept',
    'cache-control': cacheable ? 'max-age=180, public' : 'max-age=0, public',
  },
  body: JSON.stringify(document),
});
