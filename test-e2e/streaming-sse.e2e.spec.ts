import { createRestAPIClient, type mastodon } from 'masto';
import { Client } from 'pg';
import { uploadedImage } from './support/media';
import { seedUsers, type SeededUser } from './support/factories';
import { startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * An open event stream read with a plain fetch, as a client without WebSocket reads it: the
 * response, what came before the first event (comments), the events as they arrive, and when the
 * server ended it.
 */
async function openStream(
  url: string,
  token?: string,
): Promise<{
  response: Response;
  comments: string[];
  next(match: (event: SseEvent) => boolean, ms?: number): Promise<SseEvent | undefined>;
  ended: Promise<number>;
}> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let ended: (at: number) => void = () => undefined;
  const endedAt = new Promise<number>((resolve) => (ended = resolve));
  if (response.ok && response.body) {
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return ended(Date.now());
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          // Comment lines end with one newline; events with a blank line.
          while ((end = buffer.indexOf('\n')) >= 0) {
            if (buffer.startsWith(':')) {
              comments.push(buffer.slice(0, end));
              buffer = buffer.slice(end + 1);
              continue;
            }
            const block = buffer.indexOf('\n\n');
            if (block < 0) break;
            const fields = Object.fromEntries(
              buffer
                .slice(0, block)
                .split('\n')
                .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
            ) as Record<string, string>;
            events.push({ event: fields.event, data: fields.data });
            buffer = buffer.slice(block + 2);
          }
        }
      } catch {
        // The connection went: the stream ends.
        ended(Date.now());
      }
    })();
  }
  return {
    response,
    comments,
    ended: endedAt,
    async next(match, ms = 5000) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const at = events.findIndex(match);
        if (at >= 0) return events.splice(at, 1)[0];
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return undefined;
    },
  };
}

/**
 * The streaming API as server-sent events (`/api/v1/streaming/<stream>`), read with fetch: the same
 * tokens, streams and presentation as the WebSocket, Mastodon's errors as plain HTTP answers.
 */
describe('streaming over server-sent events', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const open = (path: string, token?: string): ReturnType<typeof openStream> =>
    openStream(`${t.url}${path}`, token);

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob] = await seedUsers(t, ['alice', 'bob']);
    await as(bob).v1.accounts.$select(alice.accountId).follow();
  });

  afterAll(async () => {
    // The server ends the streams as it stops. (Aborting a fetch instead leaves undici opening a
    // spare connection, which holds the server's close until its keep-alive timeout.)
    await t?.stop();
  });

  it('streams a followed account’s status to the user stream as an update event, then its deletion', async () => {
    // Subscribed before the response starts: nothing posted after it is missed.
    const stream = await open('/api/v1/streaming/user', bob.token);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream');
    const posted = await as(alice).v1.statuses.create({ status: 'over sse', visibility: 'private' });
    const update = await stream.next((e) => e.event === 'update');
    expect(update?.event).toBe('update');
    const status = JSON.parse(update?.data ?? '{}') as {
      id: string;
      account: { id: string };
      favourited: boolean;
    };
    expect([status.id, status.account.id, status.favourited]).toEqual([posted.id, alice.accountId, false]);
    expect(stream.comments[0]).toBe(':)');
    await as(alice).v1.statuses.$select(posted.id).remove();
    expect(await stream.next((e) => e.event === 'delete')).toEqual({ event: 'delete', data: posted.id });
  });

  it('takes the token from access_token, and streams notifications only on user/notification', async () => {
    const stream = await open(`/api/v1/streaming/user/notification?access_token=${alice.token}`);
    expect(stream.response.status).toBe(200);
    const mention = await as(bob).v1.statuses.create({ status: 'hey @alice' });
    const notification = await stream.next(() => true);
    expect(notification?.event).toBe('notification');
    expect(JSON.parse(notification?.data ?? '{}')).toMatchObject({
      type: 'mention',
      account: { id: bob.accountId },
      status: { id: mention.id },
    });
  });

  it('streams filters_changed on user with an undefined payload, as Mastodon writes it', async () => {
    const stream = await open('/api/v1/streaming/user', alice.token);
    expect(stream.response.status).toBe(200);
    await as(alice).v2.filters.create({ title: 'over sse', context: ['home'] });
    expect(await stream.next((e) => e.event === 'filters_changed')).toEqual({
      event: 'filters_changed',
      data: 'undefined',
    });
  });

  it('streams conversations on direct, and public statuses on public/local', async () => {
    const direct = await open('/api/v1/streaming/direct', bob.token);
    const local = await open('/api/v1/streaming/public/local', bob.token);
    const dm = await as(alice).v1.statuses.create({ status: 'secret @bob', visibility: 'direct' });
    const open_ = await as(alice).v1.statuses.create({ status: 'for all' });
    const conversation = await direct.next((e) => e.event === 'conversation');
    expect(JSON.parse(conversation?.data ?? '{}')).toMatchObject({
      unread: true,
      accounts: [{ id: alice.accountId }],
      last_status: { id: dm.id },
    });
    const update = await local.next((e) => e.event === 'update');
    expect((JSON.parse(update?.data ?? '{}') as { id: string }).id).toBe(open_.id);
    expect(await direct.next(() => true, 300)).toBeUndefined();
  });

  it('streams only statuses with media on public/local?only_media=true (public:local:media)', async () => {
    const media = await open('/api/v1/streaming/public/local?only_media=true', bob.token);
    expect(media.response.status).toBe(200);
    await as(alice).v1.statuses.create({ status: 'no picture' });
    const pictured = await as(alice).v1.statuses.create({
      status: 'a picture',
      mediaIds: [await uploadedImage(as(alice))],
    });
    const update = await media.next((e) => e.event === 'update');
    expect((JSON.parse(update?.data ?? '{}') as { id: string }).id).toBe(pictured.id);
  });

  it('ends the streams of a token within a second of its revocation, by the API or by SQL by hand', async () => {
    const [dora, eve] = await seedUsers(t, ['dora', 'eve']);
    const byApi = await open('/api/v1/streaming/user', dora.token);
    const bySql = await open('/api/v1/streaming/public/local', eve.token);
    const bystander = await open('/api/v1/streaming/user', bob.token);
    expect([byApi.response.status, bySql.response.status]).toEqual([200, 200]);

    let revokedAt = Date.now();
    const revoked = await fetch(`${t.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: dora.token,
        client_id: dora.app.clientId,
        client_secret: dora.app.clientSecret,
      }),
    });
    expect(revoked.status).toBe(200);
    expect((await byApi.ended) - revokedAt).toBeLessThan(1000);

    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      revokedAt = Date.now();
      await db.query(`UPDATE accounts.oauth_access_tokens SET revoked_at = now() WHERE user_id = $1`, [
        eve.userId,
      ]);
      expect((await bySql.ended) - revokedAt).toBeLessThan(1000);
    } finally {
      await db.end();
    }
    // Nobody else's stream ended: it still gets what it is sent.
    const posted = await as(alice).v1.statuses.create({ status: 'still here?' });
    expect(await bystander.next((e) => e.event === 'update' && e.data.includes(posted.id))).toBeDefined();
  });

  it('answers a bad token 401, an unknown stream 400, a path that is none 404', async () => {
    const bad = await open('/api/v1/streaming/user', 'made-up');
    expect(bad.response.status).toBe(401);
    expect(await bad.response.json()).toEqual({ error: 'The access token is invalid' });
    const none = await open('/api/v1/streaming/user');
    expect(none.response.status).toBe(401);
    const untagged = await open('/api/v1/streaming/hashtag', bob.token);
    expect(untagged.response.status).toBe(400);
    expect(await untagged.response.json()).toEqual({ error: 'Unknown stream type' });
    const list = await open('/api/v1/streaming/list?list=123', bob.token);
    expect(list.response.status).toBe(401);
    const nowhere = await open('/api/v1/streaming/nowhere', bob.token);
    expect(nowhere.response.status).toBe(404);
  });
});
