import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** Test images, made by sharp when a test runs (unit and end-to-end): no binary fixture is committed. */

/** A `width`×`height` image, left half red and right half blue, in `format`. */
export function twoToneImage(
  width: number,
  height: number,
  format: 'png' | 'jpeg' | 'webp' | 'gif' = 'png',
): Promise<Buffer> {
  const half = Math.floor(width / 2);
  return sharp({ create: { width, height, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .composite([
      {
        input: { create: { width: width - half, height, channels: 3, background: { r: 0, g: 0, b: 255 } } },
        left: half,
        top: 0,
      },
    ])
    .toFormat(format)
    .toBuffer();
}

/**
 * A JPEG whose EXIF says to turn it a quarter clockwise (orientation 6) before showing it, and
 * which tells where it was taken (GPS) and with what: everything processing must apply or drop.
 */
export function orientedJpeg(width: number, height: number): Promise<Buffer> {
  return twoToneImage(width, height, 'png').then((png) =>
    sharp(png)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({
        IFD0: { Make: 'MammutCam', Model: 'Test' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' },
      })
      .toBuffer(),
  );
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A PNG of a few dozen bytes whose header claims `width`×`height` pixels (a decompression bomb's
 * header: decoding it would need gigabytes). Its pixel data is one empty zlib stream.
 */
export function pngClaimingSize(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An SVG that would run script where it is shown as a document. */
export const SVG_WITH_SCRIPT = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script>' +
    '<rect width="10" height="10" fill="red"/></svg>',
);

/** What is appended to a PNG to make it a polyglot: an HTML page after the image's end. */
export const HTML_PAYLOAD = '<html><body><script>alert("polyglot")</script></body></html>';

/** A PNG cut in half: its header reads fine, its pixels cannot be decoded. */
export async function truncatedPng(): Promise<Buffer> {
  const png = await sharp({
    create: {
      width: 300,
      height: 300,
      channels: 3,
      background: { r: 0, g: 0, b: 0 },
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .png()
    .toBuffer();
  return png.subarray(0, Math.floor(png.length / 2));
}
