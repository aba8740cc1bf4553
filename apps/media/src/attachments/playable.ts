import { MEDIA_LIMITS, type MediaMeta } from '@mammut/contracts';
import { INVALID_FILE_TYPE, UnacceptableMedia } from './images';

/**
 * Video and audio, as ffprobe reads them: what an upload is (never its name or the type the client
 * gave), whether Mastodon takes it, and the ffmpeg arguments that make its stored files. Pure: the
 * processes are run elsewhere (playable-processing.ts).
 */

/** One stream of a probed file. `cover`: a picture attached to audio (album art), not a video. */
export interface ProbedStream {
  readonly index: number;
  readonly kind: 'video' | 'audio' | 'cover' | 'other';
  readonly codec: string | null;
  readonly pixFmt: string | null;
  readonly width: number | null;
  readonly height: number | null;
  /** `"30/1"`, reduced; null when ffprobe does not know it (`0/0`). */
  readonly frameRate: string | null;
  /** The stream's base rate (the highest it may reach), `"30/1"`. */
  readonly baseFrameRate: string | null;
}

export interface Probe {
  /** ffprobe's `format_name`, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  readonly formatName: string;
  /** Seconds; null when unknown. */
  readonly duration: number | null;
  /** Bits per second; null when unknown. */
  readonly bitrate: number | null;
  readonly streams: readonly ProbedStream[];
}

/** ffprobe's arguments for the JSON {@link parseProbe} reads: format and streams, local files only. */
export function probeArgs(path: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-protocol_whitelist',
    'file,pipe',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    '-i',
    `file:${path}`,
  ];
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A rate as ffprobe writes it (`"60000/1001"`), reduced; null for `0/0` and anything else. */
export function rational(value: unknown): string | null {
  const match = typeof value === 'string' ? /^(\d+)\/(\d+)$/.exec(value) : null;
  if (!match) return null;
  const [n, d] = [Number(match[1]), Number(match[2])];
  if (!n || !d) return null;
  const divisor = gcd(n, d);
  return `${n / divisor}/${d / divisor}`;
}

/** The value of a rate (`"30000/1001"` → 29.97…). */
export function rateOf(rate: string): number {
  const [n, d] = rate.split('/').map(Number);
  return n / d;
}

const numberOr = (value: unknown): number | null => {
  const n = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
};

/** Reads ffprobe's JSON; anything that is not its shape is a file ffprobe could not read. */
export function parseProbe(output: Buffer | string): Probe {
  let json: unknown;
  try {
    json = JSON.parse(output.toString());
  } catch {
    throw new UnacceptableMedia(INVALID_FILE_TYPE);
  }
  const { format, streams } = (json ?? {}) as { format?: Record<string, unknown>; streams?: unknown };
  if (!format || typeof format.format_name !== 'string' || !Array.isArray(streams))
    throw new UnacceptableMedia(INVALID_FILE_TYPE);
  return {
    formatName: format.format_name,
    duration: numberOr(format.duration),
    bitrate: numberOr(format.bit_rate) === null ? null : Math.floor(numberOr(format.bit_rate)!),
    streams: (streams as Array<Record<string, unknown>>).map((stream) => {
      const type = stream.codec_type;
      const cover = (stream.disposition as Record<string, unknown> | undefined)?.attached_pic === 1;
      const int = (value: unknown): number | null =>
        typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
      return {
        index: typeof stream.index === 'number' ? stream.index : -1,
        kind: type === 'video' ? (cover ? 'cover' : 'video') : type === 'audio' ? 'audio' : 'other',
        codec: typeof stream.codec_name === 'string' ? stream.codec_name : null,
        pixFmt: typeof stream.pix_fmt === 'string' ? stream.pix_fmt : null,
        width: int(stream.width),
        height: int(stream.height),
        frameRate: rational(stream.avg_frame_rate),
        baseFrameRate: rational(stream.r_frame_rate),
      };
    }),
  };
}

/**
 * Containers taken, by ffprobe's `format_name`, with the demuxer ffmpeg is then told to use (so
 * that it reads the file exactly as it was judged): Mastodon's video types (MP4, QuickTime, WebM,
 * Ogg) and audio types (WAV, Ogg, MP3, WebM, FLAC, AAC, M4A/MP4, 3GPP, ASF).
 */
const DEMUXERS: Readonly<Record<string, string>> = {
  'mov,mp4,m4a,3gp,3g2,mj2': 'mov',
  'matroska,webm': 'matroska',
  ogg: 'ogg',
  mp3: 'mp3',
  wav: 'wav',
  flac: 'flac',
  aac: 'aac',
  asf: 'asf',
};

/** Containers that hold sound only: a picture in one is album art. */
const AUDIO_ONLY = new Set(['mp3', 'wav', 'flac', 'aac']);

/** What a video or audio upload is, once taken. */
export interface Playable {
  /** Mastodon's type: a video without sound is a `gifv`. */
  readonly type: 'video' | 'gifv' | 'audio';
  /** The demuxer ffmpeg reads it with. */
  readonly demuxer: string;
  readonly video: ProbedStream | null;
  readonly audio: ProbedStream | null;
  /** Album art of an audio file, for its preview. */
  readonly cover: ProbedStream | null;
  readonly probe: Probe;
}

/** Whether a Matroska file says it is WebM (EBML DocType), as Mastodon takes WebM and not `.mkv`. */
export function isWebm(head: Buffer): boolean {
  return head.subarray(0, 64).includes(Buffer.from([0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d]));
}

/**
 * Takes a probed upload as Mastodon would, or refuses it with Mastodon's message: a container of
 * its lists with a video (checked against the frame size and rate caps) or a sound track. A video
 * without sound is a `gifv`, as Mastodon's transcoder decides.
 */
export function classify(probe: Probe, head: Buffer): Playable {
  const demuxer = DEMUXERS[probe.formatName];
  if (!demuxer || (demuxer === 'matroska' && !isWebm(head))) throw new UnacceptableMedia(INVALID_FILE_TYPE);
  const audio = probe.streams.find((stream) => stream.kind === 'audio') ?? null;
  const cover = probe.streams.find((stream) => stream.kind === 'cover') ?? null;
  const video = AUDIO_ONLY.has(demuxer)
    ? null
    : (probe.streams.find((stream) => stream.kind === 'video' && stream.width && stream.height) ?? null);
  if (video) {
    const width = video.width!;
    const height = video.height!;
    if (width * height > MEDIA_LIMITS.videoMatrixPixels)
      throw new UnacceptableMedia(`${width}x${height} videos are not supported`);
    const rate = video.frameRate ?? video.baseFrameRate;
    if (!rate) throw new UnacceptableMedia('Video has no video stream');
    const fps = Math.floor(rateOf(rate));
    if (fps > MEDIA_LIMITS.videoFrameRate) throw new UnacceptableMedia(`${fps}fps videos are not supported`);
    return { type: audio ? 'video' : 'gifv', demuxer, video, audio, cover: null, probe };
  }
  if (audio) return { type: 'audio', demuxer, video: null, audio, cover, probe };
  throw new UnacceptableMedia(INVALID_FILE_TYPE);
}

/**
 * Whether a video is stored as it came (streams copied into a fresh MP4, metadata dropped), as
 * Mastodon's VIDEO_PASSTHROUGH_OPTIONS: H.264 in yuv420p, with AAC sound or none. The caps were
 * checked when it was taken, and its size (at most 99 MB) bounds its bitrate.
 */
export function passesThrough(playable: Playable): boolean {
  const { video, audio } = playable;
  return (
    playable.type !== 'audio' &&
    video?.codec === 'h264' &&
    video.pixFmt === 'yuv420p' &&
    (audio === null || audio.codec === 'aac')
  );
}

/** Mastodon's "High" H.264 bits per pixel (Paperclip::Transcoder::BITS_PER_PIXEL). */
const BITS_PER_PIXEL = 0.11;
const AUDIO_BITRATE = 192_000;

/**
 * Mastodon's video bitrate: enough for the picture at 30 fps, but never more than would keep the
 * file within the video size limit over its duration (room left for the sound).
 */
export function videoBitrate(width: number, height: number, duration: number | null): number {
  const desired = Math.floor(width * height * 30 * BITS_PER_PIXEL);
  const maximum = Math.floor((MEDIA_LIMITS.videoBytes * 8) / Math.max(duration ?? 1, 1)) - AUDIO_BITRATE;
  return Math.max(64_000, Math.min(desired, maximum));
}

/** Arguments every ffmpeg run starts with: no stdin, no network (local files only), bounded threads. */
function inputArgs(input: string, demuxer: string, threads: number): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-filter_threads',
    String(threads),
    '-threads',
    String(threads),
    '-protocol_whitelist',
    'file,pipe',
    '-f',
    demuxer,
    '-i',
    `file:${input}`,
  ];
}

/** Leaves behind everything of the input but the streams mapped: tags, chapters, subtitles, data. */
const STRIPPED = ['-map_metadata', '-1', '-map_chapters', '-1', '-sn', '-dn'];

export interface VideoSource {
  /** The demuxer to read it with (`gif` for an animated GIF). */
  readonly demuxer: string;
  readonly video: ProbedStream;
  readonly audio: ProbedStream | null;
  readonly duration: number | null;
  /** Copy the streams rather than encode them. */
  readonly passthrough: boolean;
}

/**
 * ffmpeg's arguments making the stored MP4 of a video, gifv or animated GIF: the streams copied
 * when they can be (see {@link passesThrough}), else Mastodon's VIDEO_FORMAT: H.264 (yuv420p, even
 * dimensions cropped, never scaled, unless the picture is larger than the video cap, as a GIF may
 * be), AAC at 192 kb/s or no sound, the bitrate capped, at most 36,000 frames, the index first
 * (`+faststart`) so that playing can start before the download ends.
 */
export function videoArgs(source: VideoSource, input: string, output: string, threads: number): string[] {
  const { video, audio } = source;
  const maps = ['-map', `0:${video.index}`, ...(audio ? ['-map', `0:${audio.index}`] : [])];
  const tail = [...STRIPPED, '-movflags', '+faststart', '-f', 'mp4', '-y', `file:${output}`];
  if (source.passthrough)
    return [...inputArgs(input, source.demuxer, threads), ...maps, '-c', 'copy', ...tail];
  const width = video.width!;
  const height = video.height!;
  const pixels = width * height;
  const scale =
    pixels > MEDIA_LIMITS.videoMatrixPixels ? Math.sqrt(MEDIA_LIMITS.videoMatrixPixels / pixels) : 1;
  // Expressions of the input's size, so that a rotated phone video (turned before filtering) fits too.
  const filter =
    scale < 1
      ? `scale=trunc(iw*${scale.toFixed(6)}/2)*2:trunc(ih*${scale.toFixed(6)}/2)*2`
      : 'crop=trunc(iw/2)*2:trunc(ih/2)*2';
  const bitrate = videoBitrate(Math.floor(width * scale), Math.floor(height * scale), source.duration);
  const baseRate = video.baseFrameRate ? rateOf(video.baseFrameRate) : 0;
  return [
    ...inputArgs(input, source.demuxer, threads),
    ...maps,
    '-vf',
    filter,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-threads',
    String(threads),
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    String(bitrate),
    '-maxrate',
    String(bitrate + AUDIO_BITRATE),
    '-bufsize',
    String(bitrate * 5),
    '-frames:v',
    String(MEDIA_LIMITS.videoFrames),
    // A variable frame rate above the cap is kept variable rather than filled up to its base rate.
    ...(baseRate > MEDIA_LIMITS.videoFrameRate ? ['-fps_mode', 'vfr'] : []),
    ...(audio ? ['-c:a', 'aac', '-b:a', String(AUDIO_BITRATE)] : ['-an']),
    ...tail,
  ];
}

/**
 * ffmpeg's arguments making the stored MP3 of an audio upload (Mastodon's AUDIO_STYLES: LAME at
 * quality 2), the MP3 stream copied when it is one already; tags and album art left behind.
 */
export function audioArgs(playable: Playable, input: string, output: string, threads: number): string[] {
  const audio = playable.audio!;
  return [
    ...inputArgs(input, playable.demuxer, threads),
    '-map',
    `0:${audio.index}`,
    '-vn',
    ...(audio.codec === 'mp3'
      ? ['-c:a', 'copy']
      : ['-c:a', 'libmp3lame', '-q:a', '2', '-threads', String(threads)]),
    ...STRIPPED,
    '-id3v2_version',
    '0',
    '-f',
    'mp3',
    '-y',
    `file:${output}`,
  ];
}

/** ffmpeg's arguments writing one picture of a stream as PNG: a video's first frame, album art. */
export function frameArgs(
  input: string,
  demuxer: string,
  streamIndex: number,
  output: string,
  threads: number,
): string[] {
  return [
    ...inputArgs(input, demuxer, threads),
    '-map',
    `0:${streamIndex}`,
    '-frames:v',
    '1',
    '-c:v',
    'png',
    '-f',
    'image2',
    '-update',
    '1',
    '-y',
    `file:${output}`,
  ];
}

/**
 * `meta.original` of a stored video or audio file, as Mastodon's video_metadata: dimensions and
 * frame rate with a picture, duration (seconds) and bitrate.
 */
export function playableMeta(probe: Probe): NonNullable<MediaMeta['original']> {
  const video = probe.streams.find((stream) => stream.kind === 'video') ?? null;
  const frameRate = video ? (video.frameRate ?? video.baseFrameRate) : null;
  return {
    ...(video?.width && video.height ? { width: video.width, height: video.height } : {}),
    ...(frameRate ? { frame_rate: frameRate } : {}),
    ...(probe.duration !== null ? { duration: probe.duration } : {}),
    ...(probe.bitrate !== null ? { bitrate: probe.bitrate } : {}),
  };
}
