import 'reflect-metadata';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo, Server } from 'node:net';
import { loadConfig } from '../config/config';
import { disabledMetrics } from '../metrics/metrics';
import { PlatformModule } from '../runtime/platform.module';
import type { Runtime } from '../runtime/runtime';
import {
  HealthChecks,
  HealthModule,
  NatsHealthIndicator,
  PostgresHealthIndicator,
  serveHealth,
} from './health';

const up = { status: 'up' };
const down = { status: 'down' };
const never = (): Promise<never> => new Promise(() => undefined);

/** Each test its own application: tests register checks and one shuts the application down. */
describe('readiness through terminus', () => {
  const redis = { ping: jest.fn<Promise<string>, []>() };
  const nats = { flush: jest.fn<Promise<void>, []>() };
  let app: INestApplicationContext;
  let checks: HealthChecks;

  beforeEach(async () => {
    redis.ping.mockReset().mockResolvedValue('PONG');
    nats.flush.mockReset().mockResolvedValue();
    const runtime = {
      config: loadConfig({ LOG_LEVEL: 'silent' }),
      redis,
      nats,
    } as unknown as Runtime;
    @Module({ imports: [PlatformModule.forRuntime(runtime), HealthModule] })
    class Root {}
    app = await NestFactory.createApplicationContext(Root, { logger: false });
    checks = app.get(HealthChecks);
  });
  afterEach(async () => {
    await app.close();
  });

  it('is ready when Redis and NATS answer, with terminus’ report', async () => {
    expect(await checks.readiness()).toEqual({
      ready: true,
      result: { status: 'ok', info: { redis: up, nats: up }, error: {}, details: { redis: up, nats: up } },
    });
  });

  it('names what is down without publishing why, and counts a dependency that hangs as down', async () => {
    redis.ping.mockRejectedValue(new Error('ECONNREFUSED 10.0.0.7:6379'));
    nats.flush.mockImplementation(never);
    checks.register('nats', () => app.get(NatsHealthIndicator).pingCheck('nats', 20));
    const { ready, result } = await checks.readiness();
    expect(ready).toBe(false);
    expect(result).toEqual({
      status: 'error',
      info: {},
      error: { redis: down, nats: down },
      details: { redis: down, nats: down },
    });
  });

  it('checks each registered database with the PostgreSQL indicator', async () => {
    const query = jest.fn<Promise<unknown>, [string]>().mockResolvedValue([{ '?column?': 1 }]);
    const postgres = app.get(PostgresHealthIndicator);
    checks.register('svc.postgres', () => postgres.pingCheck('svc.postgres', { query } as never));
    expect((await checks.readiness()).result.details).toEqual({ redis: up, nats: up, 'svc.postgres': up });
    expect(query).toHaveBeenCalledWith('SELECT 1');
  });

  describe('on HEALTH_PORT, for a service started alone', () => {
    let server: Server;
    let base: string;
    beforeEach(async () => {
      server = await serveHealth(checks, disabledMetrics, 0, '127.0.0.1');
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => new Promise<void>((done) => server.close(() => done())));

    it('answers /health with OK without asking any dependency', async () => {
      const response = await fetch(`${base}/health`);
      expect([response.status, await response.text()]).toEqual([200, 'OK']);
      expect(redis.ping).not.toHaveBeenCalled();
      expect(nats.flush).not.toHaveBeenCalled();
    });

    it('answers /health/ready 200 or 503 with the report, and nothing else', async () => {
      const ok = await fetch(`${base}/health/ready`);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { status: string }).status).toBe('ok');
      redis.ping.mockRejectedValue(new Error('down'));
      const notReady = await fetch(`${base}/health/ready`);
      expect(notReady.status).toBe(503);
      expect(((await notReady.json()) as { error: object }).error).toEqual({ redis: down });
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      expect((await fetch(`${base}/health/ready`, { method: 'POST' })).status).toBe(405);
    });
  });

  it('is not ready once the process shuts down, whatever the dependencies say', async () => {
    await app.close();
    const { ready, result } = await checks.readiness();
    expect([ready, result.status]).toEqual([false, 'shutting_down']);
  });
});
