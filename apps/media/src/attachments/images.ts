import { MEDIA_LIMITS, type MediaMeta } from '@mammut/contracts';
import { encode as encodeBlurhash } from 'blurhash';
import sharp, { type Metadata, type Sharp } from 'sharp';

/** Mastodon's answer for a file that is not an image it takes (a failed content type validation). */
export const INVALID_FILE_TYPE = 'Validation failed: File content type is invalid, File is invalid';

/** A file refused before anything was stored: not media this server takes, or too large. */
export class UnacceptableMedia extends Error {
  override name = 'UnacceptableMedia';
}

/** A file that looked right from its header but could not be decoded: retrying cannot help. */
export class UndecodableMedia extends Error {
  override name = 'UndecodableMedia';
}

type OutputFormat = 'jpeg' | 'png' | 'webp';

/** What an upload is, from its bytes. */
export interface InspectedImage {
  /** sharp's name of the format read (`jpeg`, `png`, `webp`, `gif`, `tiff`, `heif`). */
  readonly format: string;
  /** Pixels as stored, before orientation. */
  readonly width: number;
  readonly height: number;
  /** What it is stored as: a still GIF as PNG, TIFF and AVIF as PNG or JPEG, HEIC as JPEG. */
  readonly output: OutputFormat;
  /** Frames (pages) of a GIF; more than one makes it a `gifv`. */
  readonly frames: number;
  /** HEIF with HEVC pictures (HEIC): turned into JPEG by heif-convert before anything else. */
  readonly heic: boolean;
}

/** One processed style: the encoded bytes and its dimensions. */
export interface ProcessedStyle {
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
}

export interface ProcessedImage {
  readonly original: ProcessedStyle;
  readonly small: ProcessedStyle;
  readonly output: OutputFormat;
  readonly blurhash: string;
}

export const EXTENSIONS: Readonly<Record<OutputFormat, string>> = { jpeg: 'jpg', png: 'png', webp: 'webp' };
export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/**
 * The raster formats taken, by what sharp reads in the header. SVG (a document that may carry
 * script), PDF and everything sharp does not read as a raster image are refused; HEIF as AVIF
 * (AV1), which the bundled libvips decodes, or as HEIC (HEVC), which heif-convert makes a JPEG.
 */
function outputFor(
  format: string | undefined,
  compression: string | undefined,
  alpha: boolean,
): OutputFormat | null {
  switch (format) {
    case 'jpeg':
    case 'png':
    case 'webp':
      return format;
    case 'gif':
      return 'png';
    case 'tiff':
      return alpha ? 'png' : 'jpeg';
    case 'heif':
      if (compression === 'hevc') return 'jpeg';
      return compression === 'av1' ? (alpha ? 'png' : 'jpeg') : null;
    case undefined:
    default:
      return null;
  }
}

/**
 * Reads what an upload is from its header alone (no pixels are decoded): its format, never the
 * name or type the client gave, and its size, refused past Mastodon's 7680×4320 before anything
 * could decode it (a small file may claim a huge image: a decompression bomb).
 */
export async function inspectImage(bytes: Buffer): Promise<InspectedImage> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false, pages: 1 }).metadata();
  } catch {
    throw new UnacceptableMedia(INVALID_FILE_TYPE);
  }
  const output = outputFor(metadata.format, metadata.compression, metadata.hasAlpha ?? false);
  const { width, height } = metadata;
  if (!output || !width || !height) throw new UnacceptableMedia(INVALID_FILE_TYPE);
  if (width * height > MEDIA_LIMITS.imageMatrixPixels)
    throw new UnacceptableMedia(`${width}x${height} images are not supported`);
  const frames = metadata.format === 'gif' ? (metadata.pages ?? 1) : 1;
  return { format: metadata.format, width, height, output, frames, heic: metadata.compression === 'hevc' };
}

/** The largest size with the same aspect within `pixels`; the size itself when it fits. */
export function fitWithin(width: number, height: number, pixels: number): { width: number; height: number } {
  if (width * height <= pixels) return { width, height };
  const scale = Math.sqrt(pixels / (width * height));
  return {
    width: Math.max(1, Math.floor(width * scale)),
    height: Math.max(1, Math.floor(height * scale)),
  };
}

/** An image encoded as `output`, with the qualities every stored style uses. */
export function encoded(image: Sharp, output: OutputFormat): Sharp {
  switch (output) {
    case 'jpeg':
      return image.jpeg({ quality: 90, mozjpeg: true });
    case 'png':
      return image.png();
    case 'webp':
      return image.webp({ quality: 90 });
  }
}

async function style(
  image: Sharp,
  width: number,
  height: number,
  output: OutputFormat,
): Promise<ProcessedStyle> {
  const { data, info } = await encoded(image.resize({ width, height, fit: 'fill' }), output).toBuffer({
    resolveWithObject: true,
  });
  return { bytes: data, width: info.width, height: info.height };
}

/**
 * Makes the stored files of an inspected upload, as Mastodon's image styles: EXIF orientation
 * applied, then every piece of metadata dropped (EXIF, GPS, ICC after conversion to sRGB, XMP:
 * sharp keeps none unless asked) and the pixels re-encoded, which also leaves behind anything
 * appended to or hidden in the file (a polyglot); the original shrunk to 3840×2160 worth of
 * pixels, the preview to 640×360, and the blurhash (4×4 components) of a 32 px wide thumbnail.
 */
export async function processImage(bytes: Buffer, inspected: InspectedImage): Promise<ProcessedImage> {
  try {
    const input = sharp(bytes, {
      limitInputPixels: MEDIA_LIMITS.imageMatrixPixels,
      failOn: 'error',
      pages: 1,
      autoOrient: true,
    });
    const oriented = (await input.metadata()).autoOrient;
    const target = fitWithin(oriented.width, oriented.height, MEDIA_LIMITS.originalPixels);
    const original = await style(input, target.width, target.height, inspected.output);
    const preview = fitWithin(original.width, original.height, MEDIA_LIMITS.smallPixels);
    const small = await style(sharp(original.bytes), preview.width, preview.height, inspected.output);
    return { original, small, output: inspected.output, blurhash: await blurhashOf(small) };
  } catch (error) {
    throw new UndecodableMedia(error instanceof Error ? error.message : String(error));
  }
}

/** Mastodon's blurhash options: 4×4 components, from a small raw RGBA thumbnail. */
export async function blurhashOf(image: ProcessedStyle): Promise<string> {
  const width = Math.min(32, image.width);
  const height = Math.max(1, Math.round((width * image.height) / image.width));
  const { data, info } = await sharp(image.bytes)
    .resize({ width, height, fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return encodeBlurhash(new Uint8ClampedArray(data), info.width, info.height, 4, 4);
}

/** `meta.original` / `meta.small`: Mastodon's dimensions of a style. */
export function dimensionsOf({ width, height }: ProcessedStyle): NonNullable<MediaMeta['small']> {
  return { width, height, size: `${width}x${height}`, aspect: width / height };
}
