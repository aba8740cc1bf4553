import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { text } from 'node:stream/consumers';
import { LocalDiskStorage } from './local-disk-storage';
import { KEYS_OUTSIDE_THE_ROOT } from './test-keys';
import {
  idPartition,
  isMediaKey,
  isPublicMediaKey,
  MediaKeyError,
  mediaAttachmentKey,
} from './media-storage';

describe('LocalDiskStorage', () => {
  let base: string;
  let root: string;
  let storage: LocalDiskStorage;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'mammut-storage-'));
    root = join(base, 'root');
    storage = new LocalDiskStorage(root, 'https://example.com');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('stores a buffer or a stream, reads it whole or in a range, and deletes it', async () => {
    const key = 'media_attachments/files/000/000/001/original/ab.png';
    expect(await storage.put(key, Buffer.from('hello world'), 'image/png')).toEqual({ size: 11 });
    expect(await storage.stat(key)).toEqual({ size: 11, contentType: 'image/png' });
    const whole = await storage.read(key);
    expect(await text(whole!.stream)).toBe('hello world');
    const part = await storage.read(key, { start: 6, end: 10 });
    expect(await text(part!.stream)).toBe('world');

    await storage.put('tmp/uploads/x', Readable.from([Buffer.from('a'), Buffer.from('bc')]), 'x');
    expect(await storage.stat('tmp/uploads/x')).toEqual({ size: 3, contentType: 'application/octet-stream' });

    await storage.delete(key);
    await storage.delete(key);
    expect(await storage.read(key)).toBeNull();
    expect(await storage.stat('media_attachments/never')).toBeNull();
  });

  it('leaves nothing behind when the stream fails midway', async () => {
    let seen = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        callback(seen > 3 ? new Error('too large') : null, chunk);
      },
    });
    const source = Readable.from([Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')]).pipe(limit);
    await expect(storage.put('tmp/uploads/big', source, 'x')).rejects.toThrow('too large');
    expect(await readdir(join(root, 'tmp/uploads'))).toEqual([]);
  });

  it('refuses every key that could leave the root', async () => {
    await writeFile(join(base, 'secret'), 'secret');
    for (const key of KEYS_OUTSIDE_THE_ROOT) {
      expect(isMediaKey(key)).toBe(false);
      await expect(storage.read(key)).rejects.toBeInstanceOf(MediaKeyError);
      await expect(storage.put(key, Buffer.from('x'), 'x')).rejects.toBeInstanceOf(MediaKeyError);
      await expect(storage.delete(key)).rejects.toBeInstanceOf(MediaKeyError);
      await expect(storage.redirectUrlOf(key)).rejects.toBeInstanceOf(MediaKeyError);
      expect(() => storage.urlOf(key)).toThrow(MediaKeyError);
    }
    expect(await readFile(join(base, 'secret'), 'utf8')).toBe('secret');
  });

  it('names files as Mastodon does, and serves only processed media, from the instance itself', async () => {
    expect(idPartition('109876543210987654')).toBe('109/876/543/210/987/654');
    expect(idPartition('42')).toBe('000/000/000/000/000/042');
    expect(idPartition('1234567890123456789')).toBe('001/234/567/890/123/456/789');
    const key = mediaAttachmentKey('109876543210987654', 'small', 'webp');
    expect(key).toMatch(
      /^media_attachments\/files\/109\/876\/543\/210\/987\/654\/small\/[0-9a-f]{16}\.webp$/,
    );
    expect(storage.urlOf(key)).toBe(`https://example.com/system/${key}`);
    expect(await storage.redirectUrlOf(key)).toBeUndefined();
    expect(isPublicMediaKey(key)).toBe(true);
    expect(isPublicMediaKey('tmp/uploads/abc')).toBe(false);
  });
});
