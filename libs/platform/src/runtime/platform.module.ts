import { type DynamicModule, Global, Module } from '@nestjs/common';
import { createMediaStorage } from '../storage/create-media-storage';
import type { Runtime } from './runtime';

export const CONFIG = Symbol('CONFIG');
export const BUS = Symbol('BUS');
export const REDIS = Symbol('REDIS');
export const CLOCK = Symbol('CLOCK');
export const RUNTIME = Symbol('RUNTIME');
/** The MediaStorage of this process: the same files for the gateway and the media service. */
export const MEDIA_STORAGE = Symbol('MEDIA_STORAGE');

export interface Clock {
  now(): Date;
  /** The same instant in epoch milliseconds, without making a Date (hot paths: caches). */
  millis(): number;
}
export const systemClock: Clock = { now: () => new Date(), millis: () => Date.now() };

/** Hands the process-wide runtime to every module: config, bus, Redis, clock, media storage (ids come from PostgreSQL, ADR 0007). */
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
      { provide: MEDIA_STORAGE, useValue: createMediaStorage(runtime.config) },
    ];
    return { module: PlatformModule, providers, exports: providers.map((p) => p.provide) };
  }
}
