import type { ActorRecord } from '@mammut/contracts';
import type { Bus } from '@mammut/platform';
import { FeaturedInbox } from './featured-inbox';

const BOB = 'https://remote.example/users/bob';
const FEATURED = `${BOB}/collections/featured`;
const NOTE = `${BOB}/statuses/1`;

/** The bus as the handler sees it: the sender known, every write recorded, anything else an error. */
function fakeBus(sender: Partial<ActorRecord> = {}) {
  const writes: { subject: string; payload: Record<string, unknown> }[] = [];
  const answers: Record<string, () => unknown> = {
    'accounts.actor.get_by_uri': () => ({
      actors: [
        {
          id: '7',
          uri: BOB,
          domain: 'remote.example',
          suspended: false,
          featuredCollectionUrl: FEATURED,
          ...sender,
        },
      ],
      missing: [],
    }),
    'statuses.remote_pin.save': () => ({ statusId: '1' }),
    'statuses.remote_pin.delete': () => ({ statusId: '1' }),
  };
  const bus = {
    request: (def: { subject: string }, payload: Record<string, unknown>) => {
      const answer = answers[def.subject];
      if (!answer) return Promise.reject(new Error(`unexpected request ${def.subject}`));
      if (def.subject.startsWith('statuses.')) writes.push({ subject: def.subject, payload });
      return Promise.resolve(answer());
    },
  } as unknown as Bus;
  return { bus, writes };
}

const activity = (type: string, extra: Record<string, unknown> = {}) => ({
  type,
  actor: BOB,
  object: NOTE,
  target: FEATURED,
  ...extra,
});

describe('FeaturedInbox', () => {
  it('pins on Add and unpins on Remove to the sender’s own featured collection', async () => {
    const { bus, writes } = fakeBus();
    const handler = new FeaturedInbox(bus);
    await handler.apply(activity('Add'), BOB);
    await handler.apply(activity('Remove', { target: { id: FEATURED, type: 'OrderedCollection' } }), BOB);
    expect(writes).toEqual([
      { subject: 'statuses.remote_pin.save', payload: { accountId: '7', uri: NOTE } },
      { subject: 'statuses.remote_pin.delete', payload: { accountId: '7', uri: NOTE } },
    ]);
  });

  it('ignores another target, a sender without a featured collection, a suspended sender', async () => {
    for (const [sender, extra] of [
      [{}, { target: `${BOB}/collections/other` }],
      [{}, { target: undefined }],
      [{ featuredCollectionUrl: null }, {}],
      [{ suspended: true }, {}],
      [{ domain: null }, {}],
    ] as const) {
      const { bus, writes } = fakeBus(sender);
      await new FeaturedInbox(bus).apply(activity('Add', extra), BOB);
      expect(writes).toEqual([]);
    }
  });

  it('ignores featured hashtags and objects without an id', async () => {
    const { bus, writes } = fakeBus();
    const handler = new FeaturedInbox(bus);
    await handler.apply(activity('Add', { object: { type: 'Hashtag', name: '#cats', href: 'x' } }), BOB);
    await handler.apply(activity('Add', { object: 42 }), BOB);
    await handler.apply(activity('Add', { object: `${BOB}/${'x'.repeat(2100)}` }), BOB);
    expect(writes).toEqual([]);
  });
});
