import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRestAPIClient, type mastodon } from 'masto';
import sharp from 'sharp';
import { twoToneImage } from '../apps/media/src/attachments/test-images';
import {
  animatedGif,
  h264Mp4,
  heicPhoto,
  wavAudio,
  webmVideo,
} from '../apps/media/src/attachments/test-media';
import { seedUsers, type SeededUser } from './support/factories';
import { pollUntil } from './support/poll';
import { type SystemUnderTest, useTestSystem } from './support/system';
import { filesUnder } from './support/files';

jest.setTimeout(180_000);

const INVALID_TYPE = 'Validation failed: File content type is invalid, File is invalid';
const PROCESSING_ERROR = 'Error processing thumbnail for uploaded media';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

interface Attachment {
  id: string;
  type: string;
  url: string | null;
  preview_url: string | null;
  blurhash: string | null;
  meta: {
    original?: { width?: number; height?: number; frame_rate?: string; duration?: number; bitrate?: number };
    small?: { width: number; height: number; size: string; aspect: number };
  };
}

/** What ffprobe says of served bytes: container and streams. */
async function probed(bytes: Buffer): Promise<{
  format: { format_name: string; duration: string; tags?: Record<string, string> };
  streams: Array<{
    codec_type: string;
    codec_name: string;
    pix_fmt?: string;
    width?: number;
    height?: number;
  }>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'mammut-e2e-probe-'));
  try {
    await writeFile(join(dir, 'f'), bytes);
    const { stdout } = await promisify(execFile)('ffprobe', [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      join(dir, 'f'),
    ]);
    return JSON.parse(stdout) as Awaited<ReturnType<typeof probed>>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Upload and media helpers for one system under test. */
function mediaApi(sut: SystemUnderTest, token: () => string) {
  const root = (): string => sut.t.system.runtime.config.media.root;
  const rowCount = async (): Promise<number> =>
    Number(
      (await sut.db.query<{ n: string }>('SELECT count(*) AS n FROM media.media_attachments')).rows[0].n,
    );

  async function upload(version: 'v1' | 'v2', file: Buffer, name: string, type: string): Promise<Answer> {
    const form = new FormData();
    form.append('file', new Blob([file], { type }), name);
    const response = await fetch(`${sut.t.url}/api/${version}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token()}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const get = async (id: string): Promise<Answer> => {
    const response = await fetch(`${sut.t.url}/api/v1/media/${id}`, {
      headers: { authorization: `Bearer ${token()}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** Uploaded through v2, then waited for until processing is over (200 or 422). */
  async function processed(file: Buffer, name: string, type: string): Promise<Answer> {
    const created = await upload('v2', file, name, type);
    expect(created.status).toBe(202);
    return pollUntil(
      () => get(created.body.id as string),
      (answer) => answer.status !== 206,
      60_000,
    );
  }

  /** Refused with `status` and `error`, leaving no row and no file behind. */
  async function expectRefused(attempt: () => Promise<Answer>, status: number, error: string): Promise<void> {
    const rows = await rowCount();
    const files = await filesUnder(root());
    const answer = await attempt();
    expect(answer).toEqual({ status, body: { error } });
    expect(await rowCount()).toBe(rows);
    expect(await filesUnder(root())).toEqual(files);
  }

  return { upload, get, processed, expectRefused, root };
}

/**
 * Video, audio, animated GIFs and HEIC photos through public HTTP, processed by the system's
 * ffmpeg and heif-convert: a GIF becomes a gifv MP4, WebM is transcoded to H.264 MP4, an H.264 MP4
 * passes through, WAV becomes MP3, HEIC becomes JPEG; each with Mastodon's meta and a preview.
 * Mastodon's refusals: a video beside an image, a file that is no media, one past the 99 MB cap.
 */
describe('video, audio, gifv and HEIC uploads', () => {
  const sut = useTestSystem();
  let alice: SeededUser;
  let bob: SeededUser;
  let aliceClient: mastodon.rest.Client;
  let bobClient: mastodon.rest.Client;
  const api = mediaApi(sut, () => alice.token);

  beforeAll(async () => {
    [alice, bob] = await seedUsers(sut.t, ['alice', 'bob']);
    aliceClient = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
    bobClient = createRestAPIClient({ url: sut.t.url, accessToken: bob.token });
    await bobClient.v1.accounts.$select(alice.accountId).follow();
  });

  it('makes an animated GIF a gifv MP4 with a preview, posted and seen in a follower’s home', async () => {
    const done = await api.processed(await animatedGif(10), 'cat.gif', 'image/gif');
    expect(done.status).toBe(200);
    const media = done.body as unknown as Attachment;
    expect(media).toMatchObject({
      type: 'gifv',
      url: expect.stringMatching(/\/original\/[0-9a-f]{16}\.mp4$/) as unknown,
      preview_url: expect.stringMatching(/\/small\/[0-9a-f]{16}\.jpg$/) as unknown,
      blurhash: expect.stringMatching(/^.{36}$/) as unknown,
      meta: {
        original: { width: 64, height: 48, frame_rate: '10/1' },
        small: { width: 64, height: 48, size: '64x48', aspect: 64 / 48 },
      },
    });
    expect(media.meta.original!.duration).toBeCloseTo(1, 1);
    expect(media.meta.original!.bitrate).toBeGreaterThan(0);

    const file = await fetch(media.url!);
    expect(file.headers.get('content-type')).toBe('video/mp4');
    const served = await probed(Buffer.from(await file.arrayBuffer()));
    expect(served.streams).toEqual([
      expect.objectContaining({
        codec_type: 'video',
        codec_name: 'h264',
        pix_fmt: 'yuv420p',
        width: 64,
        height: 48,
      }),
    ]);
    const preview = await fetch(media.preview_url!);
    expect(preview.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).format).toBe('jpeg');

    // A gifv may go beside images, as in Mastodon (only video and audio go alone).
    const image = await api.processed(await twoToneImage(40, 30), 'i.png', 'image/png');
    const status = await aliceClient.v1.statuses.create({
      status: 'a loop',
      mediaIds: [media.id, image.body.id as string],
    });
    expect(status.mediaAttachments.map((attachment) => attachment.type)).toEqual(['gifv', 'image']);
    const home = await pollUntil(
      async () => await bobClient.v1.timelines.home.list(),
      (statuses) => statuses.some((seen) => seen.id === status.id),
      20_000,
    );
    const seen = home.find((entry) => entry.id === status.id)!;
    expect(seen.mediaAttachments[0]).toMatchObject({ id: media.id, type: 'gifv', url: media.url });
  });

  it('transcodes a WebM (VP9, Opus) to an H.264/AAC MP4 with Mastodon’s meta', async () => {
    const done = await api.processed(await webmVideo(1), 'clip.webm', 'video/webm');
    expect(done.status).toBe(200);
    const media = done.body as unknown as Attachment;
    expect(media).toMatchObject({
      type: 'video',
      url: expect.stringMatching(/\.mp4$/) as unknown,
      preview_url: expect.stringMatching(/\.jpg$/) as unknown,
      meta: { original: { width: 96, height: 64, frame_rate: '25/1' }, small: { width: 96, height: 64 } },
    });
    expect(media.meta.original!.duration).toBeGreaterThan(0.9);
    expect(media.meta.original!.duration).toBeLessThan(1.2);
    const file = await fetch(media.url!);
    expect(file.headers.get('content-type')).toBe('video/mp4');
    const served = await probed(Buffer.from(await file.arrayBuffer()));
    expect(served.streams.map((stream) => [stream.codec_type, stream.codec_name])).toEqual([
      ['video', 'h264'],
      ['audio', 'aac'],
    ]);
  });

  it('passes an H.264/AAC MP4 through (v1), its metadata dropped', async () => {
    const mp4 = await h264Mp4(1);
    expect(mp4.includes(Buffer.from('MammutTitle'))).toBe(true);
    const created = await api.upload('v1', mp4, 'clip.mp4', 'video/mp4');
    expect(created.status).toBe(200);
    const media = created.body as unknown as Attachment;
    expect(media).toMatchObject({
      type: 'video',
      meta: { original: { width: 96, height: 64, frame_rate: '25/1' } },
    });
    const bytes = Buffer.from(await (await fetch(media.url!)).arrayBuffer());
    expect(bytes.includes(Buffer.from('MammutTitle'))).toBe(false);
    const served = await probed(bytes);
    expect(served.streams.map((stream) => stream.codec_name)).toEqual(['h264', 'aac']);
    expect(Number(served.format.duration)).toBeCloseTo(1, 0);
  });

  it('makes a WAV an MP3 of type audio, with its duration and no preview', async () => {
    const done = await api.processed(await wavAudio(1.5), 'tone.wav', 'audio/wav');
    expect(done.status).toBe(200);
    const media = done.body as unknown as Attachment;
    expect(media).toMatchObject({
      type: 'audio',
      url: expect.stringMatching(/\/original\/[0-9a-f]{16}\.mp3$/) as unknown,
      preview_url: null,
      blurhash: null,
    });
    expect(media.meta.original).not.toHaveProperty('width');
    expect(media.meta.original!.duration).toBeCloseTo(1.5, 1);
    expect(media.meta.original!.bitrate).toBeGreaterThan(0);
    const file = await fetch(media.url!);
    expect(file.headers.get('content-type')).toBe('audio/mpeg');
    expect((await probed(Buffer.from(await file.arrayBuffer()))).streams).toEqual([
      expect.objectContaining({ codec_type: 'audio', codec_name: 'mp3' }),
    ]);
  });

  it('makes a HEIC photo a JPEG image, its EXIF stripped', async () => {
    const done = await api.processed(await heicPhoto(80, 40), 'photo.heic', 'image/heic');
    expect(done.status).toBe(200);
    const media = done.body as unknown as Attachment;
    expect(media).toMatchObject({
      type: 'image',
      url: expect.stringMatching(/\.jpg$/) as unknown,
      preview_url: expect.stringMatching(/\.jpg$/) as unknown,
    });
    const bytes = Buffer.from(await (await fetch(media.url!)).arrayBuffer());
    const served = await sharp(bytes).metadata();
    expect([served.format, served.exif, served.orientation]).toEqual(['jpeg', undefined, undefined]);
    expect([served.width, served.height].sort()).toEqual([40, 80]);
    expect(bytes.includes(Buffer.from('MammutCam'))).toBe(false);
  });

  it('refuses a video beside an image, a file that is no media, and states the limits', async () => {
    const video = await api.upload('v1', await h264Mp4(0.5), 'v.mp4', 'video/mp4');
    const image = await api.upload('v1', await twoToneImage(20, 20), 'i.png', 'image/png');
    const response = await fetch(`${sut.t.url}/api/v1/statuses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'both', media_ids: [image.body.id, video.body.id] }),
    });
    expect([response.status, await response.json()]).toEqual([
      422,
      { error: 'Cannot attach a video to a post that already contains images' },
    ]);

    const garbage = Buffer.from('this is no video, whatever its name says '.repeat(50));
    await api.expectRefused(() => api.upload('v2', garbage, 'clip.mp4', 'video/mp4'), 422, INVALID_TYPE);
    // Video-looking first bytes with nothing a decoder reads after them.
    const fake = Buffer.concat([(await h264Mp4(0.2)).subarray(0, 32), Buffer.alloc(4000, 1)]);
    await api.expectRefused(() => api.upload('v1', fake, 'clip.mp4', 'video/mp4'), 422, INVALID_TYPE);

    const instance = (await (await fetch(`${sut.t.url}/api/v2/instance`)).json()) as {
      configuration: { media_attachments: Record<string, unknown> };
    };
    expect(instance.configuration.media_attachments).toMatchObject({
      image_size_limit: 16 * 1024 * 1024,
      video_size_limit: 99 * 1024 * 1024,
      video_frame_rate_limit: 120,
      video_matrix_limit: 8_294_400,
      supported_mime_types: expect.arrayContaining([
        'video/mp4',
        'video/webm',
        'audio/mpeg',
        'image/heic',
      ]) as unknown,
    });
  });

  it('refuses a video over 99 MB with 413: from Content-Length, and while it streams in', async () => {
    const { hostname, port } = new URL(sut.t.url);
    // A length past everything the route could take is answered before a byte of the body is read.
    const early = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          hostname,
          port,
          path: '/api/v2/media',
          method: 'POST',
          headers: {
            authorization: `Bearer ${alice.token}`,
            'content-type': 'multipart/form-data; boundary=x',
            'content-length': String(150 * 1024 * 1024),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write('--x\r\n');
    });
    expect(early).toBe(413);

    // An MP4 header and then 99 MB and a bit, streamed without a length: cut at the video cap.
    const head = (await h264Mp4(0.2)).subarray(0, 64);
    const boundary = 'mammutboundary';
    const chunk = Buffer.alloc(1024 * 1024, 0);
    const total = 99 * 1024 * 1024 + 200 * 1024;
    function* body(): Generator<Buffer> {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
      );
      yield head;
      for (let sent = head.length; sent < total; sent += chunk.length) yield chunk;
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    await api.expectRefused(
      async () => {
        const response = await fetch(`${sut.t.url}/api/v2/media`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${alice.token}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
          },
          body: ReadableStream.from(body()),
          duplex: 'half',
        } as RequestInit);
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      },
      413,
      'Request body is too large',
    );
    expect((await filesUnder(api.root())).filter((file) => file.startsWith('tmp/'))).toEqual([]);
  });
});

describe('video processing past its time', () => {
  const sut = useTestSystem({ MEDIA_PROCESSING_TIMEOUT_MS: '1' });
  let alice: SeededUser;
  const api = mediaApi(sut, () => alice.token);

  beforeAll(async () => {
    [alice] = await seedUsers(sut.t, ['alice']);
  });

  it('kills ffmpeg, fails the attachment and tells the uploader why', async () => {
    const failed = await api.processed(await webmVideo(1), 'clip.webm', 'video/webm');
    expect(failed).toEqual({
      status: 422,
      body: {
        error: PROCESSING_ERROR,
        details: { file: [{ error: 'ERR_PROCESSING', description: 'Processing took longer than 1 ms' }] },
      },
    });
    expect((await filesUnder(api.root())).filter((file) => !file.startsWith('tmp/'))).toEqual([]);
    expect((await filesUnder(api.root())).filter((file) => file.startsWith('tmp/'))).toEqual([]);

    // v1 answers the same at once, and keeps nothing.
    await expect(api.upload('v1', await webmVideo(0.5), 'clip.webm', 'video/webm')).resolves.toEqual(failed);
    // Images need no tools: they are processed as ever.
    expect((await api.upload('v1', await twoToneImage(20, 20), 'i.png', 'image/png')).status).toBe(200);
  });
});

describe('a server without ffmpeg', () => {
  const sut = useTestSystem({ FFMPEG_PATH: '/nonexistent/ffmpeg' });
  let alice: SeededUser;
  const api = mediaApi(sut, () => alice.token);

  beforeAll(async () => {
    [alice] = await seedUsers(sut.t, ['alice']);
  });

  it('refuses video and audio clearly, and keeps an animated GIF as a still image', async () => {
    const unsupported = 'Video and audio files are not supported on this server';
    await api.expectRefused(() => api.upload('v2', h264Mp4Small, 'v.mp4', 'video/mp4'), 422, unsupported);
    await api.expectRefused(
      async () => api.upload('v1', await wavAudio(0.3), 'a.wav', 'audio/wav'),
      422,
      unsupported,
    );
    const gif = await api.upload('v1', await animatedGif(3), 'a.gif', 'image/gif');
    expect(gif).toMatchObject({
      status: 200,
      body: { type: 'image', url: expect.stringMatching(/\.png$/) as unknown },
    });
  });

  let h264Mp4Small: Buffer;
  beforeAll(async () => {
    h264Mp4Small = await h264Mp4(0.3);
  });
});
