import {
  type AnyDef,
  type BoundHandlers,
  ContractError,
  type HandlerContext,
  type Namespace,
  type RequestDef,
  type RequestInputOf,
  type ResponseOf,
  wireError,
} from '@mammut/contracts';
import { headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from 'nats';
import { z } from 'zod';
import { logger } from '../logging/logger';

type Handler = (request: unknown, context: HandlerContext) => Promise<unknown>;

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
  readonly traceparent?: string;
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

  async request<D extends RequestDef>(
    def: D,
    payload: RequestInputOf<D>,
    options: RequestOptions = {},
  ): Promise<ResponseOf<D>> {
    const context: HandlerContext = options.traceparent ? { traceparent: options.traceparent } : {};
    const local = this.options.inProcess ? this.local.get(def.subject) : undefined;
    if (local) {
      const result = await this.invoke(local, payload, context);
      return def.response.parse(result) as ResponseOf<D>;
    }
    const hdrs = natsHeaders();
    if (options.traceparent) hdrs.set('traceparent', options.traceparent);
    let reply: Msg;
    try {
      reply = await this.nats.request(this.subject(def), encoder.encode(JSON.stringify(payload ?? {})), {
        timeout: options.timeoutMs ?? this.options.timeoutMs,
        headers: hdrs,
      });
    } catch (error) {
      this.log.warn({ subject: def.subject, err: error }, 'bus request failed');
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
    let payload: unknown;
    try {
      payload = JSON.parse(decoder.decode(msg.data));
    } catch {
      msg.respond(
        encoder.encode(
          JSON.stringify({ ok: false, error: { code: 'invalid_request', message: 'Malformed request' } }),
        ),
      );
      return;
    }
    const traceparent = msg.headers?.get('traceparent') || undefined;
    try {
      const data = await this.invoke(registered, payload, traceparent ? { traceparent } : {});
      msg.respond(encoder.encode(JSON.stringify({ ok: true, data })));
    } catch (error) {
      const wire =
        error instanceof ContractError
          ? error.toWire()
          : { code: 'internal' as const, message: 'Internal error' };
      msg.respond(encoder.encode(JSON.stringify({ ok: false, error: wire })));
    }
  }

  private async invoke(registered: Registered, payload: unknown, context: HandlerContext): Promise<unknown> {
    const parsed = registered.def.request.safeParse(payload);
    if (!parsed.success) {
      throw new ContractError(
        'invalid_request',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    try {
      return await registered.handler(parsed.data, context);
    } catch (error) {
      if (error instanceof ContractError) throw error;
      // The detail stays in this service's log; callers see the same generic error in-process or over NATS.
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
