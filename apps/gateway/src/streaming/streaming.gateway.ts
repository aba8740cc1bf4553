import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { bearerToken } from '../auth/bearer-token';
import { paramsOf, type StreamParams } from './stream-names';
import { type StreamingGrant, StreamingEvents, type StreamSession } from './streaming-events';

/** A socket whose unsent data passes this is too slow to keep: it is dropped, never buffered further. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const PING_MS = 30_000;

interface Connection {
  readonly socket: WebSocket;
  readonly session: StreamSession;
  alive: boolean;
}

type Authenticated = FastifyRequest & { streamingGrant?: StreamingGrant };

/**
 * Mastodon's streaming API over one WebSocket (`/api/v1/streaming`): a user token (header,
 * `access_token`, or the WebSocket subprotocol browsers must use, which is echoed), then
 * `subscribe`/`unsubscribe` messages naming streams. What streams there are, who may read them and
 * what their events become is StreamingEvents', shared with the server-sent events; this is the
 * socket: its messages, its pings, and dropping it when it falls behind.
 */
@Injectable()
export class StreamingGateway implements OnModuleInit, OnModuleDestroy {
  private readonly connections = new Set<Connection>();
  private ping?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly events: StreamingEvents,
  ) {}

  /** Adds the routes; @fastify/websocket is registered with the other plugins (createGatewayApp). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.get('/api/v1/streaming/health', (_request, reply) => {
      void reply.header('content-type', 'text/plain; charset=utf-8').send('OK');
    });
    fastify.route({
      method: 'GET',
      url: '/api/v1/streaming',
      // Authenticated before the upgrade: a refused token gets Mastodon's 401 as HTTP.
      preValidation: (request, reply) => this.authenticate(request as Authenticated, reply),
      handler: (_request, reply) => {
        // Not an upgrade: the streaming API is only served as a WebSocket here.
        void reply.status(400).send({ error: 'Expected a WebSocket upgrade' });
      },
      wsHandler: (socket, request) => this.open(socket, request as Authenticated),
    });
    this.ping = setInterval(() => this.pingAll(), PING_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.ping);
    for (const connection of [...this.connections]) this.close(connection, 1001, 'Server shutting down');
    await Promise.resolve();
  }

  private async authenticate(request: Authenticated, reply: FastifyReply): Promise<void> {
    const protocol = request.headers['sec-websocket-protocol'];
    const token =
      bearerToken(request) ?? (typeof protocol === 'string' ? protocol.split(',')[0].trim() : undefined);
    const authenticated = await this.events.authenticate(token);
    if ('error' in authenticated)
      return void reply.status(authenticated.status).send({ error: authenticated.error });
    request.streamingGrant = authenticated;
  }

  private open(socket: WebSocket, request: Authenticated): void {
    const authenticated = request.streamingGrant;
    if (!authenticated) {
      socket.close(1008, 'Unauthorized');
      return;
    }
    // The sink is called only once events flow, after `connection` is made.
    const connection: Connection = {
      socket,
      alive: true,
      session: this.events.open(authenticated, {
        send: (event) => this.send(connection, event),
        end: (reason) =>
          reason === 'revoked'
            ? this.close(connection, 1008, 'Token revoked')
            : this.close(connection, 1001, 'Server shutting down'),
      }),
    };
    this.connections.add(connection);
    socket.on('pong', () => (connection.alive = true));
    socket.on('close', () => this.close(connection));
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.close(connection, 1003, 'Binary messages are not accepted');
        return;
      }
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      this.command(connection, bytes.toString('utf8'));
    });
    const query = request.query as Record<string, unknown>;
    const initial = [query.stream].flat()[0];
    if (typeof initial === 'string') this.subscribe(connection, initial, paramsOf(query));
  }

  private command(connection: Connection, text: string): void {
    let message: { type?: unknown; stream?: unknown; list?: unknown; tag?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.send(connection, { error: 'Invalid JSON', status: 400 });
      return;
    }
    const name = [message.stream].flat()[0];
    if (typeof name !== 'string') return;
    if (message.type === 'subscribe') this.subscribe(connection, name, paramsOf(message));
    else if (message.type === 'unsubscribe')
      this.events.unsubscribe(connection.session, name, paramsOf(message));
  }

  /** A refused subscription is answered on the socket, which stays open (as Mastodon's). */
  private subscribe(connection: Connection, name: string, params: StreamParams): void {
    void this.events.subscribe(connection.session, name, params).then((refusal) => {
      if (refusal) this.send(connection, { error: refusal.error, status: refusal.status });
    });
  }

  private send(connection: Connection, message: unknown): void {
    const { socket } = connection;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      // A client that does not read its stream is dropped rather than buffered for.
      this.close(connection, 1008, 'Too slow');
      socket.terminate();
      return;
    }
    socket.send(JSON.stringify(message));
  }

  private close(connection: Connection, code?: number, reason?: string): void {
    if (!this.connections.delete(connection)) return;
    this.events.close(connection.session);
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.close(code, reason);
  }

  private pingAll(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        this.close(connection);
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}
