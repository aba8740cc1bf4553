import { createRestAPIClient, type mastodon } from 'masto';
import { twoToneImage } from '../apps/media/src/attachments/test-images';
import { createElasticsearchClient } from '../apps/search/src/elasticsearch/elasticsearch-client';
import { deploySearchIndex } from '../apps/search/src/elasticsearch/search-deploy';
import { aliasTargets, statusesAlias } from '../apps/search/src/elasticsearch/statuses-mapping';
import { seedUsers, type SeededUser } from './support/factories';
import { openSearchEnv } from './support/opensearch';
import { pollUntil } from './support/poll';
import { useTestSystem } from './support/system';

jest.setTimeout(240_000);

/**
 * Search through the client API on a system whose status index is OpenSearch (ELASTICSEARCH_URL):
 * accounts and hashtags as before, statuses by words (stemmed in their language), phrases and
 * operators including has:media, the rule of who finds what, blocks; then `search deploy`
 * rebuilding the index into a new one and moving the alias while searches go on answering.
 */
describe('search on Elasticsearch (OpenSearch)', () => {
  const sut = useTestSystem(openSearchEnv);
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: sut.t.url, accessToken: user.token });
  const settings = () => {
    const es = sut.t.system.runtime.config.search.elasticsearch;
    if (!es) throw new Error('the system under test has no ELASTICSEARCH_URL');
    return es;
  };

  const found = async (user: SeededUser, q: string): Promise<string[]> =>
    (await as(user).v2.search.list({ q, type: 'statuses' })).statuses.map((s) => s.id);
  /** Searches until every expected id is found (indexing follows events, and a refresh). */
  const foundOnce = (user: SeededUser, q: string, expected: string[]): Promise<string[]> =>
    pollUntil(
      () => found(user, q),
      (ids) => expected.every((id) => ids.includes(id)),
      15_000,
    );

  beforeAll(async () => {
    [alice, bob, carol, dave] = await seedUsers(sut.t, ['alice', 'bob', 'carol', 'dave']);
    const indexable = { indexable: true } as mastodon.rest.v1.UpdateCredentialsParams;
    await as(alice).v1.accounts.updateCredentials({ ...indexable, displayName: 'Alice Mammutfreund' });
    await as(dave).v1.accounts.updateCredentials(indexable);
  });

  it('finds accounts by prefix and hashtags by name', async () => {
    const accts = async (q: string): Promise<string[]> =>
      (await as(carol).v2.search.list({ q, type: 'accounts' })).accounts.map((a) => a.acct);
    expect(
      await pollUntil(
        () => accts('mammutfr'),
        (list) => list.length === 1,
        15_000,
      ),
    ).toEqual(['alice']);
    await as(alice).v1.statuses.create({ status: 'about #Mammoths and #mammothsteppe' });
    const names = async (q: string): Promise<string[]> =>
      (await as(carol).v2.search.list({ q, type: 'hashtags' })).hashtags.map((h) => h.name);
    expect(
      await pollUntil(
        () => names('#mammo'),
        (list) => list.length === 2,
        15_000,
      ),
    ).toEqual(['mammoths', 'mammothsteppe']);
  });

  it('finds statuses by stemmed words, phrases and operators, from the OpenSearch index', async () => {
    const woolly = await as(alice).v1.statuses.create({
      status: 'woolly mammoths walking on tundra',
      language: 'en',
    });
    const german = await as(alice).v1.statuses.create({
      status: 'das Mammut läuft über die tundra',
      language: 'de',
    });
    const reply = await as(alice).v1.statuses.create({
      status: 'a tundra reply',
      inReplyToId: woolly.id,
      language: 'en',
    });
    const daves = await as(dave).v1.statuses.create({ status: 'tundra seen by dave', language: 'en' });
    expect(await foundOnce(carol, 'tundra', [woolly.id, german.id, reply.id, daves.id])).toHaveLength(4);
    expect(await found(carol, 'walk')).toEqual([woolly.id]);
    expect(await found(carol, '"mammoths walking"')).toEqual([woolly.id]);
    expect(await found(carol, '"walking mammoths"')).toEqual([]);
    expect((await found(carol, 'tundra -mammoths')).sort()).toEqual([german.id, reply.id, daves.id].sort());
    expect(await found(carol, 'tundra -from:alice')).toEqual([daves.id]);
    expect(await found(carol, 'tundra is:reply')).toEqual([reply.id]);
    expect(await found(carol, 'tundra language:de')).toEqual([german.id]);
    expect(await found(carol, 'tundra before:2000-01-01')).toEqual([]);
    // The documents are OpenSearch's, not the tables' alone.
    const client = createElasticsearchClient(settings());
    try {
      const { count } = await client.count({ index: statusesAlias(settings().prefix) });
      expect(count).toBeGreaterThanOrEqual(5);
    } finally {
      await client.close();
    }
    for (const q of ["' OR 1=1--", '{"query":', 'a:*|!b&(', '"', 'x'.repeat(5000)]) {
      const response = await fetch(`${sut.t.url}/api/v2/search?q=${encodeURIComponent(q)}&type=statuses`, {
        headers: { authorization: `Bearer ${carol.token}` },
      });
      expect({ q: q.slice(0, 20), status: response.status }).toEqual({ q: q.slice(0, 20), status: 200 });
    }
  });

  it('finds statuses with media by has:media', async () => {
    const created = await as(alice).v2.media.create({
      file: new Blob([await twoToneImage(120, 80, 'png')], { type: 'image/png' }),
      description: 'a herd on the move',
      skipPolling: true,
    });
    await pollUntil(
      () => as(alice).v1.media.$select(created.id).fetch(),
      (media) => media.url !== null,
      20_000,
    );
    const pictured = await as(alice).v1.statuses.create({ status: 'steppe herd', mediaIds: [created.id] });
    const plain = await as(alice).v1.statuses.create({ status: 'steppe without pictures' });
    expect(await foundOnce(carol, 'steppe', [pictured.id, plain.id])).toHaveLength(2);
    expect(await found(carol, 'steppe has:media')).toEqual([pictured.id]);
    expect(await found(carol, 'steppe -has:media')).toEqual([plain.id]);
  });

  it('never lets a stranger find a private status, nor anyone a blocked account’s', async () => {
    const secret = await as(alice).v1.statuses.create({
      status: 'iceberg for followers',
      visibility: 'private',
    });
    const open = await as(dave).v1.statuses.create({ status: 'iceberg by dave' });
    expect(await foundOnce(alice, 'iceberg', [secret.id, open.id])).toHaveLength(2);
    expect(await foundOnce(carol, 'iceberg', [open.id])).toEqual([open.id]);
    expect(await found(bob, 'iceberg')).toEqual([open.id]);
    await as(carol).v1.accounts.$select(dave.accountId).block();
    expect(await found(carol, 'iceberg')).toEqual([]);
    expect((await as(carol).v2.search.list({ q: 'dave', type: 'accounts' })).accounts).toEqual([]);
    expect(await found(bob, 'iceberg')).toEqual([open.id]);
  });

  it('rebuilds the index with `search deploy` into a new one, switching the alias while searches answer', async () => {
    const before = (await found(bob, 'tundra')).sort();
    expect(before.length).toBeGreaterThanOrEqual(4);
    const client = createElasticsearchClient(settings());
    const alias = statusesAlias(settings().prefix);
    try {
      const [old] = await aliasTargets(client, alias);
      const during: string[][] = [];
      const result = await deploySearchIndex(sut.t.system.runtime.config, {
        batchSize: 2,
        onBatch: async ({ index }) => {
          // The new index is being filled; searches still answer from the old one.
          expect(await aliasTargets(client, alias)).toEqual([old]);
          expect(index).not.toBe(old);
          during.push((await found(bob, 'tundra')).sort());
        },
      });
      expect(result).toMatchObject({ backend: 'elasticsearch', replaced: [old], refused: [] });
      if (result.backend !== 'elasticsearch') throw new Error('deployed on PostgreSQL');
      expect(result.copied).toBeGreaterThanOrEqual(9);
      expect(during.length).toBeGreaterThanOrEqual(5);
      for (const answer of during) expect(answer).toEqual(before);
      expect(await aliasTargets(client, alias)).toEqual([result.index]);
      expect(await client.indices.exists({ index: old })).toBe(false);
      expect((await found(bob, 'tundra')).sort()).toEqual(before);
      // The live consumers write to the new index now.
      const after = await as(dave).v1.statuses.create({ status: 'tundra after the deploy' });
      expect(await foundOnce(bob, 'tundra', [after.id])).toHaveLength(before.length + 1);
    } finally {
      await client.close();
    }
  });

  it('keeps what changed while a deploy copied: a status posted, one deleted, a favourite', async () => {
    const doomed = await as(dave).v1.statuses.create({ status: 'moraine to be deleted' });
    const quiet = await as(bob).v1.statuses.create({ status: 'moraine by bob' });
    expect(await foundOnce(dave, 'moraine', [doomed.id])).toEqual([doomed.id]);
    let posted: mastodon.v1.Status | undefined;
    const result = await deploySearchIndex(sut.t.system.runtime.config, {
      batchSize: 3,
      onBatch: async ({ done }) => {
        if (done > 3) return;
        posted = await as(dave).v1.statuses.create({ status: 'moraine posted during the deploy' });
        await as(dave).v1.statuses.$select(doomed.id).remove();
        await as(carol).v1.statuses.$select(quiet.id).favourite();
      },
    });
    expect(result).toMatchObject({ backend: 'elasticsearch', refused: [] });
    if (!posted) throw new Error('no batch ran');
    const expected = [posted.id];
    expect(
      await pollUntil(
        async () => (await found(alice, 'moraine')).sort(),
        (ids) => ids.length === 1,
        15_000,
      ),
    ).toEqual(expected);
    // carol blocks dave (above): bob's status, which her favourite lets her find, is all she sees.
    expect(await foundOnce(carol, 'moraine', [quiet.id])).toEqual([quiet.id]);
  });
});
