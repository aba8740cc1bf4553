import {
  type AnyDef,
  type BoundHandlers,
  ContractError,
  type Namespace,
  type RequestDef,
  type RequestInputOf,
  type ResponseOf,
  type WireError,
  wireError,
} from '@mammut/contracts';
import { type Context, context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from 'nats';
import { z } from 'zod';
import { logger } from '../logging/logger';
import { unstorableTextPath } from '../text/storable';
import { tracingActive } from '../telemetry/tracing-state';
import { isOutage } from './outage';
import {
  busSpanAttributes,
  busTracer,
  natsHeaderGetter,
  natsHeaderSetter,
  recordBusError,
} from './bus-tracing';

type Handler = (request: unknown) => Promise<unknown>;

interface Registered {
  readonly def: RequestDef;
  readonly handler: Handler;
}

const replyEnvelope = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: wireError }),
]);

export interface BusOptions {
  /** Prefix of every subject (tests run several systems on one NATS). */
  readonly prefix: string;
  readonly timeoutMs: number;
  /** Call handlers registered in this process directly, skipping the NATS round trip. */
  readonly inProcess: boolean;
  /** The queue group of subscriptions, so replicas of a service share the load. */
  readonly queue?: string;
}

export interface RequestOptions {
  readonly timeoutMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Request/reply over NATS, bound to contract declarations: callers pass the declaration, the
 * handler side parses input (bad input answers `invalid_request`), the caller parses the reply.
 * Co-located handlers are answered in-process with the same validation and errors.
 */
export class Bus {
  private readonly local = new Map<string, Registered>();
  private readonly subscriptions: Subscription[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly log = logger('platform:bus');
  private draining = false;

  constructor(
    readonly nats: NatsConnection,
    private readonly options: BusOptions,
  ) {}

  subject(def: AnyDef): string {
    return this.options.prefix ? `${this.options.prefix}.${def.subject}` : def.subject;
  }

  /**
   * Sends one request inside a CLIENT span named after the contract subject; the active trace
   * context travels in the NATS headers, so the handler's SERVER span (and the queries it makes)
   * join the caller's trace.
   */
  async request<D extends RequestDef>(
    def: D,
    payload: RequestInputOf<D>,
    options: RequestOptions = {},
  ): Promise<ResponseOf<D>> {
    const subject = this.subject(def);
    if (!tracingActive()) return this.send(def, subject, payload, options);
    return busTracer.startActiveSpan(
      def.subject,
      { kind: SpanKind.CLIENT, attributes: busSpanAttributes('client', subject) },
      async (span) => {
        try {
          return await this.send(def, subject, payload, options);
        } catch (error) {
          recordBusError(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  private async send<D extends RequestDef>(
    def: D,
    subject: string,
    payload: RequestInputOf<D>,
    options: RequestOptions,
  ): Promise<ResponseOf<D>> {
    const local = this.options.inProcess ? this.local.get(def.subject) : undefined;
    if (local) {
      // The same span shape as over NATS, without headers: the SERVER span is the CLIENT span's child.
      const result = tracingActive()
        ? await this.serverSpan(local, context.active(), () => this.invoke(local, payload))
        : await this.invoke(local, payload);
      return def.response.parse(result) as ResponseOf<D>;
    }
    const hdrs = natsHeaders();
    if (tracingActive()) propagation.inject(context.active(), hdrs, natsHeaderSetter);
    let reply: Msg;
    try {
      reply = await this.nats.request(subject, encoder.encode(JSON.stringify(payload ?? {})), {
        timeout: options.timeoutMs ?? this.options.timeoutMs,
        // Nothing to carry when tracing is off: no header block at all.
        headers: hdrs.keys().length > 0 ? hdrs : undefined,
      });
    } catch (error) {
      this.log.warn({ subject: def.subject, err: error }, 'bus request failed');
      // Timeout or no responders: the cause is known only here, not in the `unavailable` that callers get.
      trace.getActiveSpan()?.recordException(error instanceof Error ? error : String(error));
      throw new ContractError('unavailable', `Service unavailable (${def.subject})`);
    }
    const envelope = replyEnvelope.parse(JSON.parse(decoder.decode(reply.data)));
    if (!envelope.ok) throw ContractError.fromWire(envelope.error);
    return def.response.parse(envelope.data) as ResponseOf<D>;
  }

  /** Registers a complete handler map: locally, and as NATS subscriptions in the service's queue group. */
  serve<N extends Namespace>(bound: BoundHandlers<N>): void {
    const handlers = bound.handlers as unknown as Record<string, Handler>;
    for (const [key, def] of Object.entries(bound.namespace)) {
      if (!('kind' in def) || def.kind !== 'request') continue;
      const handler = handlers[key];
      if (!handler) throw new Error(`No handler for ${def.subject}`);
      const registered: Registered = { def: def as RequestDef, handler };
      if (this.local.has(def.subject)) throw new Error(`Two handlers for ${def.subject}`);
      this.local.set(def.subject, registered);
      const subscription = this.nats.subscribe(this.subject(def as RequestDef), {
        queue: this.options.queue ?? def.subject.split('.')[0],
        callback: (error, msg) => {
          if (error) {
            this.log.error({ err: error, subject: def.subject }, 'subscription error');
            return;
          }
          this.track(this.answer(registered, msg));
        },
      });
      this.subscriptions.push(subscription);
    }
  }

  private async answer(registered: Registered, msg: Msg): Promise<void> {
    if (this.draining) return;
    const work = (): Promise<unknown> => {
      let payload: unknown;
      try {
        payload = JSON.parse(decoder.decode(msg.data));
      } catch {
        return Promise.reject(new ContractError('invalid_request', 'Malformed request'));
      }
      return this.invoke(registered, payload);
    };
    const handled = tracingActive()
      ? this.serverSpan(registered, propagation.extract(ROOT_CONTEXT, msg.headers, natsHeaderGetter), work)
      : work();
    const reply = await handled.then(
      (data: unknown) => ({ ok: true as const, data }),
      (error: unknown) => ({ ok: false as const, error: toWire(error) }),
    );
    msg.respond(encoder.encode(JSON.stringify(reply)));
  }

  /** Runs a handler inside a SERVER span whose parent is the caller's context. */
  private serverSpan<T>(registered: Registered, parent: Context, work: () => Promise<T>): Promise<T> {
    return busTracer.startActiveSpan(
      registered.def.subject,
      { kind: SpanKind.SERVER, attributes: busSpanAttributes('server', this.subject(registered.def)) },
      parent,
      async (span) => {
        try {
          return await work();
        } catch (error) {
          recordBusError(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  private async invoke(registered: Registered, payload: unknown): Promise<unknown> {
    const parsed = registered.def.request.safeParse(payload);
    if (!parsed.success) {
      throw new ContractError(
        'invalid_request',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    // Whoever calls (gateway, CLI, another service), a NUL never reaches a PostgreSQL query.
    const unstorable = unstorableTextPath(parsed.data);
    if (unstorable !== null) {
      throw new ContractError('invalid_request', `${unstorable}: contains a NUL character`);
    }
    try {
      return await registered.handler(parsed.data);
    } catch (error) {
      if (error instanceof ContractError) throw error;
      // The detail stays in this service's log and trace; callers see the same generic error in-process or over NATS.
      trace.getActiveSpan()?.recordException(error instanceof Error ? error : String(error));
      if (isOutage(error)) {
        // A database or Redis away is not a bug: 503, which clients retry.
        this.log.warn({ err: error, subject: registered.def.subject }, 'handler could not reach a server');
        throw new ContractError('unavailable', 'Service unavailable');
      }
      this.log.error({ err: error, subject: registered.def.subject }, 'handler failed');
      throw new ContractError('internal', 'Internal error');
    }
  }

  private track(work: Promise<unknown>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }

  /** Stops taking new requests and waits for the ones in progress. */
  async drain(): Promise<void> {
    this.draining = true;
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    await Promise.allSettled([...this.inflight]);
  }
}

const toWire = (error: unknown): WireError =>
  error instanceof ContractError ? error.toWire() : { code: 'internal', message: 'Internal error' };
