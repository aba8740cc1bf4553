import { Controller, Get, Head, Inject, Post, Req, Res } from '@nestjs/common';
import { contracts, type RawHttpRequest } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Auth } from '../auth/auth.decorator';

/** Node's headers as federation reads them: lower-cased names, repeated values joined. */
function rawHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * The ActivityPub and discovery routes: passed to the federation service as they arrived (method,
 * path and query, headers, body), and its answer sent back as it is. The gateway reads nothing of
 * them: signatures are federation's to verify, on exactly what a peer sent, and the discovery
 * documents (WebFinger, host-meta, NodeInfo) are federation's to answer.
 */
@Controller()
export class FederationProxyController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Get([
    '.well-known/webfinger',
    '.well-known/host-meta',
    '.well-known/host-meta.json',
    '.well-known/nodeinfo',
    'nodeinfo/2.0',
    'nodeinfo/2.1',
  ])
  @Head([
    '.well-known/webfinger',
    '.well-known/host-meta',
    '.well-known/host-meta.json',
    '.well-known/nodeinfo',
    'nodeinfo/2.0',
    'nodeinfo/2.1',
  ])
  @Auth.none()
  async discovery(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forward(request, reply);
  }

  @Get('users/:username')
  @Head('users/:username')
  @Auth.none()
  async actor(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forward(request, reply);
  }

  @Get('actor')
  @Head('actor')
  @Auth.none()
  async instanceActor(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forward(request, reply);
  }

  // Fastify answers HEAD for these GET routes itself.
  @Get(['users/:username/statuses/:id', 'users/:username/statuses/:id/activity'])
  @Auth.none()
  async status(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forward(request, reply);
  }

  // Fastify answers HEAD for these GET routes itself.
  @Get([
    'users/:username/outbox',
    'users/:username/followers',
    'users/:username/following',
    'users/:username/collections/featured',
    'users/:username/collections/tags',
  ])
  @Auth.none()
  async collection(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forward(request, reply);
  }

  @Post(['users/:username/inbox', 'actor/inbox'])
  @Auth.none()
  async inbox(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forward(request, reply);
  }

  @Post('inbox')
  @Auth.none()
  async sharedInbox(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forward(request, reply);
  }

  private async forward(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let body: string | null = null;
    if (request.method === 'POST') {
      // Only ActivityStreams bodies are kept as bytes (activityBodyParser): anything else was
      // parsed already, and a signature cannot be checked on what was not received as it is.
      if (!Buffer.isBuffer(request.body)) {
        void reply.status(415).send({ error: 'Activities are sent as application/activity+json' });
        return;
      }
      body = request.body.toString('base64');
    }
    const raw: RawHttpRequest = {
      method: request.method as RawHttpRequest['method'],
      target: request.url,
      headers: rawHeaders(request),
      body,
    };
    const answer = await this.bus.request(contracts.federation.http.handle, raw);
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  }
}
