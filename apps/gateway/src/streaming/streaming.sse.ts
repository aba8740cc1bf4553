import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../auth/bearer-token';
import { toBool } from '../http/params';
import { paramsOf } from './stream-names';
import { StreamingEvents } from './streaming-events';

/** A response whose unsent data passes this is too slow to keep: it is ended, never buffered further. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Mastodon's heartbeat comment, so that proxies and clients see the connection alive. */
const HEARTBEAT_MS = 15_000;

/** Mastodon's server-sent event paths, under /api/v1/streaming, and the stream each reads. */
const STREAM_PATHS: Readonly<Record<string, string>> = {
  user: 'user',
  'user/notification': 'user:notification',
  public: 'public',
  'public/local': 'public:local',
  'public/remote': 'public:remote',
  hashtag: 'hashtag',
  'hashtag/local': 'hashtag:local',
  list: 'list',
  direct: 'direct',
};

/**
 * Mastodon's streaming API as server-sent events: one stream per `GET /api/v1/streaming/<path>`
 * (`?list=`, `?tag=`, `?only_media=` as Mastodon reads them), the user token in the
 * `Authorization` header or `access_token`. Refusals are plain HTTP answers with Mastodon's
 * statuses and `{"error": …}`; once accepted, the response is `text/event-stream`: `event:` and
 * `data:` lines per event, a `:thump` comment every 15 seconds. Which streams exist, who may read
 * them and what their events become is StreamingEvents', exactly as for the WebSocket.
 */
@Injectable()
export class StreamingSse implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly events: StreamingEvents,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    for (const [path, name] of Object.entries(STREAM_PATHS)) {
      fastify.get(`/api/v1/streaming/${path}`, (request, reply) => this.stream(request, reply, name));
    }
  }

  private async stream(request: FastifyRequest, reply: FastifyReply, stream: string): Promise<void> {
    const query = (request.query ?? {}) as Record<string, unknown>;
    // Mastodon's `?only_media=true` names the media variant of a public stream.
    const name = stream.startsWith('public') && toBool(query.only_media) ? `${stream}:media` : stream;
    const authenticated = await this.events.authenticate(bearerToken(request));
    if ('error' in authenticated)
      return void reply.status(authenticated.status).send({ error: authenticated.error });
    const response = reply.raw;
    // Events that come before the response starts wait for it, in order.
    const state: { pending?: string[]; heartbeat?: NodeJS.Timeout } = { pending: [] };
    const end = (): void => {
      clearInterval(state.heartbeat);
      this.events.close(session);
      if (!response.writableEnded) response.end();
    };
    const write = (text: string): void => {
      if (state.pending) state.pending.push(text);
      else if (response.writableLength > MAX_BUFFERED_BYTES) end();
      else response.write(text);
    };
    const session = this.events.open(authenticated, {
      // An event without a payload says `undefined`, as Mastodon's streaming server writes it.
      send: ({ event, payload }) => write(`event: ${event}\ndata: ${payload ?? 'undefined'}\n\n`),
      end,
    });
    const refusal = await this.events.subscribe(session, name, paramsOf(query));
    if (refusal || response.destroyed) {
      this.events.close(session);
      if (refusal) return void reply.status(refusal.status).send({ error: refusal.error });
      return;
    }
    // From here on the response is written by hand; the headers set so far (security, CORS) go with it.
    void reply.hijack();
    for (const [header, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) response.setHeader(header, value);
    // The connection ends with the stream: nothing is kept alive for another request after it.
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'close',
    });
    response.write(':)\n');
    for (const text of state.pending ?? []) response.write(text);
    state.pending = undefined;
    state.heartbeat = setInterval(() => write(':thump\n'), HEARTBEAT_MS);
    response.once('close', end);
  }
}
