import { Controller, Get, Headers, Inject, Req, Res } from '@nestjs/common';
import {
  type ByteRange,
  CONFIG,
  type Config,
  isPublicMediaKey,
  MEDIA_PUBLIC_PREFIX,
  MEDIA_STORAGE,
  type MediaStorage,
} from '@mammut/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Auth } from '../auth/auth.decorator';
import { Errors } from '../http/errors';
import { imageHeaders } from '../http/security-headers';

/**
 * The storage key a request names, read from the URL exactly as sent: anything percent-encoded
 * (an encoded slash or dot could otherwise name another path once decoded), a key that is not a
 * processed attachment's (`tmp/` uploads are never served) or any `.`/`..` segment is no key.
 */
export function keyOfRequestUrl(url: string): string | undefined {
  const path = url.split(/[?#]/, 1)[0];
  if (!path.startsWith(MEDIA_PUBLIC_PREFIX) || path.includes('%') || path.includes('\\')) return undefined;
  const key = path.slice(MEDIA_PUBLIC_PREFIX.length);
  return isPublicMediaKey(key) ? key : undefined;
}

/**
 * One range of `Range: bytes=…` within a file of `size` bytes: undefined for no range (or a form
 * this server does not take, such as several ranges: the whole file is answered then), null when
 * it cannot be satisfied (416).
 */
export function rangeOf(header: string | undefined, size: number): ByteRange | null | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    // The last n bytes.
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return null;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return null;
  return { start, end };
}

/**
 * Stored media at their public path (`/system/media_attachments/files/…`), as Mastodon's nginx
 * serves them: the type the media service stored them as and never sniffed, no script or plugin
 * even when opened directly (a sandboxing CSP), cached for a year (a key is never reused), and
 * byte ranges for players and resumed downloads. Anything unknown is 404. When the storage names
 * another place for a file (a presigned GET into a private bucket), the answer is a redirect there,
 * after the same checks.
 */
@Controller()
export class MediaFilesController {
  /** How long a reader may reuse a redirect: half the life of a presigned URL, so it still works. */
  private readonly redirectCacheSeconds: number;

  constructor(
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @Inject(CONFIG) config: Config,
  ) {
    this.redirectCacheSeconds = Math.floor((config.media.s3?.presignedSeconds ?? 0) / 2);
  }

  @Get('system/*')
  @Auth.none()
  async serve(
    @Req() request: FastifyRequest,
    @Headers('range') rangeHeader: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const key = keyOfRequestUrl(request.url);
    const info = key ? await this.storage.stat(key) : null;
    if (!key || !info) throw Errors.notFound();
    const elsewhere = await this.storage.redirectUrlOf(key);
    if (elsewhere !== undefined) {
      // A bucket serves the bytes (ranges included): a presigned URL, cached for less than it lives.
      void reply
        .status(302)
        .header('location', elsewhere)
        .header('cache-control', `private, max-age=${this.redirectCacheSeconds}`)
        .send();
      return;
    }
    void imageHeaders(reply)
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('accept-ranges', 'bytes');
    const range = rangeOf(rangeHeader, info.size);
    if (range === null) {
      void reply.status(416).header('content-range', `bytes */${info.size}`).send();
      return;
    }
    const file = await this.storage.read(key, range);
    if (!file) throw Errors.notFound();
    void reply.header('content-type', file.contentType);
    if (range) {
      void reply
        .status(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${info.size}`)
        .header('content-length', String(range.end - range.start + 1));
    } else {
      void reply.status(200).header('content-length', String(info.size));
    }
    void reply.send(file.stream);
  }
}
