import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { imageHeaders } from '../http/security-headers';
import { Auth } from '../auth/auth.decorator';
import { Errors } from '../http/errors';
import { ICON_SIZES } from './instance-facts';
import { solidPng } from './solid-png';

/** Mastodon's brand purple, so the default images look intentional in client account pickers. */
const COLOUR = [0x56, 0x3a, 0xcc] as const;
const images = new Map<string, Buffer>();

/** Generated once per size and kept: a few KB each. */
function image(width: number, height: number): Buffer {
  const key = `${width}x${height}`;
  let png = images.get(key);
  if (!png) {
    png = solidPng(width, height, COLOUR);
    images.set(key, png);
  }
  return png;
}

function sendPng(reply: FastifyReply, png: Buffer): void {
  void imageHeaders(reply)
    .status(200)
    .header('content-type', 'image/png')
    .header('cache-control', 'public, max-age=86400')
    .send(png);
}

/** The default thumbnail and icons `/api/v2/instance` points to, until an operator can upload their own. */
@Controller('instance')
export class InstanceAssetsController {
  @Get('thumbnail.png')
  @Auth.none()
  thumbnail(@Res() reply: FastifyReply): void {
    // Mastodon's default preview is 1200×630 (the Open Graph size); half of it is plenty for one colour.
    sendPng(reply, image(600, 315));
  }

  @Get('icons/:file')
  @Auth.none()
  icon(@Param('file') file: string, @Res() reply: FastifyReply): void {
    const size = Number(/^(\d{2,3})\.png$/.exec(file)?.[1]);
    if (!ICON_SIZES.some((known) => known === size)) throw Errors.notFound();
    sendPng(reply, image(size, size));
  }
}
