import { createRestAPIClient, type mastodon } from 'masto';
import { join } from 'node:path';
import sharp from 'sharp';
import { orientedJpeg, SVG_WITH_SCRIPT, twoToneImage } from '../apps/media/src/attachments/test-images';
import { animatedGif } from '../apps/media/src/attachments/test-media';
import { seedUser, seedUsers, type SeededUser } from './support/factories';
import { deleteUser } from './support/admin';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';
import { filesUnder } from './support/files';

jest.setTimeout(120_000);

/**
 * Avatars and headers through `update_credentials` (multipart, as every app sends them) and
 * `DELETE /api/v1/profile/avatar|header`: read from their bytes, cropped to Mastodon's boxes,
 * stripped of metadata, served, replaced (the old file goes) and removed; a refused image changes
 * nothing of the profile and leaves no file behind.
 */
describe('profile images', () => {
  const sut = useTestSystem();
  let alice: SeededUser;
  let bob: SeededUser;
  let aliceClient: mastodon.rest.Client;

  const root = (): string => sut.t.system.runtime.config.media.root;
  const profileFiles = async (): Promise<string[]> =>
    (await filesUnder(root())).filter((file) => file.startsWith('accounts/'));
  const imageAt = async (url: string): Promise<{ bytes: Buffer; type: string | null }> => {
    const served = await fetch(url);
    expect(served.status).toBe(200);
    return { bytes: Buffer.from(await served.arrayBuffer()), type: served.headers.get('content-type') };
  };

  /** update_credentials as a raw multipart request, answered as it came. */
  async function patch(
    form: FormData,
    token = alice.token,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${sut.t.url}/api/v1/accounts/update_credentials`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    [alice, bob] = await seedUsers(sut.t, ['alice', 'bob']);
    aliceClient = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
  });

  it('takes an avatar cropped to 400×400 and a header shrunk to 1500×500 worth of pixels in its own shape, without EXIF', async () => {
    const updated = await aliceClient.v1.accounts.updateCredentials({
      displayName: 'Alice with a face',
      avatar: new Blob([await orientedJpeg(900, 600)], { type: 'image/jpeg' }),
      header: new Blob([await twoToneImage(3000, 1200, 'png')], { type: 'image/png' }),
    });
    expect(updated.displayName).toBe('Alice with a face');
    expect(updated.avatar).toMatch(/\/system\/accounts\/avatars\/(\d{3}\/)+original\/[0-9a-f]{16}\.jpg$/);
    expect(updated.avatarStatic).toBe(updated.avatar);
    expect(updated.header).toMatch(/\/system\/accounts\/headers\/(\d{3}\/)+original\/[0-9a-f]{16}\.png$/);

    const avatar = await imageAt(updated.avatar);
    expect(avatar.type).toBe('image/jpeg');
    const avatarMeta = await sharp(avatar.bytes).metadata();
    expect([avatarMeta.width, avatarMeta.height]).toEqual([400, 400]);
    expect(avatarMeta.exif).toBeUndefined();
    const headerMeta = await sharp((await imageAt(updated.header)).bytes).metadata();
    // 3000×1200 to 750,000 pixels at most: 1369×547, as Mastodon's `pixels` style shrinks it.
    expect([headerMeta.width, headerMeta.height]).toEqual([1369, 547]);

    // Everyone sees them: the account as others fetch it, and the owner's credentials.
    const seen = await createRestAPIClient({ url: sut.t.url, accessToken: bob.token })
      .v1.accounts.$select(alice.accountId)
      .fetch();
    expect(seen.avatar).toBe(updated.avatar);
    expect(seen.header).toBe(updated.header);
    expect((await aliceClient.v1.accounts.verifyCredentials()).avatar).toBe(updated.avatar);
    expect(await profileFiles()).toHaveLength(2);
  });

  it('replaces an avatar, removing the old file; a small image is enlarged to fill the box, as Mastodon crops', async () => {
    const before = await aliceClient.v1.accounts.verifyCredentials();
    const updated = await aliceClient.v1.accounts.updateCredentials({
      avatar: new Blob([await twoToneImage(120, 80, 'webp')], { type: 'image/webp' }),
    });
    expect(updated.avatar).not.toBe(before.avatar);
    expect(updated.header).toBe(before.header);
    expect(updated.avatar).toMatch(/\.webp$/);
    const meta = await sharp((await imageAt(updated.avatar)).bytes).metadata();
    expect([meta.width, meta.height]).toEqual([400, 400]);
    expect((await fetch(before.avatar)).status).toBe(404);
    expect(await profileFiles()).toHaveLength(2);
  });

  it('keeps an animated GIF avatar moving, with its first frame as avatar_static, as Mastodon does', async () => {
    const before = await aliceClient.v1.accounts.verifyCredentials();
    const updated = await aliceClient.v1.accounts.updateCredentials({
      avatar: new Blob([await animatedGif(4)], { type: 'image/gif' }),
    });
    expect(updated.avatar).toMatch(/\/system\/accounts\/avatars\/(\d{3}\/)+original\/[0-9a-f]{16}\.gif$/);
    expect(updated.avatarStatic).toBe(
      updated.avatar.replace('/original/', '/static/').replace(/\.gif$/, '.png'),
    );
    expect(updated.header).toBe(before.header);
    expect(updated.headerStatic).toBe(before.header);

    const moving = await imageAt(updated.avatar);
    expect(moving.type).toBe('image/gif');
    const movingMeta = await sharp(moving.bytes, { animated: true }).metadata();
    expect(movingMeta.pages).toBe(4);
    expect([movingMeta.width, movingMeta.pageHeight ?? movingMeta.height]).toEqual([400, 400]);
    const still = await imageAt(updated.avatarStatic);
    expect(still.type).toBe('image/png');
    const stillMeta = await sharp(still.bytes).metadata();
    expect([stillMeta.format, stillMeta.pages ?? 1, stillMeta.width, stillMeta.height]).toEqual([
      'png',
      1,
      400,
      400,
    ]);
    expect((await fetch(before.avatar)).status).toBe(404);
    // Others see both; the files are the GIF, its still frame and the header.
    const seen = await createRestAPIClient({ url: sut.t.url, accessToken: bob.token })
      .v1.accounts.$select(alice.accountId)
      .fetch();
    expect([seen.avatar, seen.avatarStatic]).toEqual([updated.avatar, updated.avatarStatic]);
    expect(await profileFiles()).toHaveLength(3);
    // Other servers get the moving one, with its type, as Mastodon's actor document gives it.
    const actor = await fetch(`${sut.t.url}/users/alice`, {
      headers: { accept: 'application/activity+json' },
    });
    expect(((await actor.json()) as { icon: unknown }).icon).toEqual({
      type: 'Image',
      mediaType: 'image/gif',
      url: updated.avatar,
    });

    // A still image again: no still frame of its own, and the GIF's goes with the GIF.
    const again = await aliceClient.v1.accounts.updateCredentials({
      avatar: new Blob([await twoToneImage(120, 80, 'webp')], { type: 'image/webp' }),
    });
    expect(again.avatarStatic).toBe(again.avatar);
    expect((await fetch(updated.avatar)).status).toBe(404);
    expect((await fetch(updated.avatarStatic)).status).toBe(404);
    expect(await profileFiles()).toHaveLength(2);
  });

  it('keeps only the first frame of an animated header whose frames together pass the pixel cap', async () => {
    // Four frames of 2900×2900: each under the cap, together 33.6 million pixels, over it.
    const frames = await Promise.all(
      [0, 85, 170, 255].map((red) =>
        sharp({
          create: { width: 2900, height: 2900, channels: 3, background: { r: red, g: 60, b: 90 } },
        })
          .raw()
          .toBuffer(),
      ),
    );
    const gif = await sharp(Buffer.concat(frames), {
      raw: { width: 2900, height: 2900 * 4, channels: 3, pageHeight: 2900 },
      limitInputPixels: false,
    })
      .gif()
      .toBuffer();
    const updated = await aliceClient.v1.accounts.updateCredentials({
      header: new Blob([gif], { type: 'image/gif' }),
    });
    expect(updated.header).toMatch(/\/original\/[0-9a-f]{16}\.png$/);
    expect(updated.headerStatic).toBe(updated.header);
    const meta = await sharp((await imageAt(updated.header)).bytes, { animated: true }).metadata();
    expect([meta.format, meta.pages ?? 1, meta.width, meta.height]).toEqual(['png', 1, 866, 866]);

    // A header smaller than that is never enlarged.
    const small = await aliceClient.v1.accounts.updateCredentials({
      header: new Blob([await twoToneImage(600, 200, 'png')], { type: 'image/png' }),
    });
    const smallMeta = await sharp((await imageAt(small.header)).bytes).metadata();
    expect([smallMeta.width, smallMeta.height]).toEqual([600, 200]);
  });

  it('keeps what the owner says the avatar and the header show, up to 150 characters each', async () => {
    const form = new FormData();
    form.append('avatar', new Blob([await twoToneImage(300, 300, 'png')], { type: 'image/png' }), 'a.png');
    form.append('avatar_description', 'Two halves, red and blue 🟥🟦');
    form.append('header_description', 'A small two-tone strip');
    const set = await patch(form);
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      avatar_description: 'Two halves, red and blue 🟥🟦',
      header_description: 'A small two-tone strip',
    });
    // Everyone sees them; the instance says how long they may be.
    const seen = (await (await fetch(`${sut.t.url}/api/v1/accounts/${alice.accountId}`)).json()) as Record<
      string,
      unknown
    >;
    expect([seen.avatar_description, seen.header_description]).toEqual([
      'Two halves, red and blue 🟥🟦',
      'A small two-tone strip',
    ]);
    const instance = (await (await fetch(`${sut.t.url}/api/v2/instance`)).json()) as {
      configuration: { accounts: Record<string, number> };
    };
    expect(instance.configuration.accounts).toMatchObject({
      max_avatar_description_length: 150,
      max_header_description_length: 150,
    });

    // 150 characters (not bytes) are taken; 151 are refused and change nothing, the image neither.
    const longest = new FormData();
    longest.append('header_description', 'é'.repeat(150));
    expect((await patch(longest)).body.header_description).toBe('é'.repeat(150));
    const files = await profileFiles();
    const tooLong = new FormData();
    tooLong.append('avatar', new Blob([await twoToneImage(200, 200, 'png')], { type: 'image/png' }), 'b.png');
    tooLong.append('avatar_description', 'x'.repeat(151));
    expect(await patch(tooLong)).toEqual({
      status: 422,
      body: {
        error: 'Validation failed: Avatar description is too long (maximum is 150 characters)',
        details: {
          avatar_description: [
            {
              error: 'ERR_TOO_LONG',
              description: 'Avatar description is too long (maximum is 150 characters)',
            },
          ],
        },
      },
    });
    const after = (await aliceClient.v1.accounts.verifyCredentials()) as unknown as Record<string, unknown>;
    expect([after.avatar, after.avatarDescription]).toEqual([
      set.body.avatar,
      'Two halves, red and blue 🟥🟦',
    ]);
    expect(await profileFiles()).toEqual(files);
  });

  it('removes the avatar and the header with DELETE /api/v1/profile/…, back to the defaults', async () => {
    const before = await aliceClient.v1.accounts.verifyCredentials();
    const response = await fetch(`${sut.t.url}/api/v1/profile/avatar`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown> & { avatar: string; header: string };
    expect(body.avatar).toMatch(/\/avatars\/original\/missing\.png$/);
    expect(body.header).toBe(before.header);
    // The description goes with its image; the header keeps its own.
    expect([body.avatar_description, body.header_description]).toEqual(['', 'é'.repeat(150)]);
    expect(body.source).toBeDefined();
    expect((await fetch(before.avatar)).status).toBe(404);

    await aliceClient.v1.profile.avatar.remove(); // again: nothing left to remove, still 200
    const header = await fetch(`${sut.t.url}/api/v1/profile/header`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    const removed = (await header.json()) as { header: string; header_description: string };
    expect(removed.header).toMatch(/\/headers\/original\/missing\.png$/);
    expect(removed.header_description).toBe('');
    expect(await profileFiles()).toEqual([]);

    const unknown = await fetch(`${sut.t.url}/api/v1/profile/banner`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('needs write:accounts for both routes', async () => {
    const { token: readOnly } = await seedUser(sut.t, { username: 'reader', scopes: ['read'] });
    const form = new FormData();
    form.append('avatar', new Blob([await twoToneImage(50, 50)], { type: 'image/png' }), 'a.png');
    expect((await patch(form, readOnly)).status).toBe(403);
    const response = await fetch(`${sut.t.url}/api/v1/profile/avatar`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${readOnly}` },
    });
    expect(response.status).toBe(403);
    expect(await profileFiles()).toEqual([]);
  });

  it('refuses an SVG, text and a too-long name beside a good image: nothing changes, nothing is stored', async () => {
    const before = await aliceClient.v1.accounts.verifyCredentials();
    for (const [field, bytes, type] of [
      ['avatar', SVG_WITH_SCRIPT, 'image/svg+xml'],
      ['header', Buffer.from('just text'), 'image/png'],
    ] as const) {
      const form = new FormData();
      form.append('display_name', 'Renamed');
      form.append(field, new Blob([bytes], { type }), 'x.png');
      const refused = await patch(form);
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatch(/^Validation failed: (Avatar|Header) content type is invalid/);
    }
    const tooLong = new FormData();
    tooLong.append('display_name', 'x'.repeat(31));
    tooLong.append('avatar', new Blob([await twoToneImage(50, 50)], { type: 'image/png' }), 'a.png');
    expect((await patch(tooLong)).status).toBe(422);

    const after = await aliceClient.v1.accounts.verifyCredentials();
    expect(after.displayName).toBe(before.displayName);
    expect(after.avatar).toBe(before.avatar);
    expect(after.header).toBe(before.header);
    expect(await profileFiles()).toEqual([]);
    expect(await filesUnder(join(root(), 'tmp'))).toEqual([]);
    const rows = await sut.db.query<{ n: string }>('SELECT count(*) AS n FROM media.profile_images');
    expect(Number(rows.rows[0].n)).toBe(0);
  });

  it('refuses an avatar over 8 MB with 413', async () => {
    const form = new FormData();
    form.append(
      'avatar',
      new Blob([Buffer.alloc(8 * 1024 * 1024 + 10_000, 1)], { type: 'image/png' }),
      'a.png',
    );
    const refused = await patch(form);
    expect(refused.status).toBe(413);
    expect(await profileFiles()).toEqual([]);
  });

  it("takes a deleted account's images along", async () => {
    const carol = await seedUser(sut.t, { username: 'carol' });
    const client = createRestAPIClient({ url: sut.t.url, accessToken: carol.token });
    const updated = await client.v1.accounts.updateCredentials({
      avatar: new Blob([await twoToneImage(64, 64)], { type: 'image/png' }),
    });
    expect((await fetch(updated.avatar)).status).toBe(200);
    await deleteUser(sut.t.system.runtime.config, 'carol');
    const status = await pollUntil(
      async () => (await fetch(updated.avatar)).status,
      (answered) => answered === 404,
      10_000,
    );
    expect(status).toBe(404);
    await settled(sut.t);
    expect(await profileFiles()).toEqual([]);
  });
});
