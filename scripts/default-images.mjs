// `node scripts/default-images.mjs`: writes the default avatar and header PNGs the gateway serves at
// /avatars/original/missing.png and /headers/original/missing.png (the URLs the API gives accounts
// without images). Plain grey, at Mastodon's sizes; committed, so this runs only to change them.
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit greyscale PNG of one shade. */
function greyPng(width, height, shade) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: greyscale
  const row = Buffer.alloc(1 + width, shade);
  row[0] = 0; // filter: none
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const dir = 'apps/gateway/src/media';
writeFileSync(`${dir}/missing-avatar.png`, greyPng(400, 400, 0xb0));
writeFileSync(`${dir}/missing-header.png`, greyPng(1500, 500, 0xd0));
console.log(`wrote ${dir}/missing-avatar.png and ${dir}/missing-header.png`);
