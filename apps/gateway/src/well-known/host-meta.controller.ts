import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { CONFIG, type Config } from '@mammut/platform';
import type { FastifyReply } from 'fastify';
import { Auth } from '../auth/auth.decorator';

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * host-meta (RFC 6415): where WebFinger lives. Peers fall back to it when the handle's domain does
 * not answer WebFinger itself; Phanpy reads the template's host to find the API host.
 */
@Controller('.well-known')
export class HostMetaController {
  constructor(@Inject(CONFIG) private readonly config: Config) {}

  private get template(): string {
    return `${this.config.publicOrigin}/.well-known/webfinger?resource={uri}`;
  }

  @Get('host-meta')
  @Auth.none()
  hostMeta(@Headers('accept') accept: string | undefined, @Res() reply: FastifyReply): void {
    // XML unless JSON is asked for and XML is not, as Mastodon's respond_to does.
    if (accept && /json/i.test(accept) && !/xml/i.test(accept)) return this.json(reply);
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n' +
      `  <Link rel="lrdd" template="${escapeXml(this.template)}"/>\n` +
      '</XRD>\n';
    void reply
      .header('content-type', 'application/xrd+xml; charset=utf-8')
      .header('cache-control', 'public, max-age=259200')
      .send(xml);
  }

  @Get('host-meta.json')
  @Auth.none()
  hostMetaJson(@Res() reply: FastifyReply): void {
    this.json(reply);
  }

  private json(reply: FastifyReply): void {
    void reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-control', 'public, max-age=259200')
      .send(JSON.stringify({ links: [{ rel: 'lrdd', template: this.template }] }));
  }
}
