import { Inject, Injectable } from '@nestjs/common';
import { ContractError, type ActorRecord, type RemoteActorDescription } from '@mammut/contracts';
import { CONFIG, type Config } from '@mammut/platform';
import { FollowGraph, type Tx } from '../relationships/follow-graph.repository';
import { ActorsQueries } from './actors.queries';
import { checkRemoteActor, type RemoteActorRow } from './remote-actor';

interface Holder {
  id: string;
  uri: string;
}

/**
 * Creates or updates a remote account from the actor document federation fetched. The uri is the
 * key; when WebFinger now points a known handle at a new uri (a reinstalled server), that
 * account takes the new uri, as Mastodon finds remote accounts by handle. A handle held by
 * another known uri is a `conflict` for federation to sort out (refetch that one first).
 * Counts are kept unless given; `movedTo` links only to an account already known.
 */
@Injectable()
export class SaveRemoteAccount {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly graph: FollowGraph,
    private readonly actors: ActorsQueries,
  ) {}

  async execute(input: RemoteActorDescription): Promise<{ account: ActorRecord; created: boolean }> {
    const actor = checkRemoteActor(input, this.config.localDomain);
    return this.graph.transaction(async (tx) => {
      // Two saves of one actor, or of two uris for one handle, take their turns.
      const keys = [
        `accounts.actor:${actor.uri}`,
        `accounts.handle:${actor.username.toLowerCase()}@${actor.domain}`,
      ];
      for (const key of keys.sort()) {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
      }
      const holders: (Holder & { by_uri: boolean })[] = await tx.query(
        `SELECT id::text, uri, uri = $1 AS by_uri FROM accounts.accounts
          WHERE uri = $1 OR (lower(username) = lower($2) AND COALESCE(lower(domain), '') = $3)`,
        [actor.uri, actor.username, actor.domain],
      );
      const byUri = holders.find((h) => h.by_uri);
      const byHandle = holders.find((h) => !h.by_uri);
      if (byUri && byHandle) {
        throw new ContractError(
          'conflict',
          `${actor.username}@${actor.domain} belongs to another actor (${byHandle.uri})`,
        );
      }
      const existing = byUri ?? byHandle;
      const movedTo = await this.movedTo(tx, actor, existing?.id);
      const id = existing ? existing.id : this.graph.nextId();
      await (existing
        ? this.update(tx, id, actor, input, movedTo)
        : this.insert(tx, id, actor, input, movedTo));
      const { actors } = await this.actors.byIds([id], tx);
      return { account: actors[0], created: !existing };
    });
  }

  private async movedTo(tx: Tx, actor: RemoteActorRow, selfId: string | undefined): Promise<string | null> {
    if (actor.movedToUri === null) return null;
    const rows: { id: string }[] = await tx.query(`SELECT id::text FROM accounts.accounts WHERE uri = $1`, [
      actor.movedToUri,
    ]);
    const target = rows[0]?.id ?? null;
    return target === selfId ? null : target;
  }

  private async insert(
    tx: Tx,
    id: string,
    actor: RemoteActorRow,
    input: RemoteActorDescription,
    movedTo: string | null,
  ): Promise<void> {
    const written = [
      ...described(actor, input, movedTo),
      ['statuses_count', input.statusesCount ?? 0],
      ['followers_count', input.followersCount ?? 0],
      ['following_count', input.followingCount ?? 0],
      ['created_at', actor.createdAt ?? new Date()],
    ] as const;
    await tx.query(
      `INSERT INTO accounts.accounts (id, ${written.map(([column]) => `"${column}"`).join(', ')})
       VALUES ($1, ${written.map((_, i) => `$${i + 2}`).join(', ')})`,
      [id, ...written.map(([, value]) => value)],
    );
  }

  /** Everything described is replaced; counts, creation time and WebFinger time only when given. */
  private async update(
    tx: Tx,
    id: string,
    actor: RemoteActorRow,
    input: RemoteActorDescription,
    movedTo: string | null,
  ): Promise<void> {
    const written = [
      ...described(actor, input, movedTo),
      ['statuses_count', input.statusesCount ?? null],
      ['followers_count', input.followersCount ?? null],
      ['following_count', input.followingCount ?? null],
      ['created_at', actor.createdAt],
    ] as const;
    const keptUnlessGiven = new Set([
      'last_webfingered_at',
      'statuses_count',
      'followers_count',
      'following_count',
      'created_at',
    ]);
    const assignments = written.map(([column], i) =>
      keptUnlessGiven.has(column)
        ? `"${column}" = COALESCE($${i + 2}, "${column}")`
        : `"${column}" = $${i + 2}`,
    );
    await tx.query(
      `UPDATE accounts.accounts SET ${assignments.join(', ')}, updated_at = now() WHERE id = $1`,
      [id, ...written.map(([, value]) => value)],
    );
  }
}

/** The columns a save writes from the description, whether it creates or updates, with their values. */
function described(
  actor: RemoteActorRow,
  input: RemoteActorDescription,
  movedTo: string | null,
): (readonly [string, unknown])[] {
  return [
    ['uri', actor.uri],
    ['username', actor.username],
    ['domain', actor.domain],
    ['actor_type', actor.actorType],
    ['bot', actor.bot],
    ['group', actor.group],
    ['url', actor.url],
    ['display_name', actor.displayName],
    ['note', ''],
    ['note_html', actor.noteHtml],
    ['fields', JSON.stringify(actor.fields)],
    ['locked', input.locked],
    ['discoverable', input.discoverable],
    ['indexable', input.indexable],
    ['memorial', input.memorial],
    ['hide_collections', input.hideCollections],
    ['avatar_remote_url', actor.avatarRemoteUrl],
    ['header_remote_url', actor.headerRemoteUrl],
    ['inbox_url', actor.inboxUrl],
    ['shared_inbox_url', actor.sharedInboxUrl],
    ['outbox_url', actor.outboxUrl],
    ['followers_url', actor.followersUrl],
    ['following_url', actor.followingUrl],
    ['featured_collection_url', actor.featuredCollectionUrl],
    ['public_key', actor.publicKey],
    ['public_key_id', actor.publicKeyId],
    ['also_known_as', actor.alsoKnownAs],
    ['moved_to_account_id', movedTo],
    ['fetched_at', actor.fetchedAt],
    ['last_webfingered_at', actor.webfingeredAt],
  ];
}
