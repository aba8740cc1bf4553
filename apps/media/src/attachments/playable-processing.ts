import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MEDIA_LIMITS, type MediaMeta } from '@mammut/contracts';
import sharp from 'sharp';
import {
  blurhashOf,
  dimensionsOf,
  fitWithin,
  INVALID_FILE_TYPE,
  type ProcessedStyle,
  UnacceptableMedia,
  UndecodableMedia,
} from './images';
import {
  audioArgs,
  frameArgs,
  parseProbe,
  type Playable,
  playableMeta,
  type Probe,
  probeArgs,
  type VideoSource,
  videoArgs,
} from './playable';
import { type MediaTools, ToolFailed, ToolTimeout } from './tools';

/**
 * How long ffprobe may read one file: it only reads headers, so a file that keeps it busy longer
 * is refused. Separate from the processing timeout, which bounds the conversions.
 */
export const PROBE_TIMEOUT_MS = 20_000;

/** The largest side of a video's preview (Mastodon's VIDEO_STYLES small: within 640×640). */
const VIDEO_PREVIEW_SIDE = 640;

/** The time one upload's conversions may still take; past it, nothing more is started. */
export class Deadline {
  private readonly end: number;

  constructor(readonly totalMs: number) {
    this.end = Date.now() + totalMs;
  }

  /** Milliseconds left for the next tool, or a timeout when there are none. */
  remaining(): number {
    const left = this.end - Date.now();
    if (left <= 0) throw new ToolTimeout(`processing ran longer than ${this.totalMs} ms`);
    return left;
  }
}

/** A processed file, as the service stores it. */
export interface ProcessedMedia {
  readonly type: 'image' | 'gifv' | 'video' | 'audio';
  /** The original: its bytes, or the temporary file holding them. */
  readonly original: {
    readonly body: Buffer | { path: string };
    readonly extension: string;
    readonly contentType: string;
  };
  /** The preview (a JPEG for video and audio), if there is one. */
  readonly small: (ProcessedStyle & { readonly extension: string; readonly contentType: string }) | null;
  readonly meta: Pick<MediaMeta, 'original' | 'small'>;
  readonly blurhash: string | null;
}

/** What ffprobe says of a local file: refused as not media when it cannot say. */
export async function probeFile(tools: MediaTools, path: string): Promise<Probe> {
  try {
    return parseProbe(await tools.ffprobe(probeArgs(path), PROBE_TIMEOUT_MS));
  } catch (error) {
    if (error instanceof ToolFailed || error instanceof ToolTimeout)
      throw new UnacceptableMedia(INVALID_FILE_TYPE);
    throw error;
  }
}

/** Runs ffmpeg within the deadline; an error exit is the file's fault. */
async function ffmpeg(tools: MediaTools, args: string[], deadline: Deadline): Promise<void> {
  try {
    await tools.ffmpeg(args, deadline.remaining());
  } catch (error) {
    if (error instanceof ToolFailed) throw new UndecodableMedia(error.message);
    throw error;
  }
}

/**
 * A preview JPEG (re-encoded by sharp: nothing but pixels kept) of a PNG frame, within `pixels`
 * or a `side`×`side` box, and its blurhash.
 */
async function preview(
  png: string,
  bound: { side: number } | { pixels: number },
): Promise<{ small: NonNullable<ProcessedMedia['small']>; blurhash: string }> {
  try {
    const input = sharp(await readFile(png), {
      limitInputPixels: MEDIA_LIMITS.imageMatrixPixels,
      failOn: 'error',
    });
    const { width = 1, height = 1 } = await input.metadata();
    const size =
      'side' in bound
        ? { width: Math.min(width, bound.side), height: Math.min(height, bound.side) }
        : fitWithin(width, height, bound.pixels);
    const { data, info } = await input
      .resize({ ...size, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 90, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    const small = {
      bytes: data,
      width: info.width,
      height: info.height,
      extension: 'jpg',
      contentType: 'image/jpeg',
    };
    return { small, blurhash: await blurhashOf(small) };
  } catch (error) {
    throw new UndecodableMedia(error instanceof Error ? error.message : String(error));
  }
}

/**
 * A video, gifv or animated GIF made into its stored MP4 (copied or transcoded, see videoArgs),
 * its first frame into the preview and blurhash, and `meta` read back from the file stored.
 */
export async function processVideo(
  tools: MediaTools,
  type: 'video' | 'gifv',
  source: VideoSource,
  input: string,
  dir: string,
  deadline: Deadline,
): Promise<ProcessedMedia> {
  const output = join(dir, 'original.mp4');
  const frame = join(dir, 'frame.png');
  const threads = tools.config.threads;
  await ffmpeg(tools, videoArgs(source, input, output, threads), deadline);
  await ffmpeg(tools, frameArgs(output, 'mov', 0, frame, threads), deadline);
  const probe = await probeFile(tools, output).catch(() => {
    throw new UndecodableMedia('the transcoded video could not be read back');
  });
  const { small, blurhash } = await preview(frame, { side: VIDEO_PREVIEW_SIDE });
  return {
    type,
    original: { body: { path: output }, extension: 'mp4', contentType: 'video/mp4' },
    small,
    meta: { original: playableMeta(probe), small: dimensionsOf(small) },
    blurhash,
  };
}

/** An audio file made into its stored MP3; its album art, if any, into the preview. */
export async function processAudio(
  tools: MediaTools,
  playable: Playable,
  input: string,
  dir: string,
  deadline: Deadline,
): Promise<ProcessedMedia> {
  const output = join(dir, 'original.mp3');
  const threads = tools.config.threads;
  await ffmpeg(tools, audioArgs(playable, input, output, threads), deadline);
  const probe = await probeFile(tools, output).catch(() => {
    throw new UndecodableMedia('the transcoded audio could not be read back');
  });
  let cover: Awaited<ReturnType<typeof preview>> | null = null;
  if (playable.cover) {
    const art = join(dir, 'cover.png');
    // Album art that cannot be read leaves the sound without a preview, as Mastodon's.
    cover = await ffmpeg(
      tools,
      frameArgs(input, playable.demuxer, playable.cover.index, art, threads),
      deadline,
    )
      .then(() => preview(art, { pixels: MEDIA_LIMITS.smallPixels }))
      .catch((error: unknown) => {
        if (error instanceof ToolTimeout) throw error;
        return null;
      });
  }
  return {
    type: 'audio',
    original: { body: { path: output }, extension: 'mp3', contentType: 'audio/mpeg' },
    small: cover?.small ?? null,
    meta: { original: playableMeta(probe), ...(cover ? { small: dimensionsOf(cover.small) } : {}) },
    blurhash: cover?.blurhash ?? null,
  };
}

/**
 * A HEIC photo made into a JPEG by libheif's heif-convert (its orientation applied by libheif),
 * for the image pipeline to take from there. Of a file with several images, the first.
 */
export async function heicToJpeg(
  tools: MediaTools,
  input: string,
  dir: string,
  deadline: Deadline,
): Promise<Buffer> {
  const out = join(dir, 'heic');
  await mkdir(out);
  try {
    await tools.heifConvert(['--quiet', '-q', '92', input, join(out, 'image.jpg')], deadline.remaining());
  } catch (error) {
    if (error instanceof ToolFailed) throw new UndecodableMedia(error.message);
    throw error;
  }
  const written = (await readdir(out)).filter((name) => name.endsWith('.jpg')).sort();
  if (!written.length) throw new UndecodableMedia('heif-convert wrote no image');
  const first = written.includes('image.jpg') ? 'image.jpg' : written[0];
  return readFile(join(out, first));
}
