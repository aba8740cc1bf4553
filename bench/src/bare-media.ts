import { encode } from 'blurhash';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { MEDIA_LIMITS } from '@mammut/contracts';

/**
 * The `media` scenario's baseline: `node bare-media.js <jpeg> <seconds> <concurrency>` processes
 * the same file over and over with nothing but sharp and blurhash, as the media service's image
 * path does (EXIF orientation applied, the original kept within 3840×2160 worth of pixels and
 * re-encoded as JPEG quality 90 with mozjpeg, a preview within 640×360 made from it, the blurhash
 * of a 32 px wide thumbnail of the preview), `concurrency` files at a time as the service's
 * processing worker takes its jobs; no HTTP, no storage, no database, no queue. Warms up for 2 s,
 * then prints one JSON line: files processed, seconds, and each file's milliseconds.
 */
async function main(): Promise<void> {
  const [path, seconds, concurrency] = process.argv.slice(2);
  const bytes = readFileSync(path);
  await run(bytes, 2, Number(concurrency));
  const started = performance.now();
  const times = await run(bytes, Number(seconds), Number(concurrency));
  process.stdout.write(
    `${JSON.stringify({ processed: times.length, seconds: (performance.now() - started) / 1000, times })}\n`,
  );
}

async function run(bytes: Buffer, seconds: number, concurrency: number): Promise<number[]> {
  const until = performance.now() + seconds * 1000;
  const times: number[] = [];
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      const started = performance.now();
      await processOnce(bytes);
      times.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return times;
}

const fit = (width: number, height: number, pixels: number): { width: number; height: number } => {
  if (width * height <= pixels) return { width, height };
  const scale = Math.sqrt(pixels / (width * height));
  return { width: Math.floor(width * scale), height: Math.floor(height * scale) };
};

async function processOnce(bytes: Buffer): Promise<void> {
  const input = sharp(bytes, { autoOrient: true });
  const oriented = (await input.metadata()).autoOrient;
  const big = fit(oriented.width, oriented.height, MEDIA_LIMITS.originalPixels);
  const original = await input
    .resize({ ...big, fit: 'fill' })
    .jpeg({ quality: 90, mozjpeg: true })
    .toBuffer({ resolveWithObject: true });
  const preview = fit(original.info.width, original.info.height, MEDIA_LIMITS.smallPixels);
  const small = await sharp(original.data)
    .resize({ ...preview, fit: 'fill' })
    .jpeg({ quality: 90, mozjpeg: true })
    .toBuffer({ resolveWithObject: true });
  const thumb = { width: 32, height: Math.max(1, Math.round((32 * small.info.height) / small.info.width)) };
  const { data, info } = await sharp(small.data)
    .resize({ ...thumb, fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  encode(new Uint8ClampedArray(data), info.width, info.height, 4, 4);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
