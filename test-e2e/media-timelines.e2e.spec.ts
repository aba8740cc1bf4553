import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { uploadedImage } from './support/media';
import { collect, streamingClients } from './support/streaming';
import { useTestSystem } from './support/system';

jest.setTimeout(120_000);

/**
 * Mastodon's `only_media`: a profile's media tab, the public and hashtag timelines' media filter,
 * and the `public:media` streams list only statuses with attachments of their own, through public
 * HTTP and a real WebSocket, as an app asks for them.
 */
describe('timelines of statuses with media', () => {
  const sut = useTestSystem();
  const streams = streamingClients(() => sut.t.url);
  let alice: SeededUser;
  let bob: SeededUser;
  let aliceClient: mastodon.rest.Client;
  let bobClient: mastodon.rest.Client;
  let text: mastodon.v1.Status;
  let pictured: mastodon.v1.Status;
  let reblog: mastodon.v1.Status;

  const ids = (statuses: readonly mastodon.v1.Status[]): string[] => statuses.map((status) => status.id);
  const pictureStatus = async (status: string, client = aliceClient): Promise<mastodon.v1.Status> =>
    client.v1.statuses.create({ status, mediaIds: [await uploadedImage(client)] });

  beforeAll(async () => {
    [alice, bob] = await seedUsers(sut.t, ['alice', 'bob']);
    aliceClient = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
    bobClient = createRestAPIClient({ url: sut.t.url, accessToken: bob.token });
    text = await aliceClient.v1.statuses.create({ status: 'words only #views' });
    pictured = await pictureStatus('a picture of the #views');
    // A reblog of a status with media is no status with media of its own, as in Mastodon.
    const bobs = await pictureStatus('bob’s #views', bobClient);
    reblog = await aliceClient.v1.statuses.$select(bobs.id).reblog();
  });

  afterAll(() => streams.closeAll());

  it('lists only a profile’s statuses with media, without its reblogs', async () => {
    const all = await bobClient.v1.accounts.$select(alice.accountId).statuses.list();
    expect(ids(all)).toEqual([reblog.id, pictured.id, text.id]);
    const media = await bobClient.v1.accounts.$select(alice.accountId).statuses.list({ onlyMedia: true });
    expect(ids(media)).toEqual([pictured.id]);
    expect(media[0].mediaAttachments).toHaveLength(1);
  });

  it('filters the public and hashtag timelines to statuses with media', async () => {
    const local = await bobClient.v1.timelines.public.list({ local: true, onlyMedia: true });
    expect(ids(local)).toContain(pictured.id);
    expect(ids(local)).not.toContain(text.id);
    expect(local.every((status) => status.mediaAttachments.length > 0)).toBe(true);
    const anonymous = createRestAPIClient({ url: sut.t.url });
    expect(ids(await anonymous.v1.timelines.public.list({ onlyMedia: true }))).not.toContain(text.id);

    const tagged = await bobClient.v1.timelines.tag.$select('views').list({ onlyMedia: true });
    expect(ids(tagged)).toContain(pictured.id);
    expect(ids(tagged)).not.toContain(text.id);
    const everything = await bobClient.v1.timelines.tag.$select('views').list();
    expect(ids(everything)).toEqual(expect.arrayContaining([pictured.id, text.id]));
  });

  it('streams only statuses with media on public:media and public:local:media', async () => {
    const client = streams.open(bob.token);
    const media = collect(client.public.media.subscribe());
    const localMedia = collect(client.public.local.media.subscribe());
    await media.ready(() => pictureStatus('probe'));
    await localMedia.ready(() => pictureStatus('probe'));

    const hidden = await aliceClient.v1.statuses.create({ status: 'no picture here' });
    const shown = await pictureStatus('a picture for the stream');
    // Each stream also carries the other's probes (statuses with media too): only these two count.
    const probe = (): Promise<mastodon.v1.Status> => pictureStatus('probe');
    const seen = (events: mastodon.streaming.Event[]): string[] =>
      events.flatMap((event) =>
        event.event === 'update' && [hidden.id, shown.id].includes(event.payload.id)
          ? [event.payload.id]
          : [],
      );
    expect(seen(await media.ready(probe))).toEqual([shown.id]);
    expect(seen(await localMedia.ready(probe))).toEqual([shown.id]);
  });
});
