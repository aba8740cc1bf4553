import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEDIA_LIMITS, sniffMedia, uploadCapOf } from '@mammut/contracts';
import { INVALID_FILE_TYPE, UnacceptableMedia } from './images';
import {
  audioArgs,
  classify,
  frameArgs,
  parseProbe,
  passesThrough,
  type Probe,
  rational,
  videoArgs,
  videoBitrate,
} from './playable';
import { probeFile } from './playable-processing';
import { animatedGif, h264Mp4, heicPhoto, wavAudio, webmVideo } from './test-media';
import { twoToneImage } from './test-images';
import { MediaTools, runTool, ToolMissing, ToolTimeout } from './tools';

jest.setTimeout(60_000);

const tools = new MediaTools({
  ffmpegPath: 'ffmpeg',
  ffprobePath: 'ffprobe',
  heifConvertPath: 'heif-convert',
  timeoutMs: 60_000,
  threads: 1,
});

const stream = (over: Partial<Probe['streams'][number]>): Probe['streams'][number] => ({
  index: 0,
  kind: 'video',
  codec: 'h264',
  pixFmt: 'yuv420p',
  width: 1280,
  height: 720,
  frameRate: '30/1',
  baseFrameRate: '30/1',
  ...over,
});
const probe = (formatName: string, streams: Probe['streams']): Probe => ({
  formatName,
  duration: 2,
  bitrate: 1_000_000,
  streams,
});
const MP4_HEAD = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');

describe('media kinds from the first bytes', () => {
  it('tells images from video and audio containers, and anything else from both', async () => {
    expect(sniffMedia(await twoToneImage(4, 4, 'png'))).toBe('image');
    expect(sniffMedia(await twoToneImage(4, 4, 'jpeg'))).toBe('image');
    expect(sniffMedia(await animatedGif(2))).toBe('image');
    expect(sniffMedia(await heicPhoto(16, 8))).toBe('image');
    expect(sniffMedia(await webmVideo(0.2))).toBe('playable');
    expect(sniffMedia(await h264Mp4(0.2))).toBe('playable');
    expect(sniffMedia(await wavAudio(0.2))).toBe('playable');
    expect(sniffMedia(Buffer.from('ID3\u0004\u0000'))).toBe('playable');
    expect(sniffMedia(Buffer.from([0xff, 0xfb, 0x90, 0x64]))).toBe('playable');
    expect(sniffMedia(Buffer.from('OggS\u0000\u0002'))).toBe('playable');
    expect(sniffMedia(Buffer.from('this is just text'))).toBe('unknown');
    expect(sniffMedia(Buffer.from('<html><body>'))).toBe('unknown');
    expect(sniffMedia(Buffer.alloc(0))).toBe('unknown');
    expect(uploadCapOf(MP4_HEAD)).toBe(MEDIA_LIMITS.videoBytes);
    expect(uploadCapOf(Buffer.from('garbage named .mp4'))).toBe(MEDIA_LIMITS.imageBytes);
  });
});

describe('video and audio from ffprobe', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mammut-playable-spec-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const probed = async (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return { probe: await probeFile(tools, path), head: bytes.subarray(0, 64) };
  };

  it('takes WebM (VP9+Opus) as video, silent WebM as gifv, H.264+AAC MP4 as video to pass through', async () => {
    const webm = await probed('a', await webmVideo(0.5));
    const video = classify(webm.probe, webm.head);
    expect(video).toMatchObject({
      type: 'video',
      demuxer: 'matroska',
      video: { codec: 'vp9', width: 96, height: 64, frameRate: '25/1' },
      audio: { codec: 'opus' },
    });
    expect(passesThrough(video)).toBe(false);

    const silent = await probed('b', await webmVideo(0.5, { silent: true }));
    expect(classify(silent.probe, silent.head)).toMatchObject({ type: 'gifv', audio: null });

    const mp4 = await probed('c', await h264Mp4(0.5));
    const passed = classify(mp4.probe, mp4.head);
    expect(passed).toMatchObject({ type: 'video', demuxer: 'mov', audio: { codec: 'aac' } });
    expect(passesThrough(passed)).toBe(true);
  });

  it('takes WAV as audio, and refuses what ffprobe cannot read or Mastodon does not list', async () => {
    const wav = await probed('d', await wavAudio(0.5));
    expect(classify(wav.probe, wav.head)).toMatchObject({ type: 'audio', demuxer: 'wav', video: null });

    await expect(probed('e', Buffer.from('garbage, not a video at all'))).rejects.toThrow(INVALID_FILE_TYPE);
    // Matroska that is not WebM (`.mkv`) is not among Mastodon's types.
    expect(() =>
      classify(probe('matroska,webm', [stream({})]), Buffer.from([0x1a, 0x45, 0xdf, 0xa3])),
    ).toThrow(INVALID_FILE_TYPE);
    expect(() => classify(probe('avi', [stream({})]), Buffer.alloc(0))).toThrow(UnacceptableMedia);
    expect(() => classify(probe('mov,mp4,m4a,3gp,3g2,mj2', [stream({ kind: 'other' })]), MP4_HEAD)).toThrow(
      INVALID_FILE_TYPE,
    );
    expect(() => parseProbe('not json')).toThrow(INVALID_FILE_TYPE);
  });

  it("refuses videos past Mastodon's frame size and rate, with its messages", () => {
    const mp4 = 'mov,mp4,m4a,3gp,3g2,mj2';
    expect(() => classify(probe(mp4, [stream({ width: 3841, height: 2160 })]), MP4_HEAD)).toThrow(
      '3841x2160 videos are not supported',
    );
    expect(() => classify(probe(mp4, [stream({ frameRate: '241/2' })]), MP4_HEAD)).not.toThrow();
    expect(() => classify(probe(mp4, [stream({ frameRate: '121/1' })]), MP4_HEAD)).toThrow(
      '121fps videos are not supported',
    );
    // Album art of an MP3 is no video: it is audio with a cover.
    const mp3 = classify(
      probe('mp3', [
        stream({ index: 0, kind: 'audio', codec: 'mp3' }),
        stream({ index: 1, kind: 'cover', codec: 'mjpeg' }),
      ]),
      Buffer.from('ID3'),
    );
    expect(mp3).toMatchObject({ type: 'audio', cover: { index: 1 } });
  });

  it('reads rates as Mastodon writes them', () => {
    expect(rational('30/1')).toBe('30/1');
    expect(rational('60/2')).toBe('30/1');
    expect(rational('30000/1001')).toBe('30000/1001');
    expect(rational('0/0')).toBeNull();
    expect(rational(undefined)).toBeNull();
  });
});

describe('ffmpeg arguments', () => {
  const source = {
    demuxer: 'matroska',
    video: stream({ index: 0, codec: 'vp9', width: 1281, height: 721 }),
    audio: stream({ index: 1, kind: 'audio', codec: 'opus' }),
    duration: 10,
    passthrough: false,
  };

  it('transcodes to H.264/AAC MP4 from local files only, with bounded threads and no metadata', () => {
    const args = videoArgs(source, '/tmp/in', '/tmp/out.mp4', 2);
    const after = (flag: string): string => args[args.indexOf(flag) + 1];
    expect(args.slice(0, 4)).toEqual(['-nostdin', '-hide_banner', '-loglevel', 'error']);
    expect(after('-protocol_whitelist')).toBe('file,pipe');
    expect(after('-f')).toBe('matroska');
    expect(after('-i')).toBe('file:/tmp/in');
    expect(args.filter((arg) => arg === '-threads')).toHaveLength(2);
    expect(after('-threads')).toBe('2');
    expect(after('-c:v')).toBe('libx264');
    expect(after('-pix_fmt')).toBe('yuv420p');
    expect(after('-vf')).toBe('crop=trunc(iw/2)*2:trunc(ih/2)*2');
    expect(after('-c:a')).toBe('aac');
    expect(after('-movflags')).toBe('+faststart');
    expect(after('-map_metadata')).toBe('-1');
    expect(after('-frames:v')).toBe('36000');
    expect(args.filter((arg) => arg === '-map')).toHaveLength(2);
    expect(args.slice(-3)).toEqual(['mp4', '-y', 'file:/tmp/out.mp4']);
    expect(Number(after('-b:v'))).toBe(videoBitrate(1281, 721, 10));
  });

  it('copies streams that pass through, and drops sound of a gifv', () => {
    const copy = videoArgs({ ...source, passthrough: true }, '/tmp/in', '/tmp/out.mp4', 1);
    expect(copy).toEqual(expect.arrayContaining(['-c', 'copy', '+faststart']));
    expect(copy).not.toContain('libx264');
    const silent = videoArgs({ ...source, audio: null }, '/tmp/in', '/tmp/out.mp4', 1);
    expect(silent).toContain('-an');
    expect(silent).not.toContain('aac');
  });

  it('scales a picture larger than the video cap (a big GIF) down within it', () => {
    const big = videoArgs(
      { ...source, demuxer: 'gif', video: stream({ width: 7680, height: 4320 }), audio: null },
      '/tmp/in',
      '/tmp/out.mp4',
      1,
    );
    expect(big[big.indexOf('-vf') + 1]).toMatch(
      /^scale=trunc\(iw\*0\.5\d+\/2\)\*2:trunc\(ih\*0\.5\d+\/2\)\*2$/,
    );
  });

  it("caps the bitrate as Mastodon's transcoder does", () => {
    expect(videoBitrate(1280, 720, 10)).toBe(Math.floor(1280 * 720 * 30 * 0.11));
    // A long video gets no more than would fit in 99 MB.
    expect(videoBitrate(3840, 2160, 600)).toBe(Math.floor((99 * 1024 * 1024 * 8) / 600) - 192_000);
  });

  it('makes MP3 with LAME, copying an MP3 stream, and takes one frame as PNG', () => {
    const playable = classify(
      probe('wav', [stream({ kind: 'audio', codec: 'pcm_s16le' })]),
      Buffer.from('RIFF'),
    );
    expect(audioArgs(playable, '/tmp/in', '/tmp/out.mp3', 1)).toEqual(
      expect.arrayContaining([
        '-c:a',
        'libmp3lame',
        '-q:a',
        '2',
        '-vn',
        '-map_metadata',
        '-1',
        'file:/tmp/out.mp3',
      ]),
    );
    const mp3 = { ...playable, demuxer: 'mp3', audio: stream({ kind: 'audio', codec: 'mp3' }) };
    expect(audioArgs(mp3, '/tmp/in', '/tmp/out.mp3', 1)).toEqual(expect.arrayContaining(['-c:a', 'copy']));
    expect(frameArgs('/tmp/in.mp4', 'mov', 0, '/tmp/f.png', 1)).toEqual(
      expect.arrayContaining(['-map', '0:0', '-frames:v', '1', '-c:v', 'png', 'file:/tmp/f.png']),
    );
  });
});

describe('tools as child processes', () => {
  it('kills a tool past its time, and tells a missing tool apart', async () => {
    await expect(
      runTool('ffmpeg', ['-nostdin', '-f', 'lavfi', '-i', 'testsrc=size=640x480', '-f', 'null', '-'], 300),
    ).rejects.toBeInstanceOf(ToolTimeout);
    await expect(runTool('/nonexistent/ffmpeg', ['-version'], 1000)).rejects.toBeInstanceOf(ToolMissing);
    await expect(
      new MediaTools({ ...tools.config, ffprobePath: '/nonexistent/ffprobe' }).available(),
    ).resolves.toEqual({
      ffmpeg: false,
      heif: true,
    });
    await expect(tools.available()).resolves.toEqual({ ffmpeg: true, heif: true });
  });
});
