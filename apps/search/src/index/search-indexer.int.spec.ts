import { contracts, type EventDef, type StatusRecord, type Visibility } from '@mammut/contracts';
import type { EventSubscription, Subscription } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { seedUser } from '../../../../test-e2e/support/factories';
import { pollUntil } from '../../../../test-e2e/support/poll';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { SEARCH_DB } from '../database/search-database';
import { SearchIndexer } from './search-indexer';

jest.setTimeout(90_000);

const statusEvents = contracts.statuses.statuses.events;
const interactionEvents = contracts.statuses.interactions.events;

/**
 * The search index kept from events by SearchIndexer, through the bus of a whole system: a status
 * is indexed and leaves with its deletion; favourites, bookmarks and reblogs make their accounts
 * searchers of it (and undoing them, no longer); an event handled twice leaves the index as once.
 */
describe('SearchIndexer', () => {
  const sut = useTestSystem();
  const bus = () => sut.t.system.runtime.bus;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    aliceId = (await seedUser(sut.t, { username: 'alice' })).accountId;
    bobId = (await seedUser(sut.t, { username: 'bob' })).accountId;
  });

  const post = (text: string, visibility: Visibility = 'public'): Promise<StatusRecord> =>
    bus().request(contracts.statuses.statuses.createStatus, {
      accountId: aliceId,
      applicationId: null,
      text,
      spoilerText: '',
      sensitive: false,
      language: 'en',
      visibility,
      inReplyToId: null,
      idempotencyKey: null,
      poll: null,
    });

  const indexed = async (statusId: string): Promise<{ text: string; tags: string[] }[]> =>
    (
      await sut.db.query<{ text: string; tags: string[] }>(
        `SELECT text, tags FROM search.statuses WHERE id = $1`,
        [statusId],
      )
    ).rows;

  const searchers = async (statusId: string): Promise<string[]> =>
    (
      await sut.db.query<{ s: string }>(
        `SELECT account_id || ':' || reason AS s FROM search.status_searchers WHERE status_id = $1 ORDER BY 1`,
        [statusId],
      )
    ).rows.map((row) => row.s);

  /** Everything the index holds about a status, to compare before and after an event. */
  const snapshot = async (statusId: string): Promise<unknown> => ({
    status: (
      await sut.db.query(
        `SELECT s.id, s.account_id, s.visibility, s.language, s.text, s.properties, s.tags, s.mentions,
                s.created_at, t.tsv::text, t.everyone, t.hidden
           FROM search.statuses s JOIN search.status_terms t USING (id) WHERE s.id = $1`,
        [statusId],
      )
    ).rows,
    searchers: await searchers(statusId),
    accounts: (await sut.db.query(`SELECT * FROM search.accounts ORDER BY id`)).rows,
    tags: (await sut.db.query(`SELECT * FROM search.tags ORDER BY name`)).rows,
  });

  /** Applies an event the producer wrote to its outbox through the indexer's own handler, again. */
  const applyAgain = async (
    def: EventDef,
    match: (payload: Record<string, unknown>) => boolean,
  ): Promise<void> => {
    const { rows } = await sut.db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM statuses.outbox WHERE subject = $1 ORDER BY id`,
      [def.subject],
    );
    const payload = rows.map((row) => row.payload).find(match);
    if (!payload) throw new Error(`no ${def.subject} event found`);
    const indexer = sut.t.system.app.get(SearchIndexer);
    const subscriptions = (indexer as unknown as { subscriptions(): Subscription[] }).subscriptions();
    const handler = subscriptions
      .flatMap((s) => s.handlers)
      .find((h: EventSubscription) => h.def.subject === def.subject);
    if (!handler) throw new Error(`no handler of ${def.subject}`);
    const db = sut.t.system.app.get<symbol, DataSource>(SEARCH_DB);
    await db.transaction((tx) =>
      handler.handler(def.payload.parse(payload), tx, {
        eventId: '1',
        subject: def.subject,
        version: 1,
        occurredAt: new Date().toISOString(),
        deliveryCount: 1,
      }),
    );
  };

  it('indexes a created status with its text, tags and author, and removes it when deleted', async () => {
    const status = await post('Woolly <b>mammoths</b> roam #IceAge');
    const rows = await pollUntil(
      () => indexed(status.id),
      (r) => r.length === 1,
      10_000,
    );
    expect(rows).toEqual([{ text: 'Woolly <b>mammoths</b> roam #IceAge', tags: ['iceage'] }]);
    const { rows: authors } = await sut.db.query(
      `SELECT username, suspended, deleted FROM search.accounts WHERE id = $1`,
      [aliceId],
    );
    expect(authors).toEqual([{ username: 'alice', suspended: false, deleted: false }]);
    await bus().request(contracts.statuses.statuses.deleteStatus, {
      accountId: aliceId,
      statusId: status.id,
    });
    expect(
      await pollUntil(
        () => indexed(status.id),
        (r) => r.length === 0,
        10_000,
      ),
    ).toEqual([]);
  });

  it('makes a favouriter, a bookmarker and a reblogger searchers, and no longer once undone', async () => {
    const status = await post('a status bob interacts with');
    await pollUntil(
      () => indexed(status.id),
      (r) => r.length === 1,
      10_000,
    );
    const act = { accountId: bobId, statusId: status.id };
    await bus().request(contracts.statuses.interactions.favourite, act);
    await bus().request(contracts.statuses.interactions.bookmark, act);
    await bus().request(contracts.statuses.interactions.reblog, { ...act, visibility: 'public' });
    const all = [`${bobId}:bookmark`, `${bobId}:favourite`, `${bobId}:reblog`];
    expect(
      await pollUntil(
        () => searchers(status.id),
        (s) => s.length === 3,
        10_000,
      ),
    ).toEqual(all);
    await bus().request(contracts.statuses.interactions.unfavourite, act);
    await bus().request(contracts.statuses.interactions.unbookmark, act);
    await bus().request(contracts.statuses.interactions.unreblog, act);
    expect(
      await pollUntil(
        () => searchers(status.id),
        (s) => s.length === 0,
        10_000,
      ),
    ).toEqual([]);
  });

  it('changes nothing when the same status, favourite or deletion event is applied twice', async () => {
    const status = await post('applied twice #twice');
    await pollUntil(
      () => indexed(status.id),
      (r) => r.length === 1,
      10_000,
    );
    await bus().request(contracts.statuses.interactions.favourite, { accountId: bobId, statusId: status.id });
    await pollUntil(
      () => searchers(status.id),
      (s) => s.length === 1,
      10_000,
    );

    const before = await snapshot(status.id);
    await applyAgain(statusEvents.statusCreated, (p) => (p.status as { id: string }).id === status.id);
    await applyAgain(interactionEvents.favouriteCreated, (p) => p.statusId === status.id);
    expect(await snapshot(status.id)).toEqual(before);

    await bus().request(contracts.statuses.statuses.deleteStatus, {
      accountId: aliceId,
      statusId: status.id,
    });
    await pollUntil(
      () => indexed(status.id),
      (r) => r.length === 0,
      10_000,
    );
    const deleted = await snapshot(status.id);
    await applyAgain(statusEvents.statusDeleted, (p) => p.statusId === status.id);
    expect(await snapshot(status.id)).toEqual(deleted);
  });
  it('hides a suspended author’s statuses from every search, and shows them again when lifted', async () => {
    const carolId = (await seedUser(sut.t, { username: 'carol' })).accountId;
    const status = await bus().request(contracts.statuses.statuses.createStatus, {
      accountId: carolId,
      applicationId: null,
      text: 'crevasse warning',
      spoilerText: '',
      sensitive: false,
      language: 'en',
      visibility: 'public',
      inReplyToId: null,
      idempotencyKey: null,
      poll: null,
    });
    // Her own search finds it whether she is indexable or not.
    const search = (): Promise<string[]> =>
      bus()
        .request(contracts.search.query, { viewerId: carolId, q: 'crevasse', type: 'statuses' })
        .then((answer) => answer.statusIds);
    expect(await pollUntil(search, (ids) => ids.length === 1, 10_000)).toEqual([status.id]);
    await bus().request(contracts.accounts.admin.suspendAccount, { accountId: carolId });
    expect(await pollUntil(search, (ids) => ids.length === 0, 10_000)).toEqual([]);
    await bus().request(contracts.accounts.admin.unsuspendAccount, { accountId: carolId });
    expect(await pollUntil(search, (ids) => ids.length === 1, 10_000)).toEqual([status.id]);
  });
});
