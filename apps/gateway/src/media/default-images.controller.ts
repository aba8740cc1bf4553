import { Controller, Get, Headers, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { imageHeaders } from '../http/security-headers';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Auth } from '../auth/auth.decorator';

interface Image {
  readonly png: Buffer;
  readonly etag: string;
}

const images = new Map<string, Image>();

/** The committed PNG (scripts/default-images.mjs), read once; the build copies it beside this file. */
function image(file: string): Image {
  let found = images.get(file);
  if (!found) {
    const png = readFileSync(join(__dirname, file));
    found = { png, etag: `"${createHash('sha256').update(png).digest('base64url').slice(0, 22)}"` };
    images.set(file, found);
  }
  return found;
}

/**
 * The default avatar and header every account without its own points to (the serializer's
 * `missing.png` URLs, as Mastodon's). Cached as Mastodon's nginx caches its static images, with an
 * ETag so that a revalidation is a 304; never sniffed as anything but a PNG.
 */
@Controller()
export class DefaultImagesController {
  @Get('avatars/original/missing.png')
  @Auth.none()
  avatar(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    send(reply, image('missing-avatar.png'), ifNoneMatch);
  }

  @Get('headers/original/missing.png')
  @Auth.none()
  header(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    send(reply, image('missing-header.png'), ifNoneMatch);
  }
}

function send(reply: FastifyReply, { png, etag }: Image, ifNoneMatch: string | undefined): void {
  void imageHeaders(reply)
    .header('cache-control', 'public, max-age=2419200, must-revalidate')
    .header('etag', etag);
  if (ifNoneMatch?.split(',').some((tag) => tag.trim() === etag)) {
    void reply.status(304).send();
    return;
  }
  void reply.status(200).header('content-type', 'image/png').send(png);
}
