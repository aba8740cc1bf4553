import { contracts } from '@mammut/contracts';
import { MEDIA_STORAGE, type MediaStorage, temporaryUploadKey } from '@mammut/platform';
import { seedUsers, type SeededUser } from '../../../../test-e2e/support/factories';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { twoToneImage } from '../attachments/test-images';
import { animatedGif } from '../attachments/test-media';
import { MediaSweeper } from './media-sweeper';
import { withMediaCleanup } from './media-cleanup';

jest.setTimeout(60_000);

/**
 * The media cleanup on real PostgreSQL and storage, as the sweeper and `mammut media remove` run
 * it: only what is old enough and unused goes, rows before files; what a status or an account still
 * uses stays; a remote attachment's cache goes but its row stays, to be fetched again.
 */
describe('media cleanup', () => {
  const sut = useTestSystem();
  let alice: SeededUser;

  const storage = (): MediaStorage => sut.t.system.app.get<MediaStorage>(MEDIA_STORAGE);
  const bus = () => sut.t.system.runtime.bus;

  async function upload(): Promise<{ id: string; url: string; preview: string }> {
    const uploadKey = temporaryUploadKey();
    await storage().put(uploadKey, await twoToneImage(30, 20), 'image/png');
    const { attachment } = await bus().request(contracts.media.attachments.create, {
      accountId: alice.accountId,
      uploadKey,
      processNow: true,
    });
    return { id: attachment.id, url: attachment.url!, preview: attachment.previewUrl! };
  }

  const age = (table: string, column: string, hours: number, where: string, params: unknown[]) =>
    sut.db.query(
      `UPDATE media.${table} SET ${column} = now() - make_interval(hours => ${hours}) WHERE ${where}`,
      params,
    );
  const served = async (url: string): Promise<number> => (await fetch(url)).status;

  beforeAll(async () => {
    [alice] = await seedUsers(sut.t, ['alice']);
  });

  it('removes uploads no status took within a day, with their files, and nothing else (held ones stay)', async () => {
    const old = await upload();
    const recent = await upload();
    const used = await upload();
    const held = await upload();
    await sut.db.query(`UPDATE media.media_attachments SET status_id = 1 WHERE id = $1`, [used.id]);
    // A scheduled status waiting for its time holds its uploads however old they are.
    await sut.db.query(`UPDATE media.media_attachments SET scheduled_status_id = 3 WHERE id = $1`, [held.id]);
    for (const { id } of [old, used, held]) await age('media_attachments', 'created_at', 25, 'id = $1', [id]);

    await sut.t.system.app.get(MediaSweeper).sweep();

    const left = await sut.db.query<{ id: string }>(
      `SELECT id::text FROM media.media_attachments WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [[old.id, recent.id, used.id, held.id]],
    );
    expect(left.rows.map((row) => row.id).sort()).toEqual([recent.id, used.id, held.id].sort());
    expect(await served(old.url)).toBe(404);
    expect(await served(old.preview)).toBe(404);
    expect(await served(recent.url)).toBe(200);
    expect(await served(used.url)).toBe(200);
  });

  it('removes avatars stored but never made current (an animated one with its still frame), keeping the current one', async () => {
    const store = async (image?: Buffer) => {
      const uploadKey = temporaryUploadKey();
      await storage().put(uploadKey, image ?? (await twoToneImage(40, 40)), 'image/png');
      return bus().request(contracts.media.profileImages.store, {
        accountId: alice.accountId,
        kind: 'avatar',
        uploadKey,
      });
    };
    const current = await store();
    await bus().request(contracts.media.profileImages.commit, {
      accountId: alice.accountId,
      kind: 'avatar',
      key: current.key,
    });
    const abandoned = await store();
    const moving = await store(await animatedGif(3));
    expect(moving.staticUrl).not.toBeNull();
    expect(await served(moving.staticUrl!)).toBe(200);
    await age('profile_images', 'created_at', 25, 'account_id = $1', [alice.accountId]);

    const counts = await withMediaCleanup(sut.t.system.runtime.config, (cleanup) => cleanup.sweep(24));
    expect(counts.profileImages).toBe(2);
    for (const url of [abandoned.url, moving.url, moving.staticUrl!]) expect(await served(url)).toBe(404);
    expect(await served(current.url)).toBe(200);
  });

  it('removes the cached files of remote media older than the days asked, keeping the rows', async () => {
    const remote = await upload();
    const fresh = await upload();
    // Made remote by hand: this spec has no peer to fetch from (test-e2e/remote-media does that).
    await sut.db.query(
      `UPDATE media.media_attachments SET remote_url = 'https://remote.example/files/' || id, status_id = 2,
         fetched_at = now() WHERE id = ANY($1::bigint[])`,
      [[remote.id, fresh.id]],
    );
    await age('media_attachments', 'fetched_at', 24 * 8, 'id = $1', [remote.id]);

    const removed = await withMediaCleanup(sut.t.system.runtime.config, (cleanup) =>
      cleanup.removeRemoteCache(7),
    );
    expect(removed).toBe(1);
    expect(await served(remote.url)).toBe(404);
    expect(await served(fresh.url)).toBe(200);
    const { attachments } = await bus().request(contracts.media.attachments.list, { ids: [remote.id] });
    expect(attachments[0]).toMatchObject({
      remoteUrl: `https://remote.example/files/${remote.id}`,
      url: `${sut.t.url}/media_proxy/${remote.id}/original`,
      previewUrl: `${sut.t.url}/media_proxy/${remote.id}/small`,
    });
  });
});
