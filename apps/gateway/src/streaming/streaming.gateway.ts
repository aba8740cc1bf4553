import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  anyScopeSatisfied,
  contracts,
  type StreamMessage,
  streamMessage,
  type TokenGrant,
} from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, logger, RUNTIME, type Runtime } from '@mammut/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Subscription } from 'nats';
import type { WebSocket } from 'ws';
import { NotificationPresenter } from '../api/v1/notification-presenter';
import { StatusPresenter } from '../api/v1/statuses/status-presenter';
import { bearerToken } from '../auth/bearer-token';
import { BearerStrategy } from '../auth/bearer.strategy';
import { assertUserUsable } from '../auth/auth.guard';
import { type StreamParams, streamKey, type StreamSpec, streamSpec } from './stream-names';

const log = logger('gateway:streaming');
const decoder = new TextDecoder();

/** The list or hashtag a subscription names (`"list": "<id>"`, `"tag": "cats"`), from a message or the query. */
const paramsOf = (source: { list?: unknown; tag?: unknown }): StreamParams => ({
  ...(typeof source.list === 'string' ? { list: source.list } : {}),
  ...(typeof source.tag === 'string' ? { tag: source.tag } : {}),
});

/** A socket whose unsent data passes this is too slow to keep: it is dropped, never buffered further. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** How often tokens of open sockets are checked again (a revoked token's sockets close within it). */
const RECHECK_MS = 500;
const PING_MS = 30_000;

interface Connection {
  readonly socket: WebSocket;
  readonly token: string;
  grant: TokenGrant;
  readonly streams: Map<string, { spec: StreamSpec; subscription: Subscription }>;
  /** Events are sent in the order they arrived, however long each takes to present. */
  queue: Promise<void>;
  alive: boolean;
}

type Authenticated = FastifyRequest & { streamingGrant?: { grant: TokenGrant; token: string } };

/**
 * Mastodon's streaming API over one WebSocket (`/api/v1/streaming`): a user token (header,
 * `access_token`, or the WebSocket subprotocol browsers must use, which is echoed), then
 * `subscribe`/`unsubscribe` messages naming streams. Each connection reads its streams' NATS
 * subjects and presents every event to its viewer through the REST API's rules before sending it,
 * so nothing reaches a socket its viewer could not fetch. Sockets of a token that no longer grants
 * anything (revoked, user disabled or suspended) close within a second; sockets that fall behind
 * are dropped.
 */
@Injectable()
export class StreamingGateway implements OnModuleInit, OnModuleDestroy {
  private readonly connections = new Set<Connection>();
  private recheck?: NodeJS.Timeout;
  private ping?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(BUS) private readonly bus: Bus,
    private readonly bearer: BearerStrategy,
    private readonly statuses: StatusPresenter,
    private readonly notifications: NotificationPresenter,
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
    this.recheck = setInterval(() => void this.recheckTokens(), RECHECK_MS);
    this.ping = setInterval(() => this.pingAll(), PING_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.recheck);
    clearInterval(this.ping);
    for (const connection of [...this.connections]) this.close(connection, 1001, 'Server shutting down');
    await Promise.resolve();
  }

  private async authenticate(request: Authenticated, reply: FastifyReply): Promise<void> {
    const protocol = request.headers['sec-websocket-protocol'];
    const token =
      bearerToken(request) ?? (typeof protocol === 'string' ? protocol.split(',')[0].trim() : undefined);
    let grant: TokenGrant | false = false;
    try {
      grant = token ? await this.bearer.validate(token) : false;
    } catch {
      // The accounts service is away: the client retries, as after any 503.
      return void reply.status(503).send({ error: 'Service unavailable' });
    }
    const refuse = (error: string): void => void reply.status(401).send({ error });
    if (!token || !grant) return refuse('The access token is invalid');
    if (!grant.user) return refuse('This method requires an authenticated user');
    try {
      assertUserUsable(grant.user);
    } catch {
      return refuse('Your login is currently disabled');
    }
    if (!anyScopeSatisfied(grant.scopes, ['read:statuses', 'read:notifications']))
      return refuse('This action is outside the authorized scopes');
    request.streamingGrant = { grant, token };
  }

  private open(socket: WebSocket, request: Authenticated): void {
    const authenticated = request.streamingGrant;
    if (!authenticated) {
      socket.close(1008, 'Unauthorized');
      return;
    }
    const connection: Connection = {
      socket,
      token: authenticated.token,
      grant: authenticated.grant,
      streams: new Map(),
      queue: Promise.resolve(),
      alive: true,
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
      message = JSON.parse(text) as { type?: unknown; stream?: unknown; list?: unknown; tag?: unknown };
    } catch {
      this.send(connection, { error: 'Invalid JSON', status: 400 });
      return;
    }
    const name = [message.stream].flat()[0];
    if (typeof name !== 'string') return;
    if (message.type === 'subscribe') this.subscribe(connection, name, paramsOf(message));
    else if (message.type === 'unsubscribe') this.unsubscribe(connection, streamKey(name, paramsOf(message)));
  }

  private subscribe(connection: Connection, name: string, params: StreamParams = {}): void {
    const viewer = connection.grant.user?.accountId ?? '';
    const spec = streamSpec(name, viewer, params);
    if (!spec) {
      this.send(connection, { error: 'Unknown stream type', status: 400 });
      return;
    }
    if (!anyScopeSatisfied(connection.grant.scopes, spec.scopes)) {
      this.send(connection, { error: 'Access token does not have the required scopes', status: 401 });
      return;
    }
    const key = streamKey(name, params);
    if (connection.streams.has(key)) return;
    if (spec.listId !== undefined) {
      void this.listen(connection, key, spec, spec.listId);
      return;
    }
    this.listenNow(connection, key, spec);
  }

  /** A list's stream, once the accounts service says the list is the viewer's (else Mastodon's 401). */
  private async listen(connection: Connection, key: string, spec: StreamSpec, listId: string): Promise<void> {
    const viewerId = connection.grant.user?.accountId ?? '';
    try {
      await this.bus.request(contracts.accounts.lists.getList, { viewerId, listId });
    } catch {
      this.send(connection, { error: 'Not authorized to stream this list', status: 401 });
      return;
    }
    if (this.connections.has(connection) && !connection.streams.has(key))
      this.listenNow(connection, key, spec);
  }

  private listenNow(connection: Connection, key: string, spec: StreamSpec): void {
    const prefix = this.config.natsPrefix;
    const subscription = this.runtime.nats.subscribe(prefix ? `${prefix}.${spec.subject}` : spec.subject, {
      callback: (error, msg) => {
        if (error) return;
        let parsed: StreamMessage;
        try {
          parsed = streamMessage.parse(JSON.parse(decoder.decode(msg.data)));
        } catch {
          log.warn({ subject: msg.subject }, 'unreadable stream message');
          return;
        }
        connection.queue = connection.queue.then(() =>
          this.deliver(connection, spec, parsed).catch((err: unknown) =>
            log.warn({ err, stream: spec.name }, 'could not present a stream event'),
          ),
        );
      },
    });
    connection.streams.set(key, { spec, subscription });
  }

  private unsubscribe(connection: Connection, name: string): void {
    const stream = connection.streams.get(name);
    if (!stream) return;
    stream.subscription.unsubscribe();
    connection.streams.delete(name);
  }

  private async deliver(connection: Connection, spec: StreamSpec, message: StreamMessage): Promise<void> {
    if (!this.connections.has(connection)) return;
    const viewer = connection.grant.user?.accountId ?? null;
    const stream = spec.stream ?? [spec.name];
    switch (message.event) {
      case 'update':
      case 'status.update': {
        if (spec.events === 'notifications') return;
        const { statuses, reblogged } = await this.bus.request(contracts.statuses.statuses.getStatuses, {
          ids: [message.statusId],
        });
        const [status] = await this.statuses.present(statuses, viewer, { context: spec.context, reblogged });
        if (status) this.send(connection, { stream, event: message.event, payload: JSON.stringify(status) });
        return;
      }
      case 'delete':
        if (spec.events !== 'notifications')
          this.send(connection, { stream, event: 'delete', payload: message.statusId });
        return;
      case 'notification': {
        if (spec.events === 'statuses' || viewer === null) return;
        if (!anyScopeSatisfied(connection.grant.scopes, ['read:notifications'])) return;
        const [notification] = await this.notifications.present([message.notification], viewer);
        if (notification)
          this.send(connection, { stream, event: 'notification', payload: JSON.stringify(notification) });
        return;
      }
    }
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
    for (const { subscription } of connection.streams.values()) subscription.unsubscribe();
    connection.streams.clear();
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.close(code, reason);
  }

  /** Each token of an open socket asked again (answered from the grant cache): gone means closed. */
  private async recheckTokens(): Promise<void> {
    const byToken = new Map<string, Connection[]>();
    for (const connection of this.connections) {
      const list = byToken.get(connection.token) ?? [];
      list.push(connection);
      byToken.set(connection.token, list);
    }
    await Promise.all(
      [...byToken].map(async ([token, connections]) => {
        let grant: TokenGrant | false;
        try {
          grant = await this.bearer.validate(token);
        } catch {
          return; // The accounts service is away: keep the sockets until it answers.
        }
        const usable = grant && grant.user && !grant.user.disabled && !grant.user.suspended;
        for (const connection of connections) {
          if (usable && grant) connection.grant = grant;
          else this.close(connection, 1008, 'Token revoked');
        }
      }),
    );
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
