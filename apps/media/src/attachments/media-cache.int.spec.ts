import type { mastodon } from 'masto';
import { seedUsers } from '../../../../test-e2e/support/factories';
import { clientOf } from '../../../../test-e2e/support/federation';
import { uploadedImage } from '../../../../test-e2e/support/media';
import { deafenThenRecover, pollUntil } from '../../../../test-e2e/support/poll';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { MediaChangesListener, MediaRecordsCache } from './media-cache';

jest.setTimeout(60_000);

/**
 * The media service keeps attachment records in process (ADR 0005), as every page of statuses
 * asks for them: a change by any writer (another replica, SQL by hand) reaches them through the
 * trigger, this process's own writes are read back at once, and a listener that stops hearing
 * stops the cache from answering.
 */
describe('media attachment cache', () => {
  const sut = useTestSystem();
  let authorClient: mastodon.rest.Client;
  let viewerClient: mastodon.rest.Client;

  beforeAll(async () => {
    const [author, viewer] = await seedUsers(sut.t, ['mediacacheauthor', 'mediacacheviewer']);
    authorClient = clientOf(sut.t, author);
    viewerClient = clientOf(sut.t, viewer);
  });

  const posted = async (description: string): Promise<{ statusId: string; mediaId: string }> => {
    const mediaId = await uploadedImage(authorClient, description);
    const status = await authorClient.v1.statuses.create({ status: 'with a picture', mediaIds: [mediaId] });
    return { statusId: status.id, mediaId };
  };

  const descriptionSeen = async (statusId: string): Promise<string | null | undefined> =>
    (await viewerClient.v1.statuses.$select(statusId).fetch()).mediaAttachments[0]?.description;

  it('hears a change any writer makes, long before an entry would expire', async () => {
    const cache = sut.t.system.app.get(MediaRecordsCache);
    const { statusId, mediaId } = await posted('as uploaded');
    expect(await descriptionSeen(statusId)).toBe('as uploaded');
    expect(cache.get(mediaId)?.statusId).toBe(statusId);

    await sut.db.query(`UPDATE media.media_attachments SET description = 'by hand' WHERE id = $1`, [mediaId]);
    expect(
      await pollUntil(
        () => descriptionSeen(statusId),
        (seen) => seen === 'by hand',
        2_000,
        50,
      ),
    ).toBe('by hand');

    // Removed by hand: gone from the next page, not answered from memory.
    await sut.db.query(`DELETE FROM media.media_attachments WHERE id = $1`, [mediaId]);
    expect(
      await pollUntil(
        () => descriptionSeen(statusId),
        (seen) => seen === undefined,
        2_000,
        50,
      ),
    ).toBe(undefined);
    expect(cache.get(mediaId)).toBeUndefined();
  });

  it("reads this process's own writes back at once", async () => {
    const { statusId, mediaId } = await posted('first words');
    expect(await descriptionSeen(statusId)).toBe('first words');
    const edited = await authorClient.v1.statuses.$select(statusId).update({
      status: 'with a picture, described again',
      mediaIds: [mediaId],
      mediaAttributes: [{ id: mediaId, description: 'second words' }],
    });
    expect(edited.mediaAttachments[0].description).toBe('second words');
    expect(await descriptionSeen(statusId)).toBe('second words');
  });

  it('trusts nothing while it does not hear', async () => {
    const listener = sut.t.system.app.get(MediaChangesListener);
    const cache = sut.t.system.app.get(MediaRecordsCache);
    const { statusId, mediaId } = await posted('heard');
    await descriptionSeen(statusId);
    expect(cache.get(mediaId)).toBeDefined();

    const recovered = await deafenThenRecover(listener, async () => {
      expect(cache.size).toBe(0);
      await sut.db.query(`UPDATE media.media_attachments SET description = 'unheard' WHERE id = $1`, [
        mediaId,
      ]);
      // Read from PostgreSQL while untrusted, and nothing kept.
      expect(await descriptionSeen(statusId)).toBe('unheard');
      expect(cache.size).toBe(0);
    });
    expect(recovered).toBe(true);
    await descriptionSeen(statusId);
    expect(cache.get(mediaId)).toBeDefined();
  });
});
