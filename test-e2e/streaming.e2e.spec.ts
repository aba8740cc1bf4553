import { createRestAPIClient, type mastodon } from 'masto';
import { Client } from 'pg';
import WebSocket from 'ws';
import { seedUser, seedUsers, type SeededUser } from './support/factories';
import { startTestSystem, type TestSystem } from './support/system';
import { collect, streamingClients } from './support/streaming';

jest.setTimeout(120_000);

/** Opens a raw socket and says how the handshake ended: open, or the HTTP status it was refused with. */
function handshake(
  url: string,
  protocols?: string[],
): Promise<{ open: boolean; status?: number; protocol?: string }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, protocols);
    socket.once('open', () => {
      resolve({ open: true, protocol: socket.protocol });
      socket.close();
    });
    socket.once('unexpected-response', (_request, response) =>
      resolve({ open: false, status: response.statusCode }),
    );
    socket.once('error', () => resolve({ open: false }));
  });
}

/** A raw socket on the user stream, open, and when and how it closed once it does. */
async function userSocket(
  url: string,
  token: string,
): Promise<{ closed: Promise<{ at: number; code: number }>; close(): void }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/streaming?stream=user`, [token]);
  await new Promise((resolve) => socket.once('open', resolve));
  const closed = new Promise<{ at: number; code: number }>((resolve) =>
    socket.once('close', (code) => resolve({ at: Date.now(), code })),
  );
  return { closed, close: () => socket.close() };
}

/** Whether a promise settles within `ms`. */
const settlesWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

/**
 * Streaming through masto's WebSocket client, as Elk and Phanpy use it: statuses and
 * notifications arrive live to whom may see them, and a revoked token's socket closes. Those
 * close within a second because the accounts service passes grant changes on as it hears them
 * (the gateway's own re-check of every token comes only every 30 s or so).
 */
describe('streaming', () => {
  let t: TestSystem;
  let db: Client;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  const streams = streamingClients(() => t.url);
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const stream = (user: SeededUser): mastodon.streaming.Client => streams.open(user.token);

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol] = await seedUsers(t, ['alice', 'bob', 'carol']);
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await streams.closeAll();
    await db?.end();
    await t?.stop();
  });

  it('sends a followed account’s statuses to the user stream within a second, and their deletion', async () => {
    const subscription = stream(bob).user.subscribe();
    const events = collect(subscription);
    // A direct status mentioning nobody reaches its author's own stream only.
    await events.ready(() => as(bob).v1.statuses.create({ status: 'probe', visibility: 'direct' }));
    const posted = await as(alice).v1.statuses.create({ status: 'live!', visibility: 'private' });
    const started = Date.now();
    const [update] = await events.next(1);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(update).toMatchObject({ event: 'update', stream: ['user'], payload: { id: posted.id } });
    await as(alice).v1.statuses.$select(posted.id).remove();
    const [deletion] = await events.next(1);
    expect(deletion).toMatchObject({ event: 'delete', payload: posted.id });
    subscription.unsubscribe();
  });

  it('sends notifications on the user stream, and only public statuses on the public stream', async () => {
    const aliceStream = stream(alice);
    const user = aliceStream.user.subscribe();
    const userEvents = collect(user);
    const carolStream = stream(carol);
    const publicStream = carolStream.public.subscribe();
    const publicCollected = collect(publicStream);
    await userEvents.ready(() => as(alice).v1.statuses.create({ status: 'probe', visibility: 'direct' }));
    await publicCollected.ready(() => as(carol).v1.statuses.create({ status: 'probe' }));
    await as(bob).v1.statuses.create({ status: 'followers only', visibility: 'private' });
    const open = await as(bob).v1.statuses.create({ status: 'hello @alice' });
    const [notification] = (await userEvents.next(1)).filter((e) => e.event === 'notification');
    expect(notification).toMatchObject({
      event: 'notification',
      payload: { type: 'mention', account: { id: bob.accountId }, status: { id: open.id } },
    });
    const publicEvents = await publicCollected.ready(() => as(carol).v1.statuses.create({ status: 'probe' }));
    expect(publicEvents.map((e) => (e.event === 'update' ? e.payload.id : e.event))).toEqual([open.id]);
    user.unsubscribe();
    publicStream.unsubscribe();
  });

  it('never sends a status its viewer could not fetch', async () => {
    const subscription = stream(carol).public.subscribe();
    const collected = collect(subscription);
    await as(alice).v1.accounts.$select(carol.accountId).block();
    await collected.ready(() => as(carol).v1.statuses.create({ status: 'probe' }));
    await as(alice).v1.statuses.create({ status: 'not for carol' });
    const visible = await as(bob).v1.statuses.create({ status: 'for everyone' });
    const events = await collected.ready(() => as(carol).v1.statuses.create({ status: 'probe' }));
    expect(events.map((e) => (e.event === 'update' ? e.payload.id : e.event))).toEqual([visible.id]);
    subscription.unsubscribe();
  });

  it('refuses a socket without a valid user token, echoes the token subprotocol, and answers health', async () => {
    const base = t.url.replace(/^http/, 'ws');
    expect(await handshake(`${base}/api/v1/streaming`)).toEqual({ open: false, status: 401 });
    expect(await handshake(`${base}/api/v1/streaming?access_token=made-up`)).toEqual({
      open: false,
      status: 401,
    });
    expect(await handshake(`${base}/api/v1/streaming`, [alice.token])).toEqual({
      open: true,
      protocol: alice.token,
    });
    const health = await fetch(`${t.url}/api/v1/streaming/health`);
    expect([health.status, await health.text()]).toEqual([200, 'OK']);
  });

  it('closes the sockets of a revoked token within a second, and no others', async () => {
    const [first, second] = [await userSocket(t.url, carol.token), await userSocket(t.url, carol.token)];
    const bystander = await userSocket(t.url, bob.token);
    const revokedAt = Date.now();
    const response = await fetch(`${t.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: carol.token,
        client_id: carol.app.clientId,
        client_secret: carol.app.clientSecret,
      }),
    });
    expect(response.status).toBe(200);
    for (const { closed } of [first, second]) {
      const { at, code } = await closed;
      expect(at - revokedAt).toBeLessThan(1000);
      expect(code).toBe(1008);
    }
    expect(await settlesWithin(bystander.closed, 300)).toBe(false);
    bystander.close();
  });

  it('closes a socket within a second whoever narrows its grant: SQL by hand, suspension, a disabled user', async () => {
    const [revoked, suspended, disabled, bystander] = await Promise.all(
      ['dora', 'eve', 'fred', 'gus'].map((username) => seedUser(t, { username })),
    );
    const changes: [SeededUser, string, string][] = [
      // Another writer than the API: the trigger is what tells, not the code that revoked.
      [
        revoked,
        `UPDATE accounts.oauth_access_tokens SET revoked_at = now() WHERE user_id = $1`,
        revoked.userId,
      ],
      [suspended, `UPDATE accounts.accounts SET suspended_at = now() WHERE id = $1`, suspended.accountId],
      [disabled, `UPDATE accounts.users SET disabled = true WHERE id = $1`, disabled.userId],
    ];
    const watching = await userSocket(t.url, bystander.token);
    for (const [user, sql, id] of changes) {
      const socket = await userSocket(t.url, user.token);
      const changedAt = Date.now();
      await db.query(sql, [id]);
      const { at, code } = await socket.closed;
      expect({ user: user.username, closedWithin: at - changedAt < 1000, code }).toEqual({
        user: user.username,
        closedWithin: true,
        code: 1008,
      });
    }
    expect(await settlesWithin(watching.closed, 300)).toBe(false);
    watching.close();
    // The refused token cannot open another.
    expect(await handshake(`${t.url.replace(/^http/, 'ws')}/api/v1/streaming`, [suspended.token])).toEqual({
      open: false,
      status: 401,
    });
  });

  it('answers an unknown stream with an error and keeps the socket open', async () => {
    const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/v1/streaming`, [alice.token]);
    await new Promise((resolve) => socket.once('open', resolve));
    const reply = new Promise<string>((resolve) =>
      socket.once('message', (data: Buffer) => resolve(data.toString('utf8'))),
    );
    socket.send(JSON.stringify({ type: 'subscribe', stream: 'no-such-stream' }));
    expect(JSON.parse(await reply)).toEqual({ error: 'Unknown stream type', status: 400 });
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });
});
