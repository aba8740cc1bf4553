import { type ActorRecord, ContractError, contracts, type RemoteActorDescription } from '@mammut/contracts';
import type { Bus, Clock, Config } from '@mammut/platform';
import type { Handle, WebfingerAnswer } from './jrd';
import { ActorGone, type FetchedActor, PeerUnavailable, type RemoteActors } from './remote-actors';
import { ResolveRemoteAccount } from './resolve-remote-account';
import type { DomainBlocks } from '../domain-blocks/domain-blocks';
import { type WebfingerClient, WebfingerFailure } from './webfinger-client';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const clock: Clock = { now: () => new Date(NOW), millis: () => NOW };
const config = {
  localDomain: 'here.example',
  publicOrigin: 'https://here.example',
  federation: { scheme: 'https' },
} as unknown as Config;
const BOB = 'https://social.remote.example/users/bob';

const actor = (uri: string, username: string): FetchedActor => ({
  ok: true,
  keys: [],
  actor: { uri, username, domain: new URL(uri).host, displayName: 'Bob' } as RemoteActorDescription,
});
const known = (lastWebfingeredAt: string | null): ActorRecord =>
  ({ id: '7', domain: 'remote.example', lastWebfingeredAt }) as ActorRecord;
const answer = (acct: string, actorUri = BOB): WebfingerAnswer => {
  const [username, domain] = acct.split('@');
  return { subject: { username, domain }, actorUri };
};

/** Fakes that answer what each test sets and fail on anything else. */
function setup(options: {
  known?: ActorRecord;
  fingers?: Record<string, WebfingerAnswer | Error>;
  actors?: Record<string, FetchedActor | null | Error>;
  suspended?: string[];
}) {
  const saved: RemoteActorDescription[] = [];
  const deleted: string[] = [];
  const request = jest.fn((def: { subject: string }, payload: unknown): Promise<unknown> => {
    switch (def.subject) {
      case contracts.accounts.remote.lookupActors.subject:
      case contracts.accounts.remote.getActorsByUri.subject:
        return Promise.resolve({ actors: options.known ? [options.known] : [], missing: [] });
      case contracts.accounts.remote.saveRemoteAccount.subject:
        saved.push(payload as RemoteActorDescription);
        return Promise.resolve({ account: { id: '42' }, created: true });
      case contracts.accounts.admin.deleteAccount.subject:
        deleted.push((payload as { accountId: string }).accountId);
        return Promise.resolve(payload);
      default:
        return Promise.reject(new Error(`unexpected ${def.subject}`));
    }
  });
  const finger = jest.fn((handle: Handle): Promise<WebfingerAnswer> => {
    const found = options.fingers?.[`${handle.username}@${handle.domain}`];
    if (!found)
      return Promise.reject(new Error(`unexpected WebFinger of ${handle.username}@${handle.domain}`));
    return found instanceof Error ? Promise.reject(found) : Promise.resolve(found);
  });
  const fetchActor = jest.fn((uri: string): Promise<FetchedActor | null> => {
    const found = options.actors?.[uri];
    if (found === undefined) return Promise.reject(new Error(`unexpected fetch of ${uri}`));
    return found instanceof Error ? Promise.reject(found) : Promise.resolve(found);
  });
  const resolver = new ResolveRemoteAccount(
    { request } as unknown as Bus,
    config,
    clock,
    { finger } as unknown as WebfingerClient,
    { fetchActor } as unknown as RemoteActors,
    blocksOf(options.suspended ?? []),
  );
  return { resolver, saved, deleted, finger, fetchActor };
}

/** Domain blocks suspending exactly `domains` and their subdomains. */
const blocksOf = (domains: string[]): DomainBlocks => {
  const covers = (host: string): boolean =>
    domains.some((domain) => host === domain || host.endsWith(`.${domain}`));
  return {
    isSuspended: (host: string) => Promise.resolve(covers(host)),
    suspendsUrl: (url: string) => Promise.resolve(covers(new URL(url).host)),
  } as unknown as DomainBlocks;
};

const code = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof ContractError ? error.code : String(error)),
  );

describe('ResolveRemoteAccount', () => {
  it('answers an account WebFinger confirmed within a day without asking its server', async () => {
    const { resolver, finger } = setup({ known: known('2026-12-01T00:00:00Z') });
    expect(await resolver.execute({ acct: '@bob@remote.example' })).toEqual({ accountId: '7' });
    expect(finger).not.toHaveBeenCalled();
  });

  it('finds nothing on a suspended domain, known or not, without asking it', async () => {
    const { resolver, finger, fetchActor } = setup({
      known: known('2026-12-01T00:00:00Z'),
      suspended: ['remote.example'],
    });
    expect(await code(resolver.execute({ acct: 'bob@remote.example' }))).toBe('not_found');
    expect(await code(resolver.execute({ uri: 'https://a.remote.example/users/bob' }))).toBe('not_found');
    expect(finger).not.toHaveBeenCalled();
    expect(fetchActor).not.toHaveBeenCalled();
  });

  it('does not follow WebFinger to an actor on a suspended domain', async () => {
    const { resolver, fetchActor } = setup({
      fingers: { 'bob@remote.example': answer('bob@remote.example', 'https://blocked.example/users/bob') },
      suspended: ['blocked.example'],
    });
    expect(await code(resolver.execute({ acct: 'bob@remote.example' }))).toBe('not_found');
    expect(fetchActor).not.toHaveBeenCalled();
  });

  it('resolves an unknown handle once for concurrent callers, saving the handle WebFinger confirmed', async () => {
    const { resolver, saved, finger, fetchActor } = setup({
      fingers: { 'Bob@remote.example': answer('bob@remote.example', 'https://remote.example/users/bob') },
      actors: { 'https://remote.example/users/bob': actor('https://remote.example/users/bob', 'bob') },
    });
    const results = await Promise.all([
      resolver.execute({ acct: 'Bob@remote.example' }),
      resolver.execute({ acct: 'bob@Remote.Example' }),
    ]);
    expect(results).toEqual([{ accountId: '42' }, { accountId: '42' }]);
    expect(finger).toHaveBeenCalledTimes(1);
    expect(fetchActor).toHaveBeenCalledTimes(1);
    expect(saved).toMatchObject([
      { username: 'bob', domain: 'remote.example', webfingeredAt: new Date(NOW).toISOString() },
    ]);
  });

  it("confirms the actor's own handle when its host is not the handle's domain", async () => {
    const { resolver, saved, finger } = setup({
      fingers: {
        'bob@remote.example': answer('bob@remote.example'),
        'bob@social.remote.example': answer('bob@remote.example'),
      },
      actors: { [BOB]: actor(BOB, 'bob') },
    });
    expect(await resolver.execute({ acct: 'bob@remote.example' })).toEqual({ accountId: '42' });
    // The actor's host asked, then the subject it names, which confirms itself.
    expect(finger.mock.calls.map(([h]) => `${h.username}@${h.domain}`)).toEqual([
      'bob@remote.example',
      'bob@social.remote.example',
      'bob@remote.example',
    ]);
    expect(saved).toMatchObject([{ username: 'bob', domain: 'remote.example' }]);
  });

  it('refuses an actor whose own handle WebFinger points at another actor', async () => {
    const { resolver, saved } = setup({
      fingers: {
        'bob@social.remote.example': answer('bob@social.remote.example', 'https://elsewhere.example/bob'),
      },
      actors: { [BOB]: actor(BOB, 'bob') },
    });
    expect(await code(resolver.execute({ uri: BOB }))).toBe('not_found');
    expect(saved).toEqual([]);
  });

  it('answers unavailable when the server cannot be asked, and the known account when there is one', async () => {
    const down = new WebfingerFailure('unavailable', 'connection refused');
    expect(
      await code(
        setup({ fingers: { 'bob@remote.example': down } }).resolver.execute({ acct: 'bob@remote.example' }),
      ),
    ).toBe('unavailable');
    const stale = setup({ known: known('2026-11-01T00:00:00Z'), fingers: { 'bob@remote.example': down } });
    expect(await stale.resolver.execute({ acct: 'bob@remote.example' })).toEqual({ accountId: '7' });
    const actorDown = setup({ actors: { [BOB]: new PeerUnavailable('timeout') } });
    expect(await code(actorDown.resolver.execute({ uri: BOB }))).toBe('unavailable');
  });

  it('finds nothing for a malformed handle, a URL it may not fetch or an unknown local URL, without asking anyone', async () => {
    const { resolver, finger, fetchActor } = setup({});
    expect(await code(resolver.execute({ acct: 'not a handle' }))).toBe('not_found');
    expect(await code(resolver.execute({ uri: 'http://remote.example/users/bob' }))).toBe('not_found');
    expect(await code(resolver.execute({ uri: 'https://here.example/users/nobody' }))).toBe('not_found');
    expect(finger).not.toHaveBeenCalled();
    expect(fetchActor).not.toHaveBeenCalled();
  });

  it('finds nothing when the server says the account is gone (410), and deletes a known copy', async () => {
    const gone = new WebfingerFailure('gone', 'answered 410');
    const unknown = setup({ fingers: { 'bob@remote.example': gone } });
    expect(await code(unknown.resolver.execute({ acct: 'bob@remote.example' }))).toBe('not_found');
    expect(unknown.deleted).toEqual([]);
    // A known, stale account: WebFinger still answers, the actor is gone.
    const actorGone = setup({
      known: known('2026-11-01T00:00:00Z'),
      fingers: { 'bob@remote.example': answer('bob@remote.example') },
      actors: { [BOB]: new ActorGone(BOB) },
    });
    expect(await code(actorGone.resolver.execute({ acct: 'bob@remote.example' }))).toBe('not_found');
    expect(actorGone.deleted).toEqual(['7']);
    const fingerGone = setup({
      known: known('2026-11-01T00:00:00Z'),
      fingers: { 'bob@remote.example': gone },
    });
    expect(await code(fingerGone.resolver.execute({ acct: 'bob@remote.example' }))).toBe('not_found');
    expect(fingerGone.deleted).toEqual(['7']);
  });
});
