import {
  type AnyDef,
  ContractError,
  type RequestDef,
  type RequestInputOf,
  type ResponseOf,
  wireError,
} from '@mammut/contracts';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { headers as natsHeaders, type Msg, type NatsConnection } from 'nats';
import { z } from 'zod';
import { logger } from '../logging/logger';
import { disabledMetrics, measuredBusRequest, type Metrics } from '../metrics/metrics';
import { tracingActive } from '../telemetry/tracing-state';
import { busSpanAttributes, busTracer, natsHeaderSetter, recordBusError } from './bus-tracing';
import { LocalHandlers } from './local-handlers';

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
  /** Where each request's duration and outcome go (the caller's side); none by default. */
  readonly metrics?: Metrics;
}

export interface RequestOptions {
  readonly timeoutMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The client half of the bus, a Nest `ClientProxy`: request/reply over NATS bound to contract
 * declarations. Callers pass the declaration (`request`); the handler side (`BusServer`) parses
 * the input, and this side parses the reply, so a subject and its types cannot drift apart. A
 * request whose handler runs in this process is answered in process (`LocalHandlers`), with the
 * same validation, errors and span shape. Timeouts and missing responders are `unavailable` (503).
 */
export class Bus extends ClientProxy {
  private readonly log = logger('platform:bus');

  constructor(
    readonly nats: NatsConnection,
    private readonly options: BusOptions,
    /** What this process's servers answer; they register here when they listen. */
    readonly local: LocalHandlers = new LocalHandlers(),
  ) {
    super();
  }

  subject(def: AnyDef): string {
    return this.options.prefix ? `${this.options.prefix}.${def.subject}` : def.subject;
  }

  /**
   * Sends one request inside a CLIENT span named after the contract subject; the active trace
   * context travels in the NATS headers, so the handler's SERVER span (and the queries it makes)
   * join the caller's trace. With metrics on, its duration and outcome are recorded too.
   */
  request<D extends RequestDef>(
    def: D,
    payload: RequestInputOf<D>,
    options: RequestOptions = {},
  ): Promise<ResponseOf<D>> {
    const metrics = this.options.metrics ?? disabledMetrics;
    return measuredBusRequest(metrics, 'client', def.subject, () => this.traced(def, payload, options));
  }

  private traced<D extends RequestDef>(
    def: D,
    payload: RequestInputOf<D>,
    options: RequestOptions,
  ): Promise<ResponseOf<D>> {
    if (!tracingActive()) return this.send$(def, payload, options);
    return busTracer.startActiveSpan(
      def.subject,
      { kind: SpanKind.CLIENT, attributes: busSpanAttributes('client', this.subject(def)) },
      async (span) => {
        try {
          return await this.send$(def, payload, options);
        } catch (error) {
          recordBusError(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  private send$<D extends RequestDef>(
    def: D,
    payload: RequestInputOf<D>,
    options: RequestOptions,
  ): Promise<ResponseOf<D>> {
    const local = this.options.inProcess ? this.local.get(def.subject) : undefined;
    // In process the answer is the handler's own value, typed against this very declaration where
    // it was made (and parsed on every test run, which goes over NATS): only bytes that crossed a
    // wire need parsing. The request is parsed at the handler either way. Handed on as it is, not
    // awaited: every API request makes a few of these.
    if (local) return local(payload) as Promise<ResponseOf<D>>;
    return this.overNats(def.subject, payload, options).then(
      (data) => def.response.parse(data) as ResponseOf<D>,
    );
  }

  /** One round trip by contract subject: in process when a server here answers it, else over NATS. */
  private exchange(subject: string, payload: unknown, options: RequestOptions): Promise<unknown> {
    const local = this.options.inProcess ? this.local.get(subject) : undefined;
    return local ? local(payload) : this.overNats(subject, payload, options);
  }

  private async overNats(subject: string, payload: unknown, options: RequestOptions): Promise<unknown> {
    const hdrs = natsHeaders();
    if (tracingActive()) propagation.inject(context.active(), hdrs, natsHeaderSetter);
    let reply: Msg;
    try {
      reply = await this.nats.request(
        this.options.prefix ? `${this.options.prefix}.${subject}` : subject,
        encoder.encode(JSON.stringify(payload ?? {})),
        {
          timeout: options.timeoutMs ?? this.options.timeoutMs,
          // Nothing to carry when tracing is off: no header block at all.
          headers: hdrs.keys().length > 0 ? hdrs : undefined,
        },
      );
    } catch (error) {
      this.log.warn({ subject, err: error }, 'bus request failed');
      // Timeout or no responders: the cause is known only here, not in the `unavailable` that callers get.
      trace.getActiveSpan()?.recordException(error instanceof Error ? error : String(error));
      throw new ContractError('unavailable', `Service unavailable (${subject})`);
    }
    const envelope = replyEnvelope.parse(JSON.parse(decoder.decode(reply.data)));
    if (!envelope.ok) throw ContractError.fromWire(envelope.error);
    return envelope.data;
  }

  /** NATS is connected by the runtime before anything can call. */
  connect(): Promise<NatsConnection> {
    return Promise.resolve(this.nats);
  }

  /** The runtime drains NATS; there is nothing of the client's own to close. */
  close(): void {}

  unwrap<T>(): T {
    return this.nats as T;
  }

  /**
   * Nest's untyped `send(pattern, data)`: the same round trip, without a declaration to parse the
   * reply against. Mammut code calls `request` with the declaration instead.
   */
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    this.exchange(String(packet.pattern), packet.data, {}).then(
      (response) => callback({ response, isDisposed: true }),
      (err: unknown) => callback({ err, isDisposed: true }),
    );
    return () => undefined;
  }

  /** Events are written to a service's outbox in the transaction that made them, never sent from here. */
  protected dispatchEvent(): Promise<never> {
    return Promise.reject(new Error('Events go through the outbox, not the bus'));
  }
}
