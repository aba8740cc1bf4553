import { type BoundHandlers, type Namespace, type RequestDef } from '@mammut/contracts';
import { Catch, Controller, Inject, type RpcExceptionFilter, type Type, UseFilters } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { MessagePattern } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';

/**
 * Hands whatever a handler threw to `BusServer` unchanged: Nest's default RPC filter would turn a
 * `ContractError` into a generic error, and the server maps errors in one place.
 */
@Catch()
export class PassThroughRpcFilter implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/** A provider that holds one feature's complete handler map (`defineHandlers`). */
export interface HandlerSource<N extends Namespace> {
  readonly bound: BoundHandlers<N>;
}

const isRequest = (value: unknown): value is RequestDef =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'request';

/**
 * The Nest controller that serves a typed handler map on the bus: one `@MessagePattern` method per
 * request of `namespace`, each delegating to the map of `source`. The map stays the single place a
 * feature's handlers are written (a missing one fails typecheck); this class is what lets Nest
 * register them with the transport, with its filters and interceptors around each call.
 */
export function busController<N extends Namespace>(namespace: N, source: Type<HandlerSource<N>>): Type {
  @Controller()
  @UseFilters(new PassThroughRpcFilter())
  class BusHandlers {
    constructor(@Inject(source) readonly source: HandlerSource<N>) {}
  }
  Object.defineProperty(BusHandlers, 'name', { value: `${source.name}OnBus` });
  for (const [key, def] of Object.entries(namespace)) {
    if (!isRequest(def)) continue;
    const method = function (this: BusHandlers, payload: unknown): Promise<unknown> {
      const handlers = this.source.bound.handlers as unknown as Record<
        string,
        (p: unknown) => Promise<unknown>
      >;
      return handlers[key](payload);
    };
    Object.defineProperty(method, 'name', { value: key });
    Object.defineProperty(BusHandlers.prototype, key, { value: method, writable: true, configurable: true });
    const descriptor = Object.getOwnPropertyDescriptor(BusHandlers.prototype, key) as PropertyDescriptor;
    MessagePattern(def.subject)(BusHandlers.prototype, key, descriptor);
    // No parameter decorators: the method takes what the transport passes (the payload, which
    // BusServer has already parsed against the contract). Declared empty, Nest runs no per-call
    // parameter resolution (two promises and a Promise.all on every request) before the method.
    Reflect.defineMetadata(ROUTE_ARGS_METADATA, {}, BusHandlers, key);
  }
  return BusHandlers;
}
