import { createRestAPIClient, type mastodon } from 'masto';
import { seedUser, seedUsers, type SeededUser } from './support/factories';
import { apiCall, failure, failureStatus } from './support/http';
import { pollUntil } from './support/poll';
import { uploadedImage } from './support/media';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(120_000);

/** How far ahead this system lets a status be scheduled (Mastodon's 300 s, lowered for the test). */
const MIN_OFFSET_SECONDS = 6;

const inSeconds = (seconds: number): string => new Date(Date.now() + seconds * 1000).toISOString();
const inDays = (days: number): string => inSeconds(days * 86_400);

/**
 * Scheduled statuses through masto: `POST /api/v1/statuses` with `scheduled_at` answers a
 * ScheduledStatus and posts nothing yet; the owner lists, reads, moves and cancels it; bad input
 * stores nothing; and when its time comes the sweep posts it like any new status (profile, the
 * followers' home feeds, mentions notified) and it leaves the list. The system lets a status be
 * scheduled a few seconds ahead (a test-only setting), so one can be published while the test waits.
 */
describe('scheduled statuses', () => {
  const sut = useTestSystem({
    SCHEDULED_STATUS_MIN_OFFSET_SECONDS: String(MIN_OFFSET_SECONDS),
    SCHEDULED_STATUS_SWEEP_MS: '200',
  });
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: sut.t.url, accessToken: user.token });
  const count = async (table: 'statuses' | 'scheduled_statuses'): Promise<number> => {
    const { rows } = await sut.db.query<{ count: string }>(`SELECT count(*) FROM statuses.${table}`);
    return Number(rows[0].count);
  };
  const listAll = async (user: SeededUser): Promise<mastodon.v1.ScheduledStatus[]> => {
    const all: mastodon.v1.ScheduledStatus[] = [];
    for await (const page of as(user).v1.scheduledStatuses.list({ limit: 2 })) all.push(...page);
    return all;
  };

  beforeAll(async () => {
    [alice, bob, carol] = await seedUsers(sut.t, ['alice', 'bob', 'carol']);
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    await settled(sut.t);
  });

  it('schedules a status without posting it, then lists, reads, moves and cancels it', async () => {
    const statusesBefore = await count('statuses');
    const at = inDays(2);
    const scheduled = await as(alice).v1.statuses.create({
      status: 'Tea at five #tea',
      scheduledAt: at,
      visibility: 'unlisted',
      spoilerText: 'drinks',
      language: 'en',
      poll: { options: ['green', ' black '], expiresIn: 3600 },
    });
    expect(scheduled).toMatchObject({
      scheduledAt: at,
      params: {
        text: 'Tea at five #tea',
        visibility: 'unlisted',
        spoilerText: 'drinks',
        language: 'en',
        inReplyToId: null,
        poll: { options: ['green', 'black'], expiresIn: '3600', multiple: false, hideTotals: false },
      },
      mediaAttachments: [],
    });
    expect(scheduled.id).toMatch(/^\d+$/);
    expect(await count('statuses')).toBe(statusesBefore);
    expect(await as(alice).v1.accounts.$select(alice.accountId).statuses.list()).toEqual([]);

    const later = await as(alice).v1.statuses.create({ status: 'second', scheduledAt: inDays(3) });
    const latest = await as(alice).v1.statuses.create({ status: 'third', scheduledAt: inDays(1) });
    // Paged by id, newest first, two at a time through the Link header.
    expect((await listAll(alice)).map((s) => s.id)).toEqual([latest.id, later.id, scheduled.id]);
    expect(await listAll(bob)).toEqual([]);
    expect(await as(alice).v1.scheduledStatuses.$select(scheduled.id).fetch()).toEqual(scheduled);

    const movedTo = inDays(4);
    const moved = await as(alice).v1.scheduledStatuses.$select(scheduled.id).update({ scheduledAt: movedTo });
    expect([moved.id, moved.scheduledAt, moved.params.text]).toEqual([
      scheduled.id,
      movedTo,
      'Tea at five #tea',
    ]);
    expect((await as(alice).v1.scheduledStatuses.$select(scheduled.id).fetch()).scheduledAt).toBe(movedTo);

    await as(alice).v1.scheduledStatuses.$select(later.id).remove();
    await as(alice).v1.scheduledStatuses.$select(latest.id).remove();
    expect((await listAll(alice)).map((s) => s.id)).toEqual([scheduled.id]);
    expect(await failureStatus(as(alice).v1.scheduledStatuses.$select(later.id).fetch())).toBe(404);
    expect(await count('statuses')).toBe(statusesBefore);
  });

  it('refuses bad input and others’ scheduled statuses, storing and changing nothing', async () => {
    const mine = await as(carol).v1.statuses.create({ status: 'mine', scheduledAt: inDays(5) });
    const [scheduledBefore, statusesBefore] = [await count('scheduled_statuses'), await count('statuses')];

    expect(
      await failure(as(carol).v1.statuses.create({ status: 'soon', scheduledAt: inSeconds(3) })),
    ).toEqual({
      status: 422,
      error: 'Validation failed: Scheduled at date must be in the future',
    });
    expect(
      await failure(as(carol).v1.statuses.create({ status: 'when?', scheduledAt: 'next tuesday' })),
    ).toEqual({ status: 422, error: 'Validation failed: Scheduled at is invalid' });
    expect(
      await failure(as(carol).v1.statuses.create({ status: 'x'.repeat(501), scheduledAt: inDays(1) })),
    ).toEqual({ status: 422, error: 'Validation failed: Text character limit of 500 exceeded' });
    expect(
      await failure(
        as(carol).v1.statuses.create({
          status: 'poll',
          scheduledAt: inDays(1),
          poll: { options: ['one'], expiresIn: 3600 },
        }),
      ),
    ).toEqual({ status: 422, error: 'Validation failed: Poll options must have more than one item' });
    expect(
      await failureStatus(
        as(carol).v1.statuses.create({ status: 'r', scheduledAt: inDays(1), inReplyToId: '1' }),
      ),
    ).toBe(404);

    // Moving it too soon, or with a malformed time, leaves it where it was.
    expect(
      await failure(
        as(carol)
          .v1.scheduledStatuses.$select(mine.id)
          .update({ scheduledAt: inSeconds(2) }),
      ),
    ).toEqual({
      status: 422,
      error: 'Validation failed: Scheduled at date must be in the future',
    });
    expect(
      await failureStatus(as(carol).v1.scheduledStatuses.$select(mine.id).update({ scheduledAt: 'soon' })),
    ).toBe(422);

    // Someone else's, or one that does not exist, is not found.
    for (const id of [mine.id, '123', 'abc']) {
      expect(await failureStatus(as(alice).v1.scheduledStatuses.$select(id).fetch())).toBe(404);
      expect(
        await failureStatus(
          as(alice)
            .v1.scheduledStatuses.$select(id)
            .update({ scheduledAt: inDays(9) }),
        ),
      ).toBe(404);
      expect(await failureStatus(as(alice).v1.scheduledStatuses.$select(id).remove())).toBe(404);
    }
    // Reading wants read:statuses, changing wants write:statuses.
    const reader = await seedUser(sut.t, { scopes: ['read'] });
    expect(await failureStatus(as(reader).v1.scheduledStatuses.list())).toBeUndefined();
    expect(await failureStatus(as(reader).v1.scheduledStatuses.$select('123').remove())).toBe(403);
    expect(await failureStatus(createRestAPIClient({ url: sut.t.url }).v1.scheduledStatuses.list())).toBe(
      401,
    );

    expect(await as(carol).v1.scheduledStatuses.$select(mine.id).fetch()).toEqual(mine);
    expect([await count('scheduled_statuses'), await count('statuses')]).toEqual([
      scheduledBefore,
      statusesBefore,
    ]);
  });

  it('keeps to 25 scheduled statuses a day, counting one being moved only once', async () => {
    const dave = await seedUser(sut.t, { username: 'dave' });
    const day = new Date(Date.now() + 10 * 86_400_000);
    day.setUTCHours(9, 0, 0, 0);
    const at = (minutes: number): string => new Date(day.getTime() + minutes * 60_000).toISOString();
    const made = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        as(dave).v1.statuses.create({ status: `post ${i}`, scheduledAt: at(i) }),
      ),
    );
    expect(new Set(made.map((s) => s.id)).size).toBe(25);
    expect(await failure(as(dave).v1.statuses.create({ status: 'one more', scheduledAt: at(30) }))).toEqual({
      status: 422,
      error: 'Validation failed: You have exceeded the limit of 25 scheduled posts for today',
    });
    // Moved within its day it is not counted twice; another day takes more.
    expect(
      (
        await as(dave)
          .v1.scheduledStatuses.$select(made[0].id)
          .update({ scheduledAt: at(60) })
      ).scheduledAt,
    ).toBe(at(60));
    await as(dave).v1.statuses.create({ status: 'next day', scheduledAt: at(24 * 60) });
    expect(
      await failureStatus(
        as(dave)
          .v1.scheduledStatuses.$select(made[1].id)
          .update({ scheduledAt: at(24 * 60 + 5) }),
      ),
    ).toBeUndefined();
    expect((await listAll(dave)).length).toBe(26);
  });

  it('answers the first scheduled status again for a repeated Idempotency-Key', async () => {
    const before = await count('scheduled_statuses');
    const schedule = (): Promise<mastodon.v1.ScheduledStatus> =>
      as(bob).v1.statuses.create(
        { status: 'just once', scheduledAt: inDays(6) },
        { requestInit: { headers: { 'Idempotency-Key': 'schedule-7' } } },
      );
    const [first, second] = await Promise.all([schedule(), schedule()]);
    expect(second.id).toBe(first.id);
    expect((await schedule()).id).toBe(first.id);
    expect(await count('scheduled_statuses')).toBe(before + 1);
    expect(first.params).toMatchObject({ text: 'just once', idempotency: 'schedule-7' });
  });

  it('posts at once a status scheduled for a time already past, as Mastodon does', async () => {
    const posted = (await as(bob).v1.statuses.create({
      status: 'already late',
      scheduledAt: new Date(Date.now() - 60_000).toISOString(),
    })) as unknown as mastodon.v1.Status;
    expect(posted.content).toBe('<p>already late</p>');
    expect((await as(bob).v1.statuses.$select(posted.id).fetch()).id).toBe(posted.id);
  });

  it('publishes a due status like any new one, and drops one whose reply target is gone', async () => {
    const parent = await as(alice).v1.statuses.create({ status: 'to be deleted' });
    const [published, dropped] = await Promise.all([
      as(alice).v1.statuses.create({
        status: 'Good morning @carol',
        scheduledAt: inSeconds(MIN_OFFSET_SECONDS + 3),
      }),
      as(alice).v1.statuses.create({
        status: 'a reply too late',
        scheduledAt: inSeconds(MIN_OFFSET_SECONDS + 3),
        inReplyToId: parent.id,
      }),
    ]);
    await as(alice).v1.statuses.$select(parent.id).remove();
    expect((await listAll(alice)).map((s) => s.id)).toEqual(
      expect.arrayContaining([published.id, dropped.id]),
    );

    const remaining = await pollUntil(
      () => listAll(alice),
      (list) => !list.some((s) => [published.id, dropped.id].includes(s.id)),
      30_000,
      200,
    );
    expect(remaining.map((s) => s.id)).not.toContain(published.id);
    expect(remaining.map((s) => s.id)).not.toContain(dropped.id);
    await settled(sut.t);

    const profile = await as(bob).v1.accounts.$select(alice.accountId).statuses.list();
    const texts = profile.map((s) => s.content);
    expect(texts.filter((content) => content.includes('Good morning'))).toHaveLength(1);
    expect(texts.filter((content) => content.includes('a reply too late'))).toEqual([]);
    const status = profile.find((s) => s.content.includes('Good morning'));
    expect(status).toMatchObject({ visibility: 'public', inReplyToId: null });
    expect(Date.parse(status?.createdAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(published.scheduledAt) - 1000,
    );

    const home = await as(bob).v1.timelines.home.list();
    expect(home.map((s) => s.id)).toContain(status?.id);
    const mentions = await as(carol).v1.notifications.list({ types: ['mention'] });
    expect(mentions.map((n) => n.status?.id)).toContain(status?.id);
    // Posted once, with the application it was scheduled from; the orphaned reply not at all.
    const { rows } = await sut.db.query<{ text: string; application_id: string | null }>(
      `SELECT text, application_id FROM statuses.statuses WHERE text IN ('Good morning @carol', 'a reply too late')`,
    );
    expect(rows.map((row) => [row.text, row.application_id !== null])).toEqual([
      ['Good morning @carol', true],
    ]);
  });

  const heldFor = async (mediaId: string): Promise<string | null> => {
    const { rows } = await sut.db.query<{ held: string | null }>(
      `SELECT scheduled_status_id::text AS held FROM media.media_attachments WHERE id = $1`,
      [mediaId],
    );
    return rows[0]?.held ?? null;
  };

  it('holds the uploads a scheduled status names, shows them, and posts the status with them', async () => {
    const first = await uploadedImage(as(alice), 'a sunrise');
    const second = await uploadedImage(as(alice), 'a sunset');
    const scheduled = await as(alice).v1.statuses.create({
      status: 'Pictures later',
      scheduledAt: inSeconds(MIN_OFFSET_SECONDS + 3),
      mediaIds: [first, second],
    });
    expect(scheduled.params.mediaIds).toEqual([first, second]);
    expect(scheduled.mediaAttachments.map((m) => [m.id, m.type, m.description])).toEqual([
      [first, 'image', 'a sunrise'],
      [second, 'image', 'a sunset'],
    ]);
    const listed = (await listAll(alice)).find((s) => s.id === scheduled.id);
    expect(listed?.mediaAttachments.map((m) => m.id)).toEqual([first, second]);
    expect([await heldFor(first), await heldFor(second)]).toEqual([scheduled.id, scheduled.id]);
    // Held: another status cannot take them, nor may they be deleted meanwhile.
    await expect(as(alice).v1.statuses.create({ status: 'mine now', mediaIds: [first] })).rejects.toThrow(
      /not found or already attached/,
    );
    const removal = await apiCall(sut.t.url, `/api/v1/media/${first}`, {
      method: 'DELETE',
      token: alice.token,
    });
    expect(removal.status).toBe(422);

    await pollUntil(
      () => listAll(alice),
      (list) => !list.some((s) => s.id === scheduled.id),
      30_000,
      200,
    );
    await settled(sut.t);
    const posted = (await as(bob).v1.accounts.$select(alice.accountId).statuses.list()).find((s) =>
      s.content.includes('Pictures later'),
    );
    expect(posted?.mediaAttachments.map((m) => [m.id, m.description])).toEqual([
      [first, 'a sunrise'],
      [second, 'a sunset'],
    ]);
    expect(await heldFor(first)).toBeNull();
  });

  it('lets go of the uploads of a cancelled scheduled status, and refuses media not the poster’s', async () => {
    const mine = await uploadedImage(as(alice), 'a cloud');
    const scheduled = await as(alice).v1.statuses.create({
      status: 'Never mind',
      scheduledAt: inDays(1),
      mediaIds: [mine],
    });
    expect(await heldFor(mine)).toBe(scheduled.id);
    await as(alice).v1.scheduledStatuses.$select(scheduled.id).remove();
    expect(await heldFor(mine)).toBeNull();
    // Unattached again: a new status may carry it.
    const now = await as(alice).v1.statuses.create({ status: 'Now then', mediaIds: [mine] });
    expect(now.mediaAttachments.map((m) => m.id)).toEqual([mine]);

    const bobs = await uploadedImage(as(bob), 'not alice’s');
    const before = await count('scheduled_statuses');
    expect(
      await failure(
        as(alice).v1.statuses.create({ status: 'stolen', scheduledAt: inDays(1), mediaIds: [bobs] }),
      ),
    ).toEqual({ status: 422, error: `Media ${bobs} not found or already attached to another post` });
    expect(await count('scheduled_statuses')).toBe(before);
    expect(await heldFor(bobs)).toBeNull();
  });
});
