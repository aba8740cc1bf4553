import { flagOf, relayFollowOf, relayUnfollowOf } from './instance-activities';

const ACTOR = 'https://here.example/actor';
const FOLLOW = 'https://here.example/6d1f4c1e-5b8a-4f7e-9a43-0c1d2e3f4a5b';

describe('what the instance actor sends', () => {
  it('subscribes to a relay with a Follow of the public collection, as Mastodon', () => {
    expect(relayFollowOf(ACTOR, FOLLOW)).toEqual({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: FOLLOW,
      type: 'Follow',
      actor: ACTOR,
      object: 'https://www.w3.org/ns/activitystreams#Public',
    });
  });

  it('unsubscribes with the Undo of that Follow, embedded whole', () => {
    expect(relayUnfollowOf(ACTOR, FOLLOW)).toEqual({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${FOLLOW}/undo`,
      type: 'Undo',
      actor: ACTOR,
      object: relayFollowOf(ACTOR, FOLLOW),
    });
  });

  it('forwards a report as a Flag naming the account, then its statuses, the comment as content', () => {
    expect(
      flagOf({
        id: 'https://here.example/reports/1',
        instanceActorId: ACTOR,
        comment: 'spam',
        accountUri: 'https://there.example/users/bob',
        statusUris: ['https://there.example/users/bob/statuses/1'],
      }),
    ).toEqual({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: 'https://here.example/reports/1',
      type: 'Flag',
      actor: ACTOR,
      content: 'spam',
      object: ['https://there.example/users/bob', 'https://there.example/users/bob/statuses/1'],
    });
  });
});
