import { contracts } from '@mammut/contracts';
import { MEDIA_STORAGE, type MediaStorage, temporaryUploadKey } from '@mammut/platform';
import { seedUsers, type SeededUser } from '../../../../test-e2e/support/factories';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { ProcessWorker } from './process-worker';
import { twoToneImage } from './test-images';

jest.setTimeout(60_000);

interface State {
  processing: string;
  processing_error: string | null;
  upload_key: string | null;
  file_key: string | null;
}

/**
 * Processing jobs on real NATS, PostgreSQL and storage: a try that fails for a reason of the moment
 * (storage refusing writes) is retried, a later try completes the attachment, and once the last try
 * has failed the attachment is failed with the reason and its upload removed.
 */
describe('media processing jobs', () => {
  const sut = useTestSystem();
  let alice: SeededUser;
  let put: jest.SpyInstance | undefined;

  const storage = (): MediaStorage => sut.t.system.app.get<MediaStorage>(MEDIA_STORAGE);
  const worker = (): ProcessWorker => sut.t.system.app.get(ProcessWorker);
  const stateOf = async (id: string): Promise<State> =>
    (
      await sut.db.query<State>(
        'SELECT processing, processing_error, upload_key, file_key FROM media.media_attachments WHERE id = $1',
        [id],
      )
    ).rows[0];

  /** An upload taken by the service, whose every storage write fails from now on. */
  async function uploadWhileStorageFails(): Promise<{ id: string; uploadKey: string }> {
    const uploadKey = temporaryUploadKey();
    await storage().put(uploadKey, await twoToneImage(30, 20), 'image/png');
    put = jest.spyOn(storage(), 'put').mockRejectedValue(new Error('disk full'));
    const { attachment } = await sut.t.system.runtime.bus.request(contracts.media.attachments.create, {
      accountId: alice.accountId,
      uploadKey,
    });
    expect(attachment).toMatchObject({ processing: 'queued', url: null });
    return { id: attachment.id, uploadKey };
  }

  beforeAll(async () => {
    [alice] = await seedUsers(sut.t, ['alice']);
  });
  afterEach(() => put?.mockRestore());

  it('retries a try that failed for the moment, and completes on a later one', async () => {
    const { id, uploadKey } = await uploadWhileStorageFails();
    await expect(worker().handle({ id }, { attempt: 1, maxAttempts: 4 })).rejects.toThrow('disk full');
    expect(await stateOf(id)).toMatchObject({
      processing: 'in_progress',
      upload_key: uploadKey,
      file_key: null,
    });
    expect(await storage().stat(uploadKey)).not.toBeNull();

    put?.mockRestore();
    await worker().handle({ id }, { attempt: 2, maxAttempts: 4 });
    expect(await stateOf(id)).toMatchObject({
      processing: 'complete',
      processing_error: null,
      upload_key: null,
    });
    expect(await storage().stat(uploadKey)).toBeNull();
    const { attachment } = await sut.t.system.runtime.bus.request(contracts.media.attachments.get, {
      accountId: alice.accountId,
      id,
    });
    expect(attachment.url).toMatch(/\/original\/[0-9a-f]{16}\.png$/);
  });

  it('fails the attachment with the reason after the last try, and removes its upload', async () => {
    const { id, uploadKey } = await uploadWhileStorageFails();
    await expect(worker().handle({ id }, { attempt: 3, maxAttempts: 4 })).rejects.toThrow('disk full');
    await worker().handle({ id }, { attempt: 4, maxAttempts: 4 });
    expect(await stateOf(id)).toEqual({
      processing: 'failed',
      processing_error: 'disk full',
      upload_key: null,
      file_key: null,
    });
    expect(await storage().stat(uploadKey)).toBeNull();
    await expect(
      sut.t.system.runtime.bus.request(contracts.media.attachments.get, { accountId: alice.accountId, id }),
    ).rejects.toMatchObject({
      code: 'unprocessable',
      message: 'Error processing thumbnail for uploaded media',
    });

    // The queued job's own tries find it failed and leave it so.
    put?.mockRestore();
    await worker().handle({ id }, { attempt: 2, maxAttempts: 4 });
    expect((await stateOf(id)).processing).toBe('failed');
  });
});
