import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { pollUntil } from './support/poll';
import { uploadedImage } from './support/media';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(120_000);

const NOT_READY = 'Cannot attach files that have not finished processing. Try again in a moment!';
const TOO_MANY = 'Cannot attach more than 4 files';

interface Attachment {
  id: string;
  type: string;
  url: string;
  preview_url: string;
  description: string | null;
  blurhash: string | null;
  meta: { original?: { width: number; height: number }; focus?: { x: number; y: number } };
}

/**
 * Statuses with media through public HTTP (Mastodon's `media_ids`): posted in order with their alt
 * text, focus, dimensions and blurhash, shown wherever the status is (a follower's home timeline
 * too), refused with Mastodon's messages leaving no status, kept for delete and redraft, and
 * deleted with their status when asked.
 */
describe('statuses with media attachments', () => {
  const sut = useTestSystem();
  let alice: SeededUser;
  let bob: SeededUser;
  let aliceClient: mastodon.rest.Client;
  let bobClient: mastodon.rest.Client;

  const statusCount = async (accountId: string): Promise<number> =>
    Number(
      (
        await sut.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM statuses.statuses WHERE account_id = $1',
          [accountId],
        )
      ).rows[0].n,
    );

  /** POST /api/v1/statuses as sent, answered as it came (masto would throw on a 422). */
  async function post(body: Record<string, unknown>, token = alice.token) {
    const response = await fetch(`${sut.t.url}/api/v1/statuses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Refused with a 422 and `error`, and no status of alice's created. */
  async function expectRefused(body: Record<string, unknown>, error: string): Promise<void> {
    const before = await statusCount(alice.accountId);
    expect(await post(body)).toEqual({ status: 422, body: { error } });
    expect(await statusCount(alice.accountId)).toBe(before);
  }

  beforeAll(async () => {
    [alice, bob] = await seedUsers(sut.t, ['alice', 'bob']);
    aliceClient = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
    bobClient = createRestAPIClient({ url: sut.t.url, accessToken: bob.token });
    await bobClient.v1.accounts.$select(alice.accountId).follow();
  });

  it('posts images in order, without text, and shows them in a follower’s home timeline', async () => {
    const first = await uploadedImage(aliceClient, 'the first one');
    const second = await uploadedImage(aliceClient, 'the second one');
    const posted = await post({ status: '', media_ids: [second, first], sensitive: true });
    expect(posted.status).toBe(200);
    const media = posted.body.media_attachments as Attachment[];
    expect(media.map((attachment) => attachment.id)).toEqual([second, first]);
    expect(posted.body.sensitive).toBe(true);
    expect(media[0]).toMatchObject({
      type: 'image',
      description: 'the second one',
      blurhash: expect.stringMatching(/^.{36}$/) as unknown,
      meta: { original: { width: 120, height: 80 }, focus: { x: 0.5, y: -0.25 } },
    });

    const home = await pollUntil(
      async () => await bobClient.v1.timelines.home.list(),
      (statuses) => statuses.some((status) => status.id === posted.body.id),
      20_000,
    );
    const seen = home.find((status) => status.id === posted.body.id)!;
    expect(seen.mediaAttachments.map((attachment) => [attachment.id, attachment.description])).toEqual([
      [second, 'the second one'],
      [first, 'the first one'],
    ]);
    expect(seen.mediaAttachments[0].blurhash).toBe(media[0].blurhash);
    expect((await fetch(media[0].url)).status).toBe(200);

    // On a status, an attachment can no longer be changed or deleted.
    const put = await fetch(`${sut.t.url}/api/v1/media/${first}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'changed' }),
    });
    expect(put.status).toBe(404);
    const deleted = await fetch(`${sut.t.url}/api/v1/media/${first}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(deleted.status).toBe(422);
  });

  it('refuses what cannot be attached with Mastodon’s messages, creating no status', async () => {
    const ready = await uploadedImage(aliceClient);
    const bobs = await uploadedImage(bobClient);
    await expectRefused(
      { status: 'x', media_ids: [ready, '999999'] },
      'Media 999999 not found or already attached to another post',
    );
    await expectRefused(
      { status: 'x', media_ids: [bobs] },
      `Media ${bobs} not found or already attached to another post`,
    );
    await expectRefused({ status: 'x', media_ids: ['1', '2', '3', '4', '5'] }, TOO_MANY);
    await expectRefused(
      { status: 'x', media_ids: [ready], poll: { options: ['a', 'b'], expires_in: 3600 } },
      TOO_MANY,
    );

    // Neither a still-processing attachment nor a video beside anything can come from the
    // uploads this server takes yet (images only, processed quickly): the rows are set so.
    const other = await uploadedImage(aliceClient);
    await sut.db.query(`UPDATE media.media_attachments SET processing = 'in_progress' WHERE id = $1`, [
      other,
    ]);
    await expectRefused({ status: 'x', media_ids: [other] }, NOT_READY);
    await sut.db.query(
      `UPDATE media.media_attachments SET processing = 'complete', type = 'video' WHERE id = $1`,
      [other],
    );
    await expectRefused(
      { status: 'x', media_ids: [ready, other] },
      'Cannot attach a video to a post that already contains images',
    );

    // One already on a status is not found for another.
    const posted = await post({ status: 'mine', media_ids: [ready] });
    expect(posted.status).toBe(200);
    await expectRefused(
      { status: 'again', media_ids: [ready] },
      `Media ${ready} not found or already attached to another post`,
    );
    // Without media, text is still needed.
    expect((await post({ status: '' })).status).toBe(422);
  });

  it('keeps a deleted status’s attachments for delete and redraft: the new status takes them', async () => {
    const id = await uploadedImage(aliceClient, 'kept for the redraft');
    const posted = await post({ status: 'to redraft', media_ids: [id] });
    const deleted = await aliceClient.v1.statuses.$select(posted.body.id as string).remove();
    // What a client redrafts from: the source text and the attachments, ids and all.
    expect(deleted.text).toBe('to redraft');
    expect(deleted.mediaAttachments.map((media) => media.id)).toEqual([id]);
    await settled(sut.t);
    const [media] = deleted.mediaAttachments;
    expect((await fetch(media.url!)).status).toBe(200);
    const redrafted = await post({ status: 'redrafted', media_ids: [id] });
    expect(redrafted.status).toBe(200);
    expect(redrafted.body.media_attachments).toEqual([
      expect.objectContaining({ id, description: 'kept for the redraft', url: media.url }),
    ]);
    // Attached again: nobody else's status may take it, and the sweep leaves it.
    expect((await post({ status: 'taken twice', media_ids: [id] })).status).toBe(422);
  });

  it('deletes a status’s attachments and their files with it when asked (delete_media)', async () => {
    const id = await uploadedImage(aliceClient);
    const posted = await post({ status: 'going', media_ids: [id] });
    const [media] = posted.body.media_attachments as Attachment[];
    expect((await fetch(media.url)).status).toBe(200);
    const response = await fetch(
      `${sut.t.url}/api/v1/statuses/${posted.body.id as string}?delete_media=true`,
      {
        method: 'DELETE',
        headers: { authorization: `Bearer ${alice.token}` },
      },
    );
    expect(response.status).toBe(200);
    await pollUntil(
      () => fetch(media.url).then((answer) => answer.status),
      (status) => status === 404,
      20_000,
    );
    expect((await fetch(media.preview_url)).status).toBe(404);
    const gone = await fetch(`${sut.t.url}/api/v1/media/${id}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(gone.status).toBe(404);
    expect((await post({ status: 'redrafted', media_ids: [id] })).status).toBe(422);
  });

  it('edits alt text and focus of the attachments with media_attributes, as a version of its own', async () => {
    const [one, two] = [
      await uploadedImage(aliceClient, 'first words'),
      await uploadedImage(aliceClient, 'second'),
    ];
    const posted = await aliceClient.v1.statuses.create({ status: 'described later', mediaIds: [one, two] });
    const put = async (body: Record<string, unknown>) => {
      const response = await fetch(`${sut.t.url}/api/v1/statuses/${posted.id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    // Only the alt text and focus change: still an edit (Mastodon's significantly_changed?).
    const edited = await put({
      status: 'described later',
      media_ids: [one, two],
      media_attributes: [{ id: one, description: 'better words', focus: '-0.5,0.5' }, { id: two }],
    });
    expect(edited.status).toBe(200);
    const attachments = edited.body.media_attachments as Attachment[];
    expect(attachments.map((a) => [a.id, a.description])).toEqual([
      [one, 'better words'],
      [two, 'second'],
    ]);
    expect(attachments[0].meta.focus).toEqual({ x: -0.5, y: 0.5 });
    expect(edited.body.edited_at).not.toBeNull();
    expect(await aliceClient.v1.statuses.$select(posted.id).history.list()).toHaveLength(2);

    // The same again changes nothing: no new version.
    await put({
      status: 'described later',
      media_ids: [one, two],
      media_attributes: [{ id: one, description: 'better words' }],
    });
    expect(await aliceClient.v1.statuses.$select(posted.id).history.list()).toHaveLength(2);

    // Without media_ids they are not read (as Mastodon); another's attachment is never described;
    // alt text past 1,500 characters is refused and changes nothing.
    const bobs = await uploadedImage(bobClient, 'bob’s words');
    await put({ status: 'described later, again', media_attributes: [{ id: one, description: 'ignored' }] });
    const refused = await put({
      status: 'described later',
      media_ids: [one, two],
      media_attributes: [{ id: two, description: 'x'.repeat(1501) }],
    });
    expect(refused.status).toBe(422);
    const stolen = await put({
      status: 'described later',
      media_ids: [one, two],
      media_attributes: [{ id: bobs, description: 'mine now' }],
    });
    expect(stolen.status).toBe(200);
    const now = await aliceClient.v1.statuses.$select(posted.id).fetch();
    expect(now.mediaAttachments.map((a) => a.description)).toEqual(['better words', 'second']);
    expect((await bobClient.v1.media.$select(bobs).fetch()).description).toBe('bob’s words');
  });

  it('edits the attachments: a new set in order, versions that keep theirs, refusals that change nothing', async () => {
    const [one, two, three] = [
      await uploadedImage(aliceClient, 'one'),
      await uploadedImage(aliceClient, 'two'),
      await uploadedImage(aliceClient, 'three'),
    ];
    const posted = await aliceClient.v1.statuses.create({ status: 'pictures', mediaIds: [one, two] });

    // masto sends media_ids with every edit: the new set, in its order.
    const edited = await aliceClient.v1.statuses.$select(posted.id).update({
      status: 'pictures, changed',
      mediaIds: [three, one],
    });
    expect(edited.mediaAttachments.map((attachment) => attachment.id)).toEqual([three, one]);
    expect(edited.editedAt).not.toBeNull();
    const history = await aliceClient.v1.statuses.$select(posted.id).history.list();
    expect(history.map((version) => version.mediaAttachments.map((attachment) => attachment.id))).toEqual([
      [one, two],
      [three, one],
    ]);
    // The one left out stays on the status for the version that showed it: still served, not deletable.
    const dropped = history[0].mediaAttachments[1];
    expect((await fetch(dropped.url!)).status).toBe(200);
    const refusedDelete = await fetch(`${sut.t.url}/api/v1/media/${two}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(refusedDelete.status).toBe(422);

    // A text-only edit (no media_ids sent) keeps them; sending none takes them all away.
    const put = (body: Record<string, unknown>) =>
      fetch(`${sut.t.url}/api/v1/statuses/${posted.id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const textOnly = (await (await put({ status: 'text only edit' })).json()) as {
      media_attachments: Attachment[];
    };
    expect(textOnly.media_attachments.map((attachment) => attachment.id)).toEqual([three, one]);

    // Refused edits change nothing: another's attachment, five, media beside a poll, no text and no media.
    const bobs = await uploadedImage(bobClient);
    for (const [body, error] of [
      [
        { status: 'x', media_ids: [one, bobs] },
        `Media ${bobs} not found or already attached to another post`,
      ],
      [{ status: 'x', media_ids: ['1', '2', '3', '4', '5'] }, TOO_MANY],
      [{ status: 'x', media_ids: [one], poll: { options: ['a', 'b'], expires_in: 3600 } }, TOO_MANY],
      [{ status: '', media_ids: [] }, "Validation failed: Text can't be blank"],
    ] as const) {
      const response = await put(body);
      expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([422, error]);
    }
    const now = await aliceClient.v1.statuses.$select(posted.id).fetch();
    expect(now.content).toContain('text only edit');
    expect(now.mediaAttachments.map((attachment) => attachment.id)).toEqual([three, one]);

    const cleared = (await (await put({ status: 'no pictures now', media_ids: [] })).json()) as {
      media_attachments: Attachment[];
    };
    expect(cleared.media_attachments).toEqual([]);

    // Deleting the status takes every attachment it ever had along.
    await aliceClient.v1.statuses.$select(posted.id).remove();
    await pollUntil(
      () => fetch(dropped.url!).then((response) => response.status),
      (status) => status === 404,
      20_000,
    );
  });
});
