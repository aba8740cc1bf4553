import { Inject, Injectable } from '@nestjs/common';
import {
  type ActorRecord,
  ContractError,
  contracts,
  type ProfileAttribute,
  type RemoteActorDescription,
} from '@mammut/contracts';
import { CONFIG, type Config, type Outbox } from '@mammut/platform';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';
import { FollowGraph, type Tx } from '../relationships/follow-graph.repository';
import { ActorsQueries } from './actors.queries';
import { checkRemoteActor, type RemoteActorRow } from './remote-actor';

const events = contracts.accounts.admin.events;

/** The public profile as `account.updated` names it, and the column each attribute lives in. */
const PROFILE_COLUMNS = [
  ['username', 'username'],
  ['display_name', 'display_name'],
  ['note', 'note_html'],
  ['fields', 'fields'],
  ['avatar', 'avatar_remote_url'],
  ['header', 'header_remote_url'],
  ['locked', 'locked'],
  ['bot', 'bot'],
  ['discoverable', 'discoverable'],
  ['indexable', 'indexable'],
  ['hide_collections', 'hide_collections'],
] as const satisfies readonly (readonly [ProfileAttribute, string])[];

type ProfileColumns = Record<(typeof PROFILE_COLUMNS)[number][1] | 'moved_to_account_id', string | null>;

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
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
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
      // A known handle changes hands to a new actor id only on WebFinger's word (a reinstalled
      // server): an actor document alone claiming someone's name must not inherit their account.
      if (byHandle && !byUri && actor.webfingeredAt === null) {
        throw new ContractError(
          'conflict',
          `${actor.username}@${actor.domain} belongs to another actor (${byHandle.uri}) unless WebFinger says otherwise`,
        );
      }
      const existing = byUri ?? byHandle;
      const movedTo = await this.movedTo(tx, actor, existing?.id);
      const id = existing
        ? await this.update(tx, existing.id, actor, input, movedTo)
        : await this.insert(tx, actor, input, movedTo);
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

  /** A new remote account (its id from the table's default, ADR 0007) and its `account.created`. */
  private async insert(
    tx: Tx,
    actor: RemoteActorRow,
    input: RemoteActorDescription,
    movedTo: string | null,
  ): Promise<string> {
    const written = [
      ...described(actor, input, movedTo),
      ['statuses_count', input.statusesCount ?? 0],
      ['followers_count', input.followersCount ?? 0],
      ['following_count', input.followingCount ?? 0],
      ['created_at', actor.createdAt ?? new Date()],
      ['silenced_at', input.silencedSince ? new Date(input.silencedSince) : null],
    ] as const;
    const [{ id }]: { id: string }[] = await tx.query(
      `INSERT INTO accounts.accounts (${written.map(([column]) => `"${column}"`).join(', ')})
       VALUES (${written.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id::text`,
      written.map(([, value]) => value),
    );
    await this.outbox.add(tx, events.accountCreated, {
      accountId: id,
      username: actor.username,
      domain: actor.domain,
    });
    if (movedTo) await this.outbox.add(tx, events.accountMoved, { accountId: id, targetAccountId: movedTo });
    if (input.silencedSince) await this.outbox.add(tx, events.accountSilenced, { accountId: id });
    return id;
  }

  /**
   * Everything described is replaced; counts, creation time and WebFinger time only when given.
   * What changed of the public profile is `account.updated`; a new move is `account.moved`.
   */
  private async update(
    tx: Tx,
    id: string,
    actor: RemoteActorRow,
    input: RemoteActorDescription,
    movedTo: string | null,
  ): Promise<string> {
    const [before]: ProfileColumns[] = await tx.query(
      `SELECT ${PROFILE_COLUMNS.map(([, column]) => `"${column}"::text`).join(', ')},
              moved_to_account_id::text FROM accounts.accounts WHERE id = $1 FOR UPDATE`,
      [id],
    );
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
    const [after]: ProfileColumns[] = await tx.query(
      `WITH u AS (UPDATE accounts.accounts SET ${assignments.join(', ')}, updated_at = now() WHERE id = $1
         RETURNING *)
       SELECT ${PROFILE_COLUMNS.map(([, column]) => `"${column}"::text`).join(', ')}, moved_to_account_id::text FROM u`,
      [id, ...written.map(([, value]) => value)],
    );
    const changed = PROFILE_COLUMNS.filter(([, column]) => before[column] !== after[column]).map(
      ([attribute]) => attribute,
    );
    if (changed.length) await this.outbox.add(tx, events.accountUpdated, { accountId: id, changed });
    if (movedTo && movedTo !== before.moved_to_account_id) {
      await this.outbox.add(tx, events.accountMoved, { accountId: id, targetAccountId: movedTo });
    }
    return id;
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
    ['emojis', JSON.stringify(actor.emojis)],
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
