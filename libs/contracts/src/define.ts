import { type z } from 'zod';

/** A NATS request/reply: one subject bound to its request and response schemas. */
export interface RequestDef<
  S extends string = string,
  Req extends z.ZodType = z.ZodType,
  Res extends z.ZodType = z.ZodType,
> {
  readonly kind: 'request';
  readonly subject: S;
  readonly request: Req;
  readonly response: Res;
}

/** A fact broadcast on JetStream, written to the producer's outbox in the same transaction as the change. */
export interface EventDef<S extends string = string, P extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly subject: S;
  readonly version: number;
  readonly payload: P;
  /**
   * The aggregate the event is about (`follow:<follower>:<followed>`, `account:<id>`): the unit
   * whose events consumers apply in the order the producer committed them.
   */
  readonly aggregate?: (payload: z.infer<P>) => string;
}

/** Work with retries on a JetStream work-queue stream; dead letters land in a dead-letter stream. */
export interface JobDef<S extends string = string, P extends z.ZodType = z.ZodType> {
  readonly kind: 'job';
  readonly subject: S;
  readonly payload: P;
}

export type AnyDef = RequestDef | EventDef | JobDef;

export function defineRequest<S extends string, Req extends z.ZodType, Res extends z.ZodType>(
  subject: S,
  spec: { request: Req; response: Res },
): RequestDef<S, Req, Res> {
  return { kind: 'request', subject, request: spec.request, response: spec.response };
}

export function defineEvent<S extends string, P extends z.ZodType>(
  subject: S,
  spec: { version: number; payload: P; aggregate?: (payload: z.infer<P>) => string },
): EventDef<S, P> {
  return { kind: 'event', subject, ...spec };
}

export function defineJob<S extends string, P extends z.ZodType>(
  subject: S,
  spec: { payload: P },
): JobDef<S, P> {
  return { kind: 'job', subject, payload: spec.payload };
}

export type RequestOf<D extends RequestDef> = z.infer<D['request']>;
export type RequestInputOf<D extends RequestDef> = z.input<D['request']>;
export type ResponseOf<D extends RequestDef> = z.infer<D['response']>;
export type PayloadOf<D extends EventDef | JobDef> = z.infer<D['payload']>;

/** A namespace is a (possibly nested) object of declarations. */
export interface Namespace {
  readonly [key: string]: AnyDef | Namespace;
}

/** The request declarations of a flat namespace: what a handler map must cover. */
export type RequestKeys<N> = { [K in keyof N]: N[K] extends RequestDef ? K : never }[keyof N];

export type HandlerMap<N> = {
  [K in RequestKeys<N>]: N[K] extends RequestDef
    ? (request: RequestOf<N[K]>) => Promise<ResponseOf<N[K]>>
    : never;
};

export interface BoundHandlers<N = unknown> {
  readonly namespace: N;
  readonly handlers: HandlerMap<N>;
}

/**
 * Binds a complete handler map to a flat namespace of declarations. A missing handler, an extra
 * key or a wrong return type fails typecheck.
 */
export function defineHandlers<N extends Namespace>(namespace: N, handlers: HandlerMap<N>): BoundHandlers<N> {
  return { namespace, handlers };
}

/** Every declaration of a namespace, walked depth first. */
export function declarationsOf(namespace: Namespace): AnyDef[] {
  const found: AnyDef[] = [];
  for (const value of Object.values(namespace)) {
    if ('kind' in value && typeof value.kind === 'string') found.push(value);
    else found.push(...declarationsOf(value));
  }
  return found;
}
