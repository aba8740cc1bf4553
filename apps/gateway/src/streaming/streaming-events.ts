import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  anyScopeSatisfied,
  contracts,
  type StatusRecord,
  type StreamMessage,
  streamMessage,
  type TokenGrant,
} from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, logger, RUNTIME, type Runtime } from '@mammut/platform';
import type { Subscription } from 'nats';
import { ConversationPresenter } from '../api/v1/conversation-presenter';
import { NotificationPresenter } from '../api/v1/notification-presenter';
import { StatusPresenter } from '../api/v1/statuses/status-presenter';
import { assertUserUsable } from '../auth/auth.guard';
import { BearerStrategy } from '../auth/bearer.strategy';
import { GrantWatch } from './grant-watch';
import { type StreamParams, streamKey, type StreamSpec, streamSpec } from './stream-names';

const log = logger('gateway:streaming');
const decoder = new TextDecoder();

/**
 * One event for a client: the stream it belongs to (`["list", "<id>"]`), its name, its payload
 * text; none for an event that carries nothing (`filters_changed`), which a WebSocket sends
 * without a `payload` key and server-sent events as `data: undefined`, as Mastodon's do.
 */
export interface StreamEvent {
  readonly stream: readonly string[];
  readonly event: string;
  readonly payload?: string;
}

/** Where a session's events go: a WebSocket, or an HTTP response of server-sent events. */
export interface StreamSink {
  send(event: StreamEvent): void;
  /** The server ends the session: its token no longer grants anything, or the server stops. */
  end(reason: 'revoked' | 'shutdown'): void;
}

/** Why a stream was refused, as Mastodon's streaming server answers it (HTTP status and error). */
export interface Refusal {
  readonly status: number;
  readonly error: string;
}

/** A user token that may stream. */
export interface StreamingGrant {
  readonly token: string;
  readonly grant: TokenGrant;
  /** When the grant was asked for: a change heard since may not be in it. */
  readonly askedAt: number;
}

/** One client's streams, whatever carries them. */
export interface StreamSession {
  readonly token: string;
  grant: TokenGrant;
  readonly sink: StreamSink;
  readonly streams: Map<string, { spec: StreamSpec; subscription: Subscription }>;
  /** Events are sent in the order they arrived, however long each takes to present. */
  queue: Promise<void>;
}

/** The events each kind of stream carries (`filters_changed` only `user`'s, as in Mastodon). */
const CARRIES: Readonly<Record<StreamSpec['events'], ReadonlySet<StreamMessage['event']>>> = {
  all: new Set(['update', 'status.update', 'delete', 'notification', 'filters_changed']),
  notifications: new Set(['notification']),
  statuses: new Set(['update', 'status.update', 'delete']),
  conversations: new Set(['conversation']),
};

/**
 * Mastodon's streaming API apart from its transports, shared by the WebSocket
 * (streaming.gateway.ts) and server-sent events (streaming.sse.ts): who may stream, which
 * streams there are and who may read each, and what each event becomes for its viewer. Every
 * session reads its streams' NATS subjects and presents every event through the REST API's rules
 * before its sink gets it, so nothing reaches a client its viewer could not fetch. Sessions of a
 * token that no longer may stream (revoked, its app deleted, its user disabled, its account
 * suspended, its scopes narrowed) end within a second of the change: the accounts service says
 * which tokens, users and accounts changed, and GrantWatch asks again about those tokens only.
 */
@Injectable()
export class StreamingEvents implements OnModuleInit, OnModuleDestroy {
  private readonly sessions = new Set<StreamSession>();
  private readonly grants: GrantWatch<StreamSession>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(BUS) private readonly bus: Bus,
    private readonly bearer: BearerStrategy,
    private readonly statuses: StatusPresenter,
    private readonly notifications: NotificationPresenter,
    private readonly conversations: ConversationPresenter,
  ) {
    this.grants = new GrantWatch<StreamSession>({
      nats: runtime.nats,
      natsPrefix: config.natsPrefix,
      validate: (token) => bearer.validate(token),
      usable: (grant) => refusalOf(grant) === undefined,
      revoked: (session) => {
        this.close(session);
        session.sink.end('revoked');
      },
    });
  }

  onModuleInit(): void {
    this.grants.start();
  }

  onModuleDestroy(): void {
    this.grants.stop();
    for (const session of [...this.sessions]) {
      this.close(session);
      session.sink.end('shutdown');
    }
  }

  /** A user token that may stream anything at all, or Mastodon's refusal (401; 503 when accounts is away). */
  async authenticate(token: string | undefined): Promise<StreamingGrant | Refusal> {
    const askedAt = Date.now();
    let grant: TokenGrant | false = false;
    try {
      grant = token ? await this.bearer.validate(token) : false;
    } catch {
      // The accounts service is away: the client retries, as after any 503.
      return { status: 503, error: 'Service unavailable' };
    }
    if (!token || !grant) return { status: 401, error: 'The access token is invalid' };
    const refusal = refusalOf(grant);
    if (refusal) return { status: 401, error: refusal };
    return { token, grant, askedAt };
  }

  open(authenticated: StreamingGrant, sink: StreamSink): StreamSession {
    const session: StreamSession = {
      token: authenticated.token,
      grant: authenticated.grant,
      sink,
      streams: new Map(),
      queue: Promise.resolve(),
    };
    this.sessions.add(session);
    this.grants.add(session, authenticated.askedAt);
    return session;
  }

  /** Ends a session's subscriptions (the transport closes its own connection). */
  close(session: StreamSession): void {
    if (!this.sessions.delete(session)) return;
    this.grants.remove(session);
    for (const { subscription } of session.streams.values()) subscription.unsubscribe();
    session.streams.clear();
  }

  isOpen(session: StreamSession): boolean {
    return this.sessions.has(session);
  }

  /**
   * Subscribes the session to a stream; answers why not, if it may not: an unknown stream (400),
   * a token without its scopes, or a list that is not the viewer's (401). Subscribing twice is
   * subscribing once.
   */
  async subscribe(
    session: StreamSession,
    name: string,
    params: StreamParams = {},
  ): Promise<Refusal | undefined> {
    const spec = streamSpec(name, this.viewerOf(session), params);
    if (!spec) return { status: 400, error: 'Unknown stream type' };
    if (!anyScopeSatisfied(session.grant.scopes, spec.scopes))
      return { status: 401, error: 'Access token does not have the required scopes' };
    const key = streamKey(name, params);
    if (session.streams.has(key)) return undefined;
    if (spec.listId !== undefined) {
      try {
        await this.bus.request(contracts.accounts.lists.getList, {
          viewerId: this.viewerOf(session),
          listId: spec.listId,
        });
      } catch {
        return { status: 401, error: 'Not authorized to stream this list' };
      }
    }
    if (this.sessions.has(session) && !session.streams.has(key)) this.listen(session, key, spec);
    return undefined;
  }

  unsubscribe(session: StreamSession, name: string, params: StreamParams = {}): void {
    const key = streamKey(name, params);
    const stream = session.streams.get(key);
    if (!stream) return;
    stream.subscription.unsubscribe();
    session.streams.delete(key);
  }

  private viewerOf(session: StreamSession): string {
    return session.grant.user?.accountId ?? '';
  }

  private listen(session: StreamSession, key: string, spec: StreamSpec): void {
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
        if (!CARRIES[spec.events].has(parsed.event)) return;
        session.queue = session.queue.then(() =>
          this.deliver(session, spec, parsed).catch((err: unknown) =>
            log.warn({ err, stream: spec.name }, 'could not present a stream event'),
          ),
        );
      },
    });
    session.streams.set(key, { spec, subscription });
  }

  /** One event as its viewer may see it, if at all, to the session's sink. */
  private async deliver(session: StreamSession, spec: StreamSpec, message: StreamMessage): Promise<void> {
    if (!this.sessions.has(session)) return;
    const viewer = session.grant.user?.accountId ?? null;
    const stream = spec.stream ?? [spec.name];
    const send = (event: string, payload: unknown): void =>
      session.sink.send({
        stream,
        event,
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    switch (message.event) {
      case 'update':
      case 'status.update': {
        const { statuses, reblogged } = await this.bus.request(contracts.statuses.statuses.getStatuses, {
          ids: [message.statusId],
        });
        const shown = spec.onlyMedia ? statuses.filter(withMedia) : statuses;
        const [status] = await this.statuses.presentEachJson(shown, viewer, {
          context: spec.context,
          reblogged,
        });
        if (status) send(message.event, status);
        return;
      }
      case 'delete':
        send('delete', message.statusId);
        return;
      case 'notification': {
        if (viewer === null || !anyScopeSatisfied(session.grant.scopes, ['read:notifications'])) return;
        const [notification] = await this.notifications.present([message.notification], viewer);
        if (notification) send('notification', notification);
        return;
      }
      case 'filters_changed':
        session.sink.send({ stream, event: 'filters_changed' });
        return;
      case 'conversation': {
        if (viewer === null) return;
        const { conversation } = await this.bus.request(
          contracts.statuses.conversations.getConversationOfStatus,
          { accountId: viewer, statusId: message.statusId },
        );
        const [presented] = conversation ? await this.conversations.present([conversation], viewer) : [];
        if (presented) send('conversation', presented);
        return;
      }
    }
  }
}

/** Whether a status has media of its own (a record cached before statuses carried media has none). */
function withMedia(record: StatusRecord): boolean {
  const ids: readonly string[] | undefined = record.mediaIds;
  return (ids?.length ?? 0) > 0;
}

/** Why a valid token may not stream, as Mastodon's streaming server says it; nothing when it may. */
function refusalOf(grant: TokenGrant): string | undefined {
  if (!grant.user) return 'This method requires an authenticated user';
  try {
    assertUserUsable(grant.user);
  } catch {
    return 'Your login is currently disabled';
  }
  if (!anyScopeSatisfied(grant.scopes, ['read:statuses', 'read:notifications']))
    return 'This action is outside the authorized scopes';
  return undefined;
}
