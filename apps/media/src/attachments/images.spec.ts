import { MEDIA_LIMITS } from '@mammut/contracts';
import { isBlurhashValid } from 'blurhash';
import sharp from 'sharp';
import {
  fitWithin,
  INVALID_FILE_TYPE,
  inspectImage,
  processImage,
  UnacceptableMedia,
  UndecodableMedia,
} from './images';
import {
  HTML_PAYLOAD,
  orientedJpeg,
  pngClaimingSize,
  SVG_WITH_SCRIPT,
  truncatedPng,
  twoToneImage,
} from './test-images';

/** The colour of one pixel of an encoded image. */
async function pixel(bytes: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at], data[at + 1], data[at + 2]];
}

const refusal = (bytes: Buffer): Promise<unknown> =>
  inspectImage(bytes).then(
    () => null,
    (error: unknown) => error,
  );

describe('media images', () => {
  it('knows an image by its bytes, whatever it is called', async () => {
    expect(await inspectImage(await twoToneImage(20, 10, 'png'))).toMatchObject({
      format: 'png',
      width: 20,
      height: 10,
      output: 'png',
    });
    expect(await inspectImage(await twoToneImage(20, 10, 'jpeg'))).toMatchObject({ output: 'jpeg' });
    expect(await inspectImage(await twoToneImage(20, 10, 'webp'))).toMatchObject({ output: 'webp' });
    // A GIF is kept as a still image for now.
    expect(await inspectImage(await twoToneImage(20, 10, 'gif'))).toMatchObject({
      format: 'gif',
      output: 'png',
    });
  });

  it('refuses SVG, HTML, PDF, text and empty files as Mastodon does', async () => {
    for (const bytes of [
      SVG_WITH_SCRIPT,
      Buffer.from(HTML_PAYLOAD),
      Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF'),
      Buffer.from('just some text, named x.jpg'),
      Buffer.alloc(0),
    ]) {
      const error = await refusal(bytes);
      expect(error).toBeInstanceOf(UnacceptableMedia);
      expect((error as Error).message).toBe(INVALID_FILE_TYPE);
    }
  });

  it('refuses a decompression bomb from its header, before decoding anything', async () => {
    const bomb = pngClaimingSize(20_000, 20_000);
    expect(bomb.length).toBeLessThan(100);
    const error = await refusal(bomb);
    expect(error).toBeInstanceOf(UnacceptableMedia);
    expect((error as Error).message).toBe('20000x20000 images are not supported');
    // 7680×4320 exactly is still taken.
    expect(await inspectImage(pngClaimingSize(7680, 4320))).toMatchObject({ width: 7680 });
  });

  it('applies the EXIF orientation, then drops every piece of metadata', async () => {
    const jpeg = await orientedJpeg(40, 20);
    const before = await sharp(jpeg).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif).toBeDefined();
    expect(jpeg.includes(Buffer.from('MammutCam'))).toBe(true);

    const processed = await processImage(jpeg, await inspectImage(jpeg));
    for (const style of [processed.original, processed.small]) {
      const after = await sharp(style.bytes).metadata();
      expect([after.width, after.height]).toEqual([20, 40]);
      expect(after.format).toBe('jpeg');
      expect(after.orientation).toBeUndefined();
      expect(after.exif).toBeUndefined();
      expect(after.xmp).toBeUndefined();
      expect(after.iptc).toBeUndefined();
      expect(style.bytes.includes(Buffer.from('MammutCam'))).toBe(false);
    }
    // Turned a quarter clockwise, the left (red) half is on top.
    const [r1, , b1] = await pixel(processed.original.bytes, 10, 2);
    const [r2, , b2] = await pixel(processed.original.bytes, 10, 37);
    expect(r1).toBeGreaterThan(200);
    expect(b1).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
    expect(r2).toBeLessThan(60);
  });

  it("shrinks the original and the preview within Mastodon's caps, and computes a blurhash", async () => {
    const png = await twoToneImage(4000, 2500, 'png');
    const processed = await processImage(png, await inspectImage(png));
    const { original, small } = processed;
    expect(original.width * original.height).toBeLessThanOrEqual(MEDIA_LIMITS.originalPixels);
    expect(original.width * original.height).toBeGreaterThan(MEDIA_LIMITS.originalPixels * 0.99);
    expect(small.width * small.height).toBeLessThanOrEqual(MEDIA_LIMITS.smallPixels);
    expect(Math.abs(original.width / original.height - 1.6)).toBeLessThan(0.01);
    expect(Math.abs(small.width / small.height - 1.6)).toBeLessThan(0.01);
    expect((await sharp(original.bytes).metadata()).width).toBe(original.width);
    expect(isBlurhashValid(processed.blurhash)).toEqual({ result: true });
    expect(processed.blurhash).toHaveLength(36);
  });

  it('re-encodes, so that nothing appended to the image survives', async () => {
    const polyglot = Buffer.concat([await twoToneImage(30, 30, 'png'), Buffer.from(HTML_PAYLOAD)]);
    const processed = await processImage(polyglot, await inspectImage(polyglot));
    expect(processed.original.bytes.includes(Buffer.from('<script>'))).toBe(false);
    expect(processed.small.bytes.includes(Buffer.from('<script>'))).toBe(false);
  });

  it('fails a file whose header reads fine but whose pixels cannot be decoded', async () => {
    const cut = await truncatedPng();
    const inspected = await inspectImage(cut);
    expect(inspected.format).toBe('png');
    await expect(processImage(cut, inspected)).rejects.toBeInstanceOf(UndecodableMedia);
  });

  it('keeps a small image as it is, and fits a large one by its pixel count', () => {
    expect(fitWithin(640, 360, MEDIA_LIMITS.smallPixels)).toEqual({ width: 640, height: 360 });
    expect(fitWithin(1280, 720, MEDIA_LIMITS.smallPixels)).toEqual({ width: 640, height: 360 });
    expect(fitWithin(7680, 4320, MEDIA_LIMITS.originalPixels)).toEqual({ width: 3840, height: 2160 });
  });
});
