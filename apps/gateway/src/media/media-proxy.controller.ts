import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import type { FastifyReply } from 'fastify';
import { Auth } from '../auth/auth.decorator';
import { Errors } from '../http/errors';
import { isId } from '../http/params';

/**
 * Mastodon's media proxy (`/media_proxy/:id/:style`): the link a remote attachment has while its
 * file is not cached here. The media service fetches it now if it may (through the guarded client,
 * at most once every few minutes), and the answer redirects to the cached file; a file that cannot
 * be had (its domain's media rejected, its server away, not media at all) is 404.
 */
@Controller()
export class MediaProxyController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Get('media_proxy/:id/:style')
  @Auth.none()
  async proxy(
    @Param('id') id: string,
    @Param('style') style: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!isId(id) || (style !== 'original' && style !== 'small')) throw Errors.notFound();
    const { attachment } = await this.bus.request(contracts.media.remote.fetch, { id });
    const target = style === 'original' ? attachment.url : attachment.previewUrl;
    if (!target || new URL(target).pathname.startsWith('/media_proxy/')) throw Errors.notFound();
    await reply.header('cache-control', 'public, max-age=600').redirect(target, 302);
  }
}
