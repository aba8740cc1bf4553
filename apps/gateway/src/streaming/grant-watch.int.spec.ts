import { type GrantChangedMessage, grantChangedSubject, type TokenGrant } from '@mammut/contracts';
import { testInfra, uniqueName } from '@mammut/testing';
import { connect, type NatsConnection } from 'nats';
import { pollUntil } from '../../../../test-e2e/support/poll';
import { GrantWatch, tokenTag, type WatchedSession } from './grant-watch';

jest.setTimeout(30_000);

const encoder = new TextEncoder();

const grantOf = (userId: string, accountId: string, suspended = false): TokenGrant => ({
  tokenId: '1',
  applicationId: '1',
  scopes: ['read'],
  user: {
    userId,
    accountId,
    role: 'user',
    confirmed: true,
    approved: true,
    disabled: false,
    suspended,
  },
});

/**
 * The gateway's watch over streaming sessions' tokens, on a real NATS: a grant change passed on by
 * the accounts service makes it ask again about the tokens it names, and no others; repeats of a
 * change while a check is under way cost one more check, not one each.
 */
describe('GrantWatch (real NATS)', () => {
  let nats: NatsConnection;
  let prefix: string;
  let watch: GrantWatch<WatchedSession>;
  /** What each token grants now; a token missing grants nothing. */
  let grants: Map<string, TokenGrant>;
  let asked: string[];
  let revoked: WatchedSession[];
  /** When set, validations wait for it (a slow accounts service). */
  let gate: Promise<void> | undefined;
  let away: boolean;

  const publish = async (message: GrantChangedMessage): Promise<void> => {
    nats.publish(`${prefix}.${grantChangedSubject}`, encoder.encode(JSON.stringify(message)));
    await nats.flush();
  };
  const session = (token: string, userId: string, accountId: string): WatchedSession => {
    const grant = grantOf(userId, accountId);
    grants.set(token, grant);
    const opened = { token, grant };
    watch.add(opened, Date.now());
    return opened;
  };
  const settle = (ms = 200): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    nats = await connect({ servers: testInfra().natsUrl });
  });

  afterAll(async () => {
    await nats?.drain();
  });

  beforeEach(async () => {
    prefix = uniqueName('watch');
    grants = new Map();
    asked = [];
    revoked = [];
    gate = undefined;
    away = false;
    watch = new GrantWatch<WatchedSession>({
      nats,
      natsPrefix: prefix,
      validate: async (token) => {
        asked.push(token);
        await gate;
        if (away) throw new Error('accounts away');
        return grants.get(token) ?? false;
      },
      usable: (grant) => grant.user !== null && !grant.user.suspended,
      revoked: (ended) => {
        revoked.push(ended);
        watch.remove(ended);
      },
    });
    watch.start();
    await nats.flush();
  });

  afterEach(() => watch.stop());

  it('asks again about the named token only, and ends all its sessions when it grants nothing', async () => {
    const first = session('token-a', '1', '10');
    const second = session('token-a', '1', '10');
    const other = session('token-b', '2', '20');
    grants.delete('token-a');

    await publish({ tag: tokenTag('token-a') });
    await pollUntil(
      () => Promise.resolve(revoked.length),
      (n) => n === 2,
      2000,
      10,
    );
    expect(asked).toEqual(['token-a']);
    expect(revoked).toEqual([first, second]);
    expect(revoked).not.toContain(other);
    expect(watch.size).toBe(1);

    // A token nobody streams with is nobody's business here.
    await publish({ tag: tokenTag('token-z') });
    await settle();
    expect(asked).toEqual(['token-a']);
  });

  it('asks about every token of a user or an account, and keeps the sessions it still grants', async () => {
    const mine = session('token-a', '1', '10');
    session('token-c', '1', '10');
    session('token-b', '2', '20');
    grants.set('token-c', { ...grantOf('1', '10'), scopes: ['read:statuses'] });

    await publish({ tag: 'u:1' });
    await pollUntil(
      () => Promise.resolve(asked.length),
      (n) => n === 2,
      2000,
      10,
    );
    await settle();
    expect([...asked].sort()).toEqual(['token-a', 'token-c']);
    expect(revoked).toEqual([]);

    asked = [];
    grants.set('token-a', grantOf('1', '10', true));
    grants.set('token-c', grantOf('1', '10', true));
    await publish({ tag: 'a:10' });
    await pollUntil(
      () => Promise.resolve(revoked.length),
      (n) => n === 2,
      2000,
      10,
    );
    expect([...asked].sort()).toEqual(['token-a', 'token-c']);
    expect(revoked).toContain(mine);
    expect(watch.size).toBe(1);
  });

  it('checks once more, not once per repeat, when a change is heard again during a check', async () => {
    session('token-a', '1', '10');
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    // Every accounts replica passes the same change on.
    for (let i = 0; i < 5; i++) await publish({ tag: tokenTag('token-a') });
    await settle();
    expect(asked).toEqual(['token-a']);
    open();
    await settle();
    expect(asked).toEqual(['token-a', 'token-a']);
  });

  it('keeps sessions while the accounts service cannot answer', async () => {
    session('token-a', '1', '10');
    grants.delete('token-a');
    away = true;
    await publish({ tag: 'u:1' });
    await settle();
    expect(asked).toEqual(['token-a']);
    expect(revoked).toEqual([]);
    expect(watch.size).toBe(1);
  });

  it('asks about every token, spread over a second, when everything may have changed', async () => {
    session('token-a', '1', '10');
    session('token-b', '2', '20');
    grants.delete('token-b');
    await publish({ everything: true });
    await pollUntil(
      () => Promise.resolve(revoked.length),
      (n) => n === 1,
      2000,
      20,
    );
    await settle(1500);
    expect([...asked].sort()).toEqual(['token-a', 'token-b']);
    expect(revoked.map((s) => s.token)).toEqual(['token-b']);
  });

  it('asks about every token when its bus connection comes back, messages may have been lost meanwhile', async () => {
    session('token-a', '1', '10');
    grants.delete('token-a');
    await nats.reconnect();
    await pollUntil(
      () => Promise.resolve(revoked.length),
      (n) => n === 1,
      5000,
      20,
    );
    expect(asked).toEqual(['token-a']);
  });

  it('asks again at once about a session authenticated before a change it was heard of', async () => {
    const authenticatedAt = Date.now();
    grants.delete('token-a');
    await publish({ tag: tokenTag('token-a') });
    await settle(50);
    expect(asked).toEqual([]);
    watch.add({ token: 'token-a', grant: grantOf('1', '10') }, authenticatedAt);
    await pollUntil(
      () => Promise.resolve(revoked.length),
      (n) => n === 1,
      2000,
      10,
    );
    expect(asked).toEqual(['token-a']);

    // One authenticated after the change is not asked about again.
    grants.set('token-b', grantOf('2', '20'));
    await publish({ tag: 'u:2' });
    await settle(50);
    watch.add({ token: 'token-b', grant: grantOf('2', '20') }, Date.now());
    await settle();
    expect(asked).toEqual(['token-a']);
  });

  it('ignores what it cannot read', async () => {
    session('token-a', '1', '10');
    nats.publish(`${prefix}.${grantChangedSubject}`, encoder.encode('{"tag":"x:1"}'));
    nats.publish(`${prefix}.${grantChangedSubject}`, encoder.encode('not json'));
    await nats.flush();
    await settle();
    expect(asked).toEqual([]);
  });
});
