import sharp from 'sharp';

export const PHOTO_WIDTH = 1600;
export const PHOTO_HEIGHT = 1200;

/**
 * A 1600×1200 JPEG as a camera or phone would send one, made here rather than kept as a fixture:
 * smooth gradients and soft shapes with a little grain (a flat image would compress to nothing and
 * decode faster than any photo; pure noise would be far larger than one), quality 85 with 4:2:0
 * chroma, about a few hundred kilobytes. The same bytes for every run (no randomness).
 */
export async function makePhoto(): Promise<Buffer> {
  const channels = 3;
  const pixels = Buffer.alloc(PHOTO_WIDTH * PHOTO_HEIGHT * channels);
  let seed = 12345;
  const grain = (): number => {
    // A small linear congruential generator: deterministic grain of ±8.
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed % 17) - 8;
  };
  for (let y = 0; y < PHOTO_HEIGHT; y += 1) {
    for (let x = 0; x < PHOTO_WIDTH; x += 1) {
      const i = (y * PHOTO_WIDTH + x) * channels;
      const sky = y / PHOTO_HEIGHT;
      const hill = Math.sin(x / 97) * 40 + Math.sin(x / 23 + y / 41) * 25;
      const sun = Math.max(0, 120 - Math.hypot(x - 1150, y - 300) / 3);
      pixels[i] = clamp(60 + sky * 120 + sun + hill / 2 + grain());
      pixels[i + 1] = clamp(110 + Math.cos(y / 53) * 30 + hill + grain());
      pixels[i + 2] = clamp(200 - sky * 110 + Math.sin((x + y) / 71) * 20 + grain());
    }
  }
  return sharp(pixels, { raw: { width: PHOTO_WIDTH, height: PHOTO_HEIGHT, channels } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

const clamp = (value: number): number => Math.max(0, Math.min(255, Math.round(value)));
