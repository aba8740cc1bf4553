import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Runtime } from './runtime';

export const CONFIG = Symbol('CONFIG');
export const BUS = Symbol('BUS');
export const REDIS = Symbol('REDIS');
export const CLOCK = Symbol('CLOCK');
export const RUNTIME = Symbol('RUNTIME');

export interface Clock {
  now(): Date;
  /** The same instant in epoch milliseconds, without making a Date (hot paths: caches). */
  millis(): number;
}
export const systemClock: Clock = { now: () => new Date(), millis: () => Date.now() };

/** Hands the process-wide runtime to every module: config, bus, Redis, clock (ids come from PostgreSQL, ADR 0007). */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    const providers = [
      { provide: RUNTIME, useValue: runtime },
      { provide: CONFIG, useValue: runtime.config },
      { provide: BUS, useValue: runtime.bus },
      { provide: REDIS, useValue: runtime.redis },
      { provide: CLOCK, useValue: systemClock },
    ];
    return { module: PlatformModule, providers, exports: providers.map((p) => p.provide) };
  }
}
