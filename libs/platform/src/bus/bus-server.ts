import {
  ContractError,
  declarationsOf,
  type Namespace,
  type RequestDef,
  type WireError,
} from '@mammut/contracts';
import {
  BaseRpcContext,
  type CustomTransportStrategy,
  type MessageHandler,
  Server,
} from '@nestjs/microservices';
import { type Context, context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { isObservable, lastValueFrom } from 'rxjs';
import { logger } from '../logging/logger';
import { disabledMetrics, measuredBusRequest, type Metrics } from '../metrics/metrics';
import { unstorableTextPath } from '../text/storable';
import { tracingActive } from '../telemetry/tracing-state';
import { busSpanAttributes, busTracer, natsHeaderGetter, recordBusError } from './bus-tracing';
import type { LocalHandlers } from './local-handlers';
import { isOutage } from './outage';

export interface BusServerOptions {
  readonly nats: NatsConnection;
  /** NATS_PREFIX: every subject travels as `<prefix>.<contract subject>`. */
  readonly prefix: string;
  /** The in-process registry the process's `Bus` answers co-located requests from. */
  readonly local: LocalHandlers;
  /** The contract namespaces this process serves: each request in them needs exactly one handler. */
  readonly serves: readonly Namespace[];
  /** Queue group of the subscriptions (default: the service, the subject's first token). */
  readonly queue?: string;
  /**
   * false: answer callers in this process only, never NATS (an operator command hosting a
   * service must not take a share of the running servers' requests). Default true.
   */
  readonly subscribe?: boolean;
  /** Where each handled request's duration and outcome go (the server's side); none by default. */
  readonly metrics?: Metrics;
}

/** What a handler receives beside its payload: the contract subject it answers. */
export class BusContext extends BaseRpcContext<[string]> {
  get subject(): string {
    return this.args[0];
  }
}

/** A service's handlers do not match its contracts: missing, duplicated or undeclared subjects. */
export class BusHandlersError extends Error {}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The server half of the bus as a Nest transport strategy: Nest registers the `@MessagePattern`
 * handlers of the service's modules (see `busController`), `listen` checks them against the
 * contracts the process serves and subscribes each subject on NATS in the service's queue group
 * (so replicas share the load), and registers it in process for co-located callers. Every request,
 * however it arrives, is parsed against its declaration first (bad input answers `invalid_request`
 * and reaches no handler) and answers a typed error on failure.
 */
export class BusServer extends Server implements CustomTransportStrategy {
  private readonly declared = new Map<string, RequestDef>();
  private readonly duplicates: string[] = [];
  private readonly subscriptions: Subscription[] = [];
  /** Requests being answered, however they arrived; closing waits for them. */
  private pending = 0;
  private whenIdle?: () => void;
  private readonly log = logger('platform:bus');

  constructor(private readonly options: BusServerOptions) {
    super();
    for (const namespace of options.serves) {
      for (const def of declarationsOf(namespace))
        if (def.kind === 'request') this.declared.set(def.subject, def);
    }
  }

  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    if (isEventHandler) {
      throw new BusHandlersError('Events are consumed from JetStream (EventConsumers), not from the bus');
    }
    const subject = this.normalizePattern(pattern as string);
    if (this.messageHandlers.has(subject)) this.duplicates.push(subject);
    super.addHandler(pattern, callback, isEventHandler, extras);
  }

  listen(callback: (error?: unknown) => void): void {
    try {
      this.assertHandlersMatchContracts();
      for (const [subject, handler] of this.messageHandlers)
        this.serve(this.declared.get(subject) as RequestDef, handler);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops taking requests and waits for the ones in progress; Nest calls it before the shutdown hooks. */
  async close(): Promise<void> {
    for (const subject of this.messageHandlers.keys()) this.options.local.delete(subject);
    // A drain, not an unsubscribe: requests NATS has already routed to this replica are still
    // answered instead of leaving their callers to time out.
    await Promise.allSettled(this.subscriptions.splice(0).map((subscription) => subscription.drain()));
    if (this.pending > 0) await new Promise<void>((resolve) => (this.whenIdle = resolve));
  }

  on(): never {
    throw new Error('BusServer emits no events');
  }

  unwrap<T>(): T {
    return this.options.nats as T;
  }

  /** Exactly one handler per request of the served namespaces, and none for anything else. */
  private assertHandlersMatchContracts(): void {
    const registered = new Set(this.messageHandlers.keys());
    const problems = [
      ...[...this.declared.keys()].filter((s) => !registered.has(s)).map((s) => `no handler for ${s}`),
      ...[...new Set(this.duplicates)].map((s) => `more than one handler for ${s}`),
      ...[...registered].filter((s) => !this.declared.has(s)).map((s) => `a handler for undeclared ${s}`),
    ];
    if (problems.length)
      throw new BusHandlersError(`Bus handlers do not match the contracts: ${problems.join('; ')}`);
  }

  private serve(def: RequestDef, handler: MessageHandler): void {
    const natsSubject = this.options.prefix ? `${this.options.prefix}.${def.subject}` : def.subject;
    this.options.local.add(def.subject, async (payload) => {
      this.pending += 1;
      try {
        return await (tracingActive()
          ? this.serverSpan(def, natsSubject, context.active(), () => this.answer(def, handler, payload))
          : this.answer(def, handler, payload));
      } finally {
        this.finished();
      }
    });
    if (this.options.subscribe === false) return;
    const subscription = this.options.nats.subscribe(natsSubject, {
      queue: this.options.queue ?? def.subject.split('.')[0],
      callback: (error, msg) => {
        if (error) {
          this.log.error({ err: error, subject: def.subject }, 'subscription error');
          return;
        }
        this.pending += 1;
        this.reply(def, natsSubject, handler, msg).then(
          () => this.finished(),
          (failure: unknown) => {
            this.finished();
            this.log.error({ err: failure, subject: def.subject }, 'could not reply');
          },
        );
      },
    });
    this.subscriptions.push(subscription);
  }

  private async reply(
    def: RequestDef,
    natsSubject: string,
    handler: MessageHandler,
    msg: Msg,
  ): Promise<void> {
    const work = (): Promise<unknown> => {
      let payload: unknown;
      try {
        payload = JSON.parse(decoder.decode(msg.data));
      } catch {
        return Promise.reject(new ContractError('invalid_request', 'Malformed request'));
      }
      return this.answer(def, handler, payload);
    };
    const handled = tracingActive()
      ? this.serverSpan(
          def,
          natsSubject,
          propagation.extract(ROOT_CONTEXT, msg.headers, natsHeaderGetter),
          work,
        )
      : work();
    const reply = await handled.then(
      (data: unknown) => ({ ok: true as const, data }),
      (error: unknown) => ({ ok: false as const, error: toWire(error) }),
    );
    msg.respond(encoder.encode(JSON.stringify(reply)));
  }

  /** The handler's answer, its duration and outcome recorded when metrics are on. */
  private answer(def: RequestDef, handler: MessageHandler, payload: unknown): Promise<unknown> {
    const metrics = this.options.metrics ?? disabledMetrics;
    return measuredBusRequest(metrics, 'server', def.subject, () => this.handle(def, handler, payload));
  }

  /**
   * Parses the payload, runs the Nest handler (with its filters and interceptors) and maps what
   * it threw: contract errors pass as they are, an unreachable database or Redis is `unavailable`
   * (503, clients retry), anything else is `internal` with its detail in this service's log only.
   */
  private async handle(def: RequestDef, handler: MessageHandler, payload: unknown): Promise<unknown> {
    const parsed = def.request.safeParse(payload);
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
      const result: unknown = await handler(parsed.data, new BusContext([def.subject]));
      return isObservable(result) ? await lastValueFrom(result) : result;
    } catch (error) {
      if (error instanceof ContractError) throw error;
      trace.getActiveSpan()?.recordException(error instanceof Error ? error : String(error));
      if (isOutage(error)) {
        this.log.warn({ err: error, subject: def.subject }, 'handler could not reach a server');
        throw new ContractError('unavailable', 'Service unavailable');
      }
      this.log.error({ err: error, subject: def.subject }, 'handler failed');
      throw new ContractError('internal', 'Internal error');
    }
  }

  /** Runs a handler inside a SERVER span whose parent is the caller's context. */
  private serverSpan<T>(
    def: RequestDef,
    natsSubject: string,
    parent: Context,
    work: () => Promise<T>,
  ): Promise<T> {
    return busTracer.startActiveSpan(
      def.subject,
      { kind: SpanKind.SERVER, attributes: busSpanAttributes('server', natsSubject) },
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

  private finished(): void {
    this.pending -= 1;
    if (this.pending === 0) this.whenIdle?.();
  }
}

const toWire = (error: unknown): WireError =>
  error instanceof ContractError ? error.toWire() : { code: 'internal', message: 'Internal error' };
