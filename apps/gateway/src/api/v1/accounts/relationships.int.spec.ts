import { createRestAPIClient, type mastodon } from 'masto';
import { Client } from 'pg';
import { contracts } from '@mammut/contracts';
import type { MRelationship } from '@mammut/mastodon-api';
import { seedUser, type SeededUser } from '../../../../../../test-e2e/support/factories';
import { startTestSystem, type TestSystem } from '../../../../../../test-e2e/support/system';
import { apiCall } from '../../../../../../test-e2e/support/http';

jest.setTimeout(60_000);

/** Who acts: a token and its account. */
interface User {
  readonly accountId: string;
  readonly token: string;
}

/** masto 7.12 does not type Mastodon 4.6's `muting_expires_at` yet; it passes it through camelCased. */
type WithExpiry = mastodon.v1.Relationship & { mutingExpiresAt?: string | null };

/** Each test signs up the people it needs: none depends on what another did. */
describe('follows, requests, blocks, mutes and relationships over HTTP', () => {
  let t: TestSystem;
  let db: Client;
  /** A user whose token may only read; nobody changes anything about it. */
  let reader: User;
  const as = (user: User): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const user = (username: string, options: { locked?: boolean } = {}): Promise<SeededUser> =>
    seedUser(t, { username, ...options });

  beforeAll(async () => {
    t = await startTestSystem();
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    reader = await seedUser(t, { username: 'reader', scopes: ['read'] });
  });

  afterAll(async () => {
    await db?.end();
    await t?.stop();
  });

  const call = (path: string, init: RequestInit & { token?: string } = {}): Promise<Response> =>
    apiCall(t.url, path, init);
  const counts = async (user: User): Promise<{ followers: number; following: number }> => {
    const account = await createRestAPIClient({ url: t.url }).v1.accounts.$select(user.accountId).fetch();
    return { followers: account.followersCount, following: account.followingCount };
  };
  /** Rows of a relationship table that involve any of `users`, either way. */
  const rowsOf = async (table: 'follows' | 'blocks', users: User[]): Promise<number> => {
    const ids = users.map((u) => u.accountId);
    const result = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM accounts.${table}
        WHERE account_id = ANY($1::bigint[]) OR target_account_id = ANY($1::bigint[])`,
      [ids],
    );
    return Number(result.rows[0].n);
  };
  /** As an operator suspends an account (`npm run mammut -- accounts suspend`). */
  const suspend = async (...users: User[]): Promise<void> => {
    for (const { accountId } of users) {
      await t.system.runtime.bus.request(contracts.accounts.admin.suspendAccount, { accountId });
    }
  };

  it('follows an unlocked account at once, and re-following only changes the options', async () => {
    const [alice, bob] = [await user('refollower'), await user('refollowed')];
    const rel = await as(alice)
      .v1.accounts.$select(bob.accountId)
      .follow({
        reblogs: false,
        notify: true,
        languages: ['en', 'de'],
      });
    expect(rel.id).toBe(bob.accountId);
    expect(rel.following).toBe(true);
    expect(rel.requested).toBe(false);
    expect(rel.showingReblogs).toBe(false);
    expect(rel.notifying).toBe(true);
    expect(rel.languages).toEqual(['en', 'de']);
    expect(await counts(bob)).toEqual({ followers: 1, following: 0 });
    expect(await counts(alice)).toEqual({ followers: 0, following: 1 });

    const again = await as(alice).v1.accounts.$select(bob.accountId).follow({ reblogs: true });
    expect(again.showingReblogs).toBe(true);
    expect(again.notifying).toBe(true);
    expect(again.languages).toEqual(['en', 'de']);
    expect(await counts(bob)).toEqual({ followers: 1, following: 0 });

    // A form body with Rails booleans means the same as JSON.
    const form = await call(`/api/v1/accounts/${bob.accountId}/follow`, {
      method: 'POST',
      token: alice.token,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'reblogs=0&notify=off',
    });
    expect(form.status).toBe(200);
    const formRel = (await form.json()) as MRelationship;
    expect(formRel.showing_reblogs).toBe(false);
    expect(formRel.notifying).toBe(false);
  });

  it('answers relationships in request order, unknown and malformed ids left out, every field set', async () => {
    const [alice, bob, carol] = [await user('orderer'), await user('ordered1'), await user('ordered2')];
    await as(alice)
      .v1.accounts.$select(bob.accountId)
      .follow({
        reblogs: false,
        notify: false,
        languages: ['en', 'de'],
      });
    const response = await call(
      `/api/v1/accounts/relationships?id[]=${carol.accountId}&id[]=1&id[]=${bob.accountId}&id[]=abc&id[]=${bob.accountId}`,
      { token: alice.token },
    );
    expect(response.status).toBe(200);
    const list = (await response.json()) as MRelationship[];
    expect(list.map((r) => r.id)).toEqual([carol.accountId, bob.accountId]);
    expect(list[1]).toEqual({
      id: bob.accountId,
      following: true,
      showing_reblogs: false,
      notifying: false,
      languages: ['en', 'de'],
      followed_by: false,
      blocking: false,
      blocked_by: false,
      muting: false,
      muting_notifications: false,
      muting_expires_at: null,
      requested: false,
      requested_by: false,
      domain_blocking: false,
      endorsed: false,
      note: '',
    });
    expect(list[0].following).toBe(false);
    const fromBob = await as(bob).v1.accounts.relationships.fetch({ id: [alice.accountId] });
    expect(fromBob[0].followedBy).toBe(true);
    expect(fromBob[0].following).toBe(false);
  });

  it('turns a follow of a locked account into a request that can be authorized', async () => {
    const [alice, carol] = [await user('asking'), await user('askedlocked', { locked: true })];
    const rel = await as(alice).v1.accounts.$select(carol.accountId).follow();
    expect(rel.requested).toBe(true);
    expect(rel.following).toBe(false);
    expect(rel.showingReblogs).toBe(true);
    const requests = await as(carol).v1.followRequests.list();
    expect(requests.map((a) => a.id)).toEqual([alice.accountId]);
    const carolSide = await as(carol).v1.accounts.relationships.fetch({ id: [alice.accountId] });
    expect(carolSide[0].requestedBy).toBe(true);
    expect((await as(carol).v1.accounts.verifyCredentials()).source.followRequestsCount).toBe(1);
    expect(await counts(carol)).toEqual({ followers: 0, following: 0 });

    const authorized = await as(carol).v1.followRequests.$select(alice.accountId).authorize();
    expect(authorized.id).toBe(alice.accountId);
    expect(authorized.followedBy).toBe(true);
    expect(authorized.requestedBy).toBe(false);
    const aliceSide = await as(alice).v1.accounts.relationships.fetch({ id: [carol.accountId] });
    expect(aliceSide[0].following).toBe(true);
    expect(aliceSide[0].requested).toBe(false);
    expect(await as(carol).v1.followRequests.list()).toEqual([]);
    expect(await counts(carol)).toEqual({ followers: 1, following: 0 });
    expect(await counts(alice)).toEqual({ followers: 0, following: 1 });
  });

  it('rejects a request, and unfollow cancels a pending one', async () => {
    const [dave, carol] = [await user('rejected'), await user('rejecter', { locked: true })];
    expect((await as(dave).v1.accounts.$select(carol.accountId).follow()).requested).toBe(true);
    const rejected = await as(carol).v1.followRequests.$select(dave.accountId).reject();
    expect(rejected.requestedBy).toBe(false);
    expect(rejected.followedBy).toBe(false);
    const again = await call(`/api/v1/follow_requests/${dave.accountId}/reject`, {
      method: 'POST',
      token: carol.token,
    });
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: 'Record not found' });

    expect((await as(dave).v1.accounts.$select(carol.accountId).follow()).requested).toBe(true);
    const cancelled = await as(dave).v1.accounts.$select(carol.accountId).unfollow();
    expect(cancelled.requested).toBe(false);
    expect(cancelled.following).toBe(false);
    expect(await as(carol).v1.followRequests.list()).toEqual([]);
    expect(await counts(carol)).toEqual({ followers: 0, following: 0 });
  });

  it('blocks: follows both ways end, blocked_by shows on the other side, following back is refused', async () => {
    const [alice, bob] = [await user('blocker'), await user('blockee')];
    await as(alice).v1.accounts.$select(bob.accountId).follow();
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    expect(await counts(alice)).toEqual({ followers: 1, following: 1 });
    const blocked = await as(alice).v1.accounts.$select(bob.accountId).block();
    expect(blocked.blocking).toBe(true);
    expect(blocked.following).toBe(false);
    expect(blocked.followedBy).toBe(false);
    expect(await counts(alice)).toEqual({ followers: 0, following: 0 });
    expect(await counts(bob)).toEqual({ followers: 0, following: 0 });
    const bobSide = await as(bob).v1.accounts.relationships.fetch({ id: [alice.accountId] });
    expect(bobSide[0].blockedBy).toBe(true);
    expect(bobSide[0].blocking).toBe(false);

    const refused = await call(`/api/v1/accounts/${alice.accountId}/follow`, {
      method: 'POST',
      token: bob.token,
    });
    expect(refused.status).toBe(403);
    expect(await counts(alice)).toEqual({ followers: 0, following: 0 });
    expect((await as(alice).v1.blocks.list()).map((a) => a.id)).toEqual([bob.accountId]);

    const unblocked = await as(alice).v1.accounts.$select(bob.accountId).unblock();
    expect(unblocked.blocking).toBe(false);
    expect(unblocked.following).toBe(false);
    expect(await as(alice).v1.blocks.list()).toEqual([]);
  });

  it('mutes with a duration and without notifications; expired mutes do not count', async () => {
    const [alice, dave] = [await user('muter'), await user('mutee')];
    const before = Date.now();
    const muted: WithExpiry = await as(alice)
      .v1.accounts.$select(dave.accountId)
      .mute({ notifications: false, duration: 3600 });
    expect(muted.muting).toBe(true);
    expect(muted.mutingNotifications).toBe(false);
    const expires = Date.parse(muted.mutingExpiresAt ?? '');
    expect(expires).toBeGreaterThanOrEqual(before + 3_590_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3_610_000);
    const list = await call('/api/v1/mutes', { token: alice.token });
    const mutes = (await list.json()) as { id: string; mute_expires_at: string | null }[];
    expect(mutes.map((m) => m.id)).toEqual([dave.accountId]);
    expect(mutes[0].mute_expires_at).toBe(muted.mutingExpiresAt);

    const forever: WithExpiry = await as(alice).v1.accounts.$select(dave.accountId).mute();
    expect(forever.mutingNotifications).toBe(true);
    expect(forever.mutingExpiresAt).toBeNull();

    // An hour cannot be waited for and the expiry is PostgreSQL's clock: the mute is aged instead.
    await db.query(
      `UPDATE accounts.mutes SET expires_at = now() - interval '1 second' WHERE account_id = $1`,
      [alice.accountId],
    );
    const expired = await as(alice).v1.accounts.relationships.fetch({ id: [dave.accountId] });
    expect(expired[0].muting).toBe(false);
    expect(expired[0].mutingNotifications).toBe(false);
    expect(await as(alice).v1.mutes.list()).toEqual([]);

    await as(alice).v1.accounts.$select(dave.accountId).mute();
    const unmuted = await as(alice).v1.accounts.$select(dave.accountId).unmute();
    expect(unmuted.muting).toBe(false);
  });

  it('refuses bad requests with Mastodon errors and changes nothing', async () => {
    const [alice, bob, dave] = [await user('refused'), await user('bystander'), await user('untouched')];
    const involved = [alice, bob, dave];
    const followsBefore = await rowsOf('follows', involved);
    const aliceBefore = await counts(alice);
    for (const id of ['1', 'abc', '99999999999999999999999', '-5']) {
      const response = await call(`/api/v1/accounts/${id}/follow`, { method: 'POST', token: alice.token });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'Record not found' });
    }
    const self = await call(`/api/v1/accounts/${alice.accountId}/follow`, {
      method: 'POST',
      token: alice.token,
    });
    expect(self.status).toBe(403);
    expect(((await self.json()) as { error: string }).error).toBeTruthy();
    const scope = await call(`/api/v1/accounts/${dave.accountId}/follow`, {
      method: 'POST',
      token: reader.token,
    });
    expect(scope.status).toBe(403);
    expect(await scope.json()).toEqual({ error: 'This action is outside the authorized scopes' });
    const blockScope = await call(`/api/v1/accounts/${dave.accountId}/block`, {
      method: 'POST',
      token: reader.token,
    });
    expect(blockScope.status).toBe(403);
    const anonymous = await call(`/api/v1/accounts/relationships?id[]=${bob.accountId}`);
    expect(anonymous.status).toBe(401);
    // A read token may read relationships (read:follows through `read`).
    const readable = await call(`/api/v1/accounts/relationships?id=${bob.accountId}`, {
      token: reader.token,
    });
    expect(readable.status).toBe(200);
    expect(((await readable.json()) as MRelationship[]).map((r) => r.id)).toEqual([bob.accountId]);

    await suspend(dave);
    const suspended = await call(`/api/v1/accounts/${dave.accountId}/follow`, {
      method: 'POST',
      token: alice.token,
    });
    expect(suspended.status).toBe(404);
    const hidden = await as(alice).v1.accounts.relationships.fetch({ id: [dave.accountId] });
    expect(hidden).toEqual([]);
    const shown = await as(alice).v1.accounts.relationships.fetch({
      id: [dave.accountId],
      withSuspended: true,
    });
    expect(shown.map((r) => r.id)).toEqual([dave.accountId]);

    expect(await rowsOf('follows', involved)).toBe(followsBefore);
    expect(await counts(alice)).toEqual(aliceBefore);
    expect(await rowsOf('blocks', involved)).toBe(0);
  });

  it('writes each change as an event in the outbox, once per real change', async () => {
    const [alice, bob, dave] = [await user('evalice'), await user('evbob'), await user('evdave')];
    const carol = await user('evcarol', { locked: true });
    const [a, b, c, d] = [alice, bob, carol, dave].map((u) => u.accountId);
    // Following, then only the options again: one follow.
    await as(alice).v1.accounts.$select(b).follow({ reblogs: false, notify: true });
    await as(alice).v1.accounts.$select(b).follow({ reblogs: true });
    // A request authorized; a request rejected, made again and withdrawn.
    await as(alice).v1.accounts.$select(c).follow();
    await as(carol).v1.followRequests.$select(a).authorize();
    await as(dave).v1.accounts.$select(c).follow();
    await as(carol).v1.followRequests.$select(d).reject();
    await as(dave).v1.accounts.$select(c).follow();
    await as(dave).v1.accounts.$select(c).unfollow();
    // A block ends the follows both ways; blocking twice blocks once.
    await as(bob).v1.accounts.$select(a).follow();
    await as(alice).v1.accounts.$select(b).block();
    await as(alice).v1.accounts.$select(b).block();
    await as(alice).v1.accounts.$select(b).unblock();
    // Muting again replaces the mute (a change each time); unmuting twice unmutes once.
    await as(alice).v1.accounts.$select(d).mute({ notifications: false, duration: 3600 });
    await as(alice).v1.accounts.$select(d).mute();
    await as(alice).v1.accounts.$select(d).unmute();
    await as(alice).v1.accounts.$select(d).unmute();

    const { rows: written } = await db.query(
      `SELECT subject, payload FROM accounts.outbox WHERE payload->>'accountId' = ANY($1)
          AND subject ~ '^events\\.accounts\\.(follow|follow_request|block|mute)\\.' ORDER BY id`,
      [[a, b, d]],
    );
    const events = (written as { subject: string; payload: Record<string, string> }[]).map(
      (e) =>
        `${e.subject.replace('events.accounts.', '')} ${e.payload.accountId}>${e.payload.targetAccountId}${e.payload.reason ? ` ${e.payload.reason}` : ''}`,
    );
    expect(events).toEqual([
      `follow.created ${a}>${b}`,
      `follow_request.created ${a}>${c}`,
      `follow_request.authorized ${a}>${c}`,
      `follow.created ${a}>${c}`,
      `follow_request.created ${d}>${c}`,
      `follow_request.rejected ${d}>${c} rejected`,
      `follow_request.created ${d}>${c}`,
      `follow_request.withdrawn ${d}>${c} unfollowed`,
      `follow.created ${b}>${a}`,
      `block.created ${a}>${b}`,
      `follow.removed ${a}>${b} blocked`,
      `follow.removed ${b}>${a} blocked`,
      `block.removed ${a}>${b}`,
      `mute.created ${a}>${d}`,
      `mute.created ${a}>${d}`,
      `mute.removed ${a}>${d} unmuted`,
    ]);
  });

  it('lets a request from an account suspended since be rejected, but not authorized', async () => {
    const owner = await user('gatekeeper', { locked: true });
    const asker = await user('asker');
    const other = await user('asker2');
    await as(asker).v1.accounts.$select(owner.accountId).follow();
    await as(other).v1.accounts.$select(owner.accountId).follow();
    await suspend(asker, other);
    const rejected = await as(owner).v1.followRequests.$select(asker.accountId).reject();
    expect(rejected).toMatchObject({ id: asker.accountId, requestedBy: false, followedBy: false });
    await expect(as(owner).v1.followRequests.$select(other.accountId).authorize()).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('lets pending requests in as follows, each with a follow id of its own, when the account unlocks', async () => {
    const owner = await user('opener', { locked: true });
    const askers = await Promise.all(['knock1', 'knock2'].map((username) => user(username)));
    for (const asker of askers) await as(asker).v1.accounts.$select(owner.accountId).follow();
    const requests = await db.query<{ id: string }>(
      `SELECT id::text FROM accounts.follow_requests WHERE target_account_id = $1`,
      [owner.accountId],
    );
    expect(requests.rows).toHaveLength(2);

    expect((await as(owner).v1.accounts.updateCredentials({ locked: false })).locked).toBe(false);

    const follows = await db.query<{ id: string; account_id: string }>(
      `SELECT id::text, account_id::text FROM accounts.follows WHERE target_account_id = $1`,
      [owner.accountId],
    );
    expect(new Set(follows.rows.map((row) => row.account_id))).toEqual(
      new Set(askers.map((asker) => asker.accountId)),
    );
    // Ids are unique per table only (ADR 0007): a request's id is never reused for its follow.
    const requestIds = new Set(requests.rows.map((row) => row.id));
    expect(follows.rows.filter((row) => requestIds.has(row.id))).toEqual([]);
    expect(await counts(owner)).toEqual({ followers: 2, following: 0 });
    const left = await db.query(`SELECT 1 FROM accounts.follow_requests WHERE target_account_id = $1`, [
      owner.accountId,
    ]);
    expect(left.rows).toEqual([]);
  });

  it('keeps counters exact under 20 parallel follows and unfollows', async () => {
    const star = await user('star');
    const fans = await Promise.all(Array.from({ length: 10 }, (_, i) => user(`fan${i}`)));
    const calls = fans.flatMap((fan, i) => [
      call(`/api/v1/accounts/${star.accountId}/follow`, { method: 'POST', token: fan.token }),
      call(`/api/v1/accounts/${star.accountId}/${i % 2 ? 'unfollow' : 'follow'}`, {
        method: 'POST',
        token: fan.token,
      }),
    ]);
    const statuses = (await Promise.all(calls)).map((r) => r.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // And back the other way: the star follows and unfollows every fan at once.
    const back = fans.flatMap((fan) => [
      call(`/api/v1/accounts/${fan.accountId}/follow`, { method: 'POST', token: star.token }),
      call(`/api/v1/accounts/${fan.accountId}/unfollow`, { method: 'POST', token: star.token }),
    ]);
    expect((await Promise.all(back)).every((r) => r.status === 200)).toBe(true);

    const drift = await db.query(
      `SELECT a.id::text AS id, a.followers_count, a.following_count,
              (SELECT count(*) FROM accounts.follows f WHERE f.target_account_id = a.id)::int AS followers,
              (SELECT count(*) FROM accounts.follows f WHERE f.account_id = a.id)::int AS following
         FROM accounts.accounts a WHERE a.id = ANY($1::bigint[])`,
      [[star, ...fans].map((u) => u.accountId)],
    );
    expect(drift.rows).toHaveLength(11);
    for (const row of drift.rows as {
      followers_count: number;
      following_count: number;
      followers: number;
      following: number;
    }[]) {
      expect(row.followers_count).toBe(row.followers);
      expect(row.following_count).toBe(row.following);
      expect(row.followers_count).toBeGreaterThanOrEqual(0);
    }
    const starAccount = await as(star).v1.accounts.$select(star.accountId).fetch();
    const real = drift.rows.find((r: { id: string }) => r.id === star.accountId) as { followers: number };
    expect(starAccount.followersCount).toBe(real.followers);
  });
});
