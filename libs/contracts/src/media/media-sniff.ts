import { MEDIA_LIMITS } from './media.contracts';

/**
 * What the first bytes of an upload say it is, roughly: enough to pick a size cap while it
 * streams in, never enough to take it (the media service reads the whole file for that).
 * `image`: a raster image container (JPEG, PNG, GIF, WebP, TIFF, HEIF/AVIF); `playable`: a video or
 * audio container of Mastodon's lists (MP4/QuickTime/3GP, WebM, Ogg, MP3, WAV, FLAC, AAC, ASF);
 * `unknown`: anything else.
 */
export type SniffedMedia = 'image' | 'playable' | 'unknown';

/** Bytes {@link sniffMedia} needs at most (it looks at fewer). */
export const SNIFF_BYTES = 64;

/** ISO base media brands of HEIF images (HEVC or AV1 stills and sequences of stills). */
const IMAGE_BRANDS = new Set([
  'heic',
  'heix',
  'hevc',
  'hevx',
  'heim',
  'heis',
  'mif1',
  'msf1',
  'avif',
  'avis',
]);

const ascii = (head: Buffer, start: number, end: number): string =>
  head.subarray(start, end).toString('latin1');

const startsWith = (head: Buffer, bytes: readonly number[], at = 0): boolean =>
  head.length >= at + bytes.length && bytes.every((byte, i) => head[at + i] === byte);

export function sniffMedia(head: Buffer): SniffedMedia {
  if (head.length < 4) return 'unknown';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return 'image';
  if (ascii(head, 0, 4) === 'GIF8') return 'image';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'image';
  if (ascii(head, 0, 4) === 'RIFF' && head.length >= 12) {
    const form = ascii(head, 8, 12);
    if (form === 'WEBP') return 'image';
    if (form === 'WAVE') return 'playable';
    return 'unknown';
  }
  // An ISO base media file: its major brand tells a HEIF/AVIF image from an MP4, M4A, MOV or 3GP.
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp')
    return IMAGE_BRANDS.has(ascii(head, 8, 12)) ? 'image' : 'playable';
  // QuickTime files older than `ftyp` open with another top-level atom.
  if (head.length >= 8 && ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(ascii(head, 4, 8)))
    return 'playable';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'playable';
  if (['OggS', 'fLaC'].includes(ascii(head, 0, 4)) || ascii(head, 0, 3) === 'ID3') return 'playable';
  // ASF (WMA, WMV): its header object's GUID.
  if (startsWith(head, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) return 'playable';
  // An MPEG audio frame (MP3 without tags) or an ADTS AAC frame: eleven or twelve sync bits.
  if (head[0] === 0xff && (head[1] & 0xe0) === 0xe0) return 'playable';
  return 'unknown';
}

/**
 * The largest upload taken for what its first bytes say it is: Mastodon's video limit for video and
 * audio, the image limit for images and for anything unrecognised (refused later in any case, so
 * never worth 99 MB of storage).
 */
export function uploadCapOf(head: Buffer): number {
  return sniffMedia(head) === 'playable' ? MEDIA_LIMITS.videoBytes : MEDIA_LIMITS.imageBytes;
}
