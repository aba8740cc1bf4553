import { type ActorRecord, ContractError, contracts, THREAD_PARENTS_LIMIT } from '@mammut/contracts';
import type { Bus, Config } from '@mammut/platform';
import type { DomainBlocks } from '../domain-blocks/domain-blocks';
import { RemoteNotes } from '../remote/remote-notes';
import type { RemoteObjects } from '../remote/remote-objects';
import type { ResolveRemoteAccount } from '../remote/resolve-remote-account';
import type { ThreadQueue } from '../remote/thread-queue';
import type { Json } from './activity-fields';
import { NoteActivities } from './note-activities';

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
const bobUri = 'https://peer.example/users/bob';
const aliceUri = 'https://here.example/users/alice';
const bob = {
  id: '10',
  uri: bobUri,
  domain: 'peer.example',
  followersUrl: `${bobUri}/followers`,
} as ActorRecord;
const alice = { id: '20', uri: aliceUri, domain: null } as ActorRecord;
const carolUri = 'https://other.example/users/carol';
const carol = { id: '30', uri: carolUri, domain: 'other.example' } as ActorRecord;
/** Remote accounts resolved (fetched and saved) during a test: the bus knows them from then on. */
const resolvedHere = new Set<string>();

/**
 * The bus as the handler uses it: known actors by uri, local followers of bob, and the saves and
 * deletes it asks for; any other request fails the test.
 */
function fakeBus(
  options: {
    followed?: boolean;
    saveError?: ContractError;
    parentKnown?: boolean;
    voteOutcome?: 'counted' | 'ignored' | 'notPoll';
  } = {},
) {
  const saved: Json[] = [];
  const deleted: Json[] = [];
  const votes: Json[] = [];
  const request = jest.fn((def: { subject: string }, input: Json): Promise<unknown> => {
    switch (def.subject) {
      case contracts.accounts.remote.getActorsByUri.subject: {
        const uris = input.uris as string[];
        return Promise.resolve({
          actors: [bob, alice, carol].filter(
            (actor) => uris.includes(actor.uri) && (actor !== carol || resolvedHere.has(carolUri)),
          ),
          missing: [],
        });
      }
      case contracts.accounts.relationships.listLocalFollowers.subject:
        return Promise.resolve({
          followers: options.followed ? [{ cursor: '1', accountId: alice.id, reblogs: true }] : [],
        });
      case contracts.statuses.remote.saveRemoteStatus.subject:
        if (options.saveError) return Promise.reject(options.saveError);
        saved.push(input);
        return Promise.resolve({
          outcome: 'created',
          status: { uri: input.uri, inReplyToId: options.parentKnown ? '1' : null },
        });
      case contracts.statuses.remote.deleteRemoteStatus.subject:
        deleted.push(input);
        return Promise.resolve({ deleted: true });
      case contracts.statuses.polls.saveRemoteVote.subject:
        votes.push(input);
        return Promise.resolve({ outcome: options.voteOutcome ?? 'counted' });
      default:
        throw new Error(`unexpected request ${def.subject}`);
    }
  });
  return { bus: { request } as unknown as Bus, request, saved, deleted, votes };
}

const setup = (options: Parameters<typeof fakeBus>[0] = {}, fetched: Json | null = null) => {
  const fake = fakeBus(options);
  const objects = { read: jest.fn(() => Promise.resolve(fetched)) };
  const threads = { enqueue: jest.fn(() => Promise.resolve()) };
  const config = { publicOrigin: 'https://here.example' } as Config;
  resolvedHere.clear();
  const accounts = {
    execute: jest.fn(({ uri }: { uri: string }) => {
      if (uri !== carolUri) return Promise.reject(new ContractError('not_found', 'no such actor'));
      resolvedHere.add(uri);
      return Promise.resolve({ accountId: carol.id });
    }),
  };
  const handler = new NoteActivities(
    fake.bus,
    config,
    objects as unknown as RemoteObjects,
    new RemoteNotes(
      fake.bus,
      config,
      threads as unknown as ThreadQueue,
      accounts as unknown as ResolveRemoteAccount,
      { rejectsMedia: () => Promise.resolve(false) } as unknown as DomainBlocks,
    ),
  );
  return { ...fake, objects, threads, accounts, handler };
};

const note = (fields: Json = {}): Json => ({
  id: `${bobUri}/statuses/1`,
  type: 'Note',
  attributedTo: bobUri,
  content: '<p>hi</p>',
  published: new Date().toISOString(),
  to: [PUBLIC],
  cc: [`${bobUri}/followers`],
  ...fields,
});
const activity = (type: string, object: unknown): Json => ({
  id: `${bobUri}#a`,
  type,
  actor: bobUri,
  object,
});

describe('NoteActivities', () => {
  it('stores a note that mentions a local account, with the mention resolved', async () => {
    const { handler, saved } = setup();
    const mentioning = note({ cc: [aliceUri], tag: [{ type: 'Mention', href: aliceUri }] });
    await handler.apply(activity('Create', mentioning), bobUri);
    expect(saved).toEqual([
      expect.objectContaining({
        uri: mentioning.id,
        accountId: bob.id,
        mentions: [alice.id],
        visibility: 'public',
        mayCreate: true,
      }),
    ]);
  });

  it('resolves remote accounts it mentions that are not known yet; one that cannot be is left out', async () => {
    const { handler, saved, accounts } = setup();
    const gone = 'https://gone.example/users/dan';
    const mentioning = note({
      cc: [aliceUri, carolUri, gone],
      tag: [
        { type: 'Mention', href: aliceUri },
        { type: 'Mention', href: carolUri },
        { type: 'Mention', href: gone },
      ],
    });
    await handler.apply(activity('Create', mentioning), bobUri);
    expect(accounts.execute.mock.calls.map(([target]) => target)).toEqual([{ uri: carolUri }, { uri: gone }]);
    expect(saved).toEqual([expect.objectContaining({ mentions: [alice.id, carol.id] })]);
  });

  it('stores a public or private note of an author followed here, not of one nobody follows', async () => {
    const followed = setup({ followed: true });
    await followed.handler.apply(activity('Create', note({ to: [`${bobUri}/followers`], cc: [] })), bobUri);
    expect(followed.saved).toEqual([expect.objectContaining({ visibility: 'private' })]);
    const stranger = setup();
    await stranger.handler.apply(activity('Create', note()), bobUri);
    expect(stranger.saved).toEqual([]);
  });

  it('stores a public reply to a local status without asking about followers', async () => {
    const { handler, saved, request } = setup();
    await handler.apply(activity('Create', note({ inReplyTo: `${aliceUri}/statuses/5` })), bobUri);
    expect(saved).toHaveLength(1);
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('queues the parent of a reply it created when the parent is not known here, with the whole budget', async () => {
    const parent = 'https://peer.example/users/carol/statuses/9';
    const unknown = setup({ followed: true });
    await unknown.handler.apply(activity('Create', note({ inReplyTo: parent })), bobUri);
    expect(unknown.threads.enqueue).toHaveBeenCalledWith(parent, THREAD_PARENTS_LIMIT);
    const known = setup({ followed: true, parentKnown: true });
    await known.handler.apply(activity('Create', note({ inReplyTo: parent })), bobUri);
    const local = setup({ followed: true });
    await local.handler.apply(activity('Create', note({ inReplyTo: `${aliceUri}/statuses/404` })), bobUri);
    expect(known.threads.enqueue).not.toHaveBeenCalled();
    expect(local.threads.enqueue).not.toHaveBeenCalled();
  });

  it('stores a direct note only when it addresses a local account', async () => {
    const { handler, saved } = setup({ followed: true });
    await handler.apply(activity('Create', note({ to: ['https://peer.example/users/dan'], cc: [] })), bobUri);
    expect(saved).toEqual([]);
  });

  it('lets an Update create only a recent note that relates here; an old or unrelated one only edits', async () => {
    const { handler, saved } = setup();
    const old = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await handler.apply(activity('Update', note({ cc: [aliceUri], published: old })), bobUri);
    await handler.apply(activity('Update', note()), bobUri);
    await handler.apply(activity('Update', note({ cc: [aliceUri] })), bobUri);
    expect(saved.map((input) => input.mayCreate)).toEqual([false, false, true]);
  });

  it('reads the note from its id when it is embedded for another author, and refuses it still so', async () => {
    const { handler, saved, objects } = setup({}, note({ attributedTo: 'https://peer.example/users/carol' }));
    await handler.apply(
      activity('Create', note({ attributedTo: 'https://peer.example/users/carol', cc: [aliceUri] })),
      bobUri,
    );
    expect(objects.read).toHaveBeenCalledWith(`${bobUri}/statuses/1`);
    expect(saved).toEqual([]);
  });

  it('fetches a note given by id, and stores it when it holds', async () => {
    const { handler, saved, objects } = setup({}, note({ cc: [aliceUri] }));
    await handler.apply(activity('Create', `${bobUri}/statuses/1`), bobUri);
    expect(objects.read).toHaveBeenCalledTimes(1);
    expect(saved).toHaveLength(1);
  });

  it('refuses a note off the actor’s host without fetching or asking anything', async () => {
    const { handler, request, objects } = setup();
    await handler.apply(
      activity('Create', note({ id: 'https://elsewhere.example/notes/1', cc: [aliceUri] })),
      bobUri,
    );
    await handler.apply(
      activity('Delete', { id: 'https://elsewhere.example/notes/1', type: 'Tombstone' }),
      bobUri,
    );
    expect(request).not.toHaveBeenCalled();
    expect(objects.read).not.toHaveBeenCalled();
  });

  it('deletes a Tombstone or an id on the actor’s host for its author', async () => {
    const { handler, deleted } = setup();
    await handler.apply(activity('Delete', { id: `${bobUri}/statuses/1`, type: 'Tombstone' }), bobUri);
    await handler.apply(activity('Delete', `${bobUri}/statuses/2`), bobUri);
    expect(deleted).toEqual([
      { uri: `${bobUri}/statuses/1`, accountId: bob.id },
      { uri: `${bobUri}/statuses/2`, accountId: bob.id },
    ]);
  });

  it('drops what the statuses service refuses, and lets an unavailable one fail the delivery', async () => {
    const refused = setup({ saveError: new ContractError('conflict', 'another author') });
    await expect(
      refused.handler.apply(activity('Create', note({ cc: [aliceUri] })), bobUri),
    ).resolves.toBeUndefined();
    const down = setup({ saveError: new ContractError('unavailable', 'down') });
    await expect(
      down.handler.apply(activity('Create', note({ cc: [aliceUri] })), bobUri),
    ).rejects.toMatchObject({
      code: 'unavailable',
    });
  });

  describe('votes', () => {
    /** Shaped as Mastodon's VoteSerializer writes one. */
    const vote = (fields: Json = {}): Json => ({
      id: `${bobUri}#votes/7`,
      type: 'Note',
      name: 'coffee',
      attributedTo: bobUri,
      inReplyTo: `${aliceUri}/statuses/5`,
      to: aliceUri,
      ...fields,
    });

    it('counts a Note naming an option in reply to a local status as a vote, never as a status', async () => {
      const { handler, saved, votes, objects } = setup({ followed: true });
      await handler.apply(activity('Create', vote()), bobUri);
      expect(votes).toEqual([
        { accountId: bob.id, statusUri: `${aliceUri}/statuses/5`, name: 'coffee', addressedIds: [alice.id] },
      ]);
      expect(saved).toEqual([]);
      expect(objects.read).not.toHaveBeenCalled();
    });

    it('drops a vote the poll refuses without an error or a status', async () => {
      const { handler, saved, votes } = setup({ followed: true, voteOutcome: 'ignored' });
      await expect(handler.apply(activity('Create', vote()), bobUri)).resolves.toBeUndefined();
      expect(votes).toHaveLength(1);
      expect(saved).toEqual([]);
    });

    it('reads a Note naming no option of a poll here as a note (with nothing to show, not stored)', async () => {
      const { handler, saved, votes } = setup({ followed: true, voteOutcome: 'notPoll' });
      await handler.apply(activity('Create', vote({ name: 'biscuits' })), bobUri);
      expect(votes).toHaveLength(1);
      expect(saved).toEqual([]);
    });

    it('asks nothing of polls for a reply with content, one to a remote status, or another actor’s vote', async () => {
      const { handler, votes, saved } = setup({ followed: true });
      await handler.apply(activity('Create', vote({ content: '<p>coffee!</p>' })), bobUri);
      await handler.apply(
        activity('Create', vote({ inReplyTo: 'https://peer.example/users/carol/statuses/1' })),
        bobUri,
      );
      await handler.apply(activity('Create', vote({ attributedTo: carolUri })), bobUri);
      await handler.apply(activity('Update', vote()), bobUri);
      expect(votes).toEqual([]);
      expect(saved).toEqual([expect.objectContaining({ content: '<p>coffee!</p>' })]);
    });
  });

  it('stores a Question with its poll, and an Update of one refreshes it', async () => {
    const { handler, saved } = setup({ followed: true });
    const question = note({
      type: 'Question',
      content: '',
      oneOf: [
        { type: 'Note', name: 'tea', replies: { type: 'Collection', totalItems: 3 } },
        { type: 'Note', name: 'coffee', replies: { type: 'Collection', totalItems: 1 } },
      ],
      endTime: '2030-01-01T00:00:00Z',
      votersCount: 4,
    });
    await handler.apply(activity('Create', question), bobUri);
    await handler.apply(activity('Update', question), bobUri);
    const poll = {
      options: ['tea', 'coffee'],
      tallies: [3, 1],
      multiple: false,
      expiresAt: '2030-01-01T00:00:00.000Z',
      votersCount: 4,
    };
    expect(saved).toEqual([
      expect.objectContaining({ poll, fromUpdate: false }),
      expect.objectContaining({ poll, fromUpdate: true }),
    ]);
  });

  it('refuses an Update of a Question from another origin, embedded or named by id', async () => {
    const { handler, saved, request, objects } = setup({ followed: true });
    const question = note({
      type: 'Question',
      oneOf: [{ type: 'Note', name: 'tea', replies: { type: 'Collection', totalItems: 99 } }],
    });
    await handler.apply({ ...activity('Update', question), actor: carolUri }, carolUri);
    await handler.apply({ ...activity('Update', question.id), actor: carolUri }, carolUri);
    expect(saved).toEqual([]);
    expect(request).not.toHaveBeenCalled();
    expect(objects.read).not.toHaveBeenCalled();
  });
});
