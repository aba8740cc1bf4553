import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { orientedJpeg } from './test-images';

const run = promisify(execFile);

/**
 * Small video, audio and photo fixtures for tests, made on the spot with the system's ffmpeg
 * (`lavfi` test sources) and libheif's heif-enc, in a temporary directory removed afterwards.
 */
async function made(name: string, make: (dir: string, out: string) => Promise<void>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'mammut-fixture-'));
  try {
    const out = join(dir, name);
    await make(dir, out);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-threads', '1', ...args]);
}

const picture = (size: string, rate: number, seconds: number): string[] => [
  '-f',
  'lavfi',
  '-i',
  `testsrc=size=${size}:rate=${rate}:duration=${seconds}`,
];
const tone = (seconds: number): string[] => ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`];

/** An animated GIF: `frames` frames of 64×48 at 10 per second. */
export const animatedGif = (frames = 10): Promise<Buffer> =>
  made('a.gif', (_, out) => ffmpeg([...picture('64x48', 10, frames / 10), out]));

/** A WebM of VP9 (and Opus sound unless `silent`), 96×64 at 25 fps for `seconds`. */
export const webmVideo = (seconds = 1, options: { silent?: boolean } = {}): Promise<Buffer> =>
  made('v.webm', (_, out) =>
    ffmpeg([
      ...picture('96x64', 25, seconds),
      ...(options.silent ? [] : tone(seconds)),
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      ...(options.silent ? [] : ['-c:a', 'libopus']),
      out,
    ]),
  );

/** An MP4 of H.264 (yuv420p) and AAC, 96×64 at 25 fps for `seconds`, with a title tag. */
export const h264Mp4 = (seconds = 1, size = '96x64'): Promise<Buffer> =>
  made('v.mp4', (_, out) =>
    ffmpeg([
      ...picture(size, 25, seconds),
      ...tone(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-metadata',
      'title=MammutTitle',
      out,
    ]),
  );

/** A WAV of a 440 Hz tone for `seconds`. */
export const wavAudio = (seconds = 1): Promise<Buffer> =>
  made('a.wav', (_, out) => ffmpeg([...tone(seconds), out]));

/** A HEIC photo (HEVC) made of {@link orientedJpeg}: EXIF with orientation 6 and `MammutCam`. */
export const heicPhoto = (width = 80, height = 40): Promise<Buffer> =>
  made('p.heic', async (dir, out) => {
    const jpeg = join(dir, 'p.jpg');
    await writeFile(jpeg, await orientedJpeg(width, height));
    await run('heif-enc', ['-q', '60', jpeg, '-o', out]);
  });
