import { Controller, Get, Head, Inject, Req, Res } from '@nestjs/common';
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
 * The ActivityPub routes: passed to the federation service as they arrived (method, path and query,
 * headers, body), and its answer sent back as it is. The gateway reads nothing of them: signatures
 * are federation's to verify, on exactly what a peer sent.
 */
@Controller()
export class FederationProxyController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Get('users/:username')
  @Head('users/:username')
  @Auth.none()
  async actor(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forward(request, reply);
  }

  private async forward(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const raw: RawHttpRequest = {
      method: request.method as RawHttpRequest['method'],
      target: request.url,
      headers: rawHeaders(request),
      body: null,
    };
    const answer = await this.bus.request(contracts.federation.http.handle, raw);
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  }
}
