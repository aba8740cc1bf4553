import 'reflect-metadata';
import {
  type Config,
  createRuntime,
  migrateServiceDatabase,
  openHealthListener,
  pendingMigrations,
  type Runtime,
} from '@mammut/platform';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createGatewayApp } from '../../gateway/src/http/create-gateway';
import { GatewayModule } from '../../gateway/src/gateway.module';
import { services } from './services';

/**
 * Applies every hosted service's pending migrations, one schema at a time; with
 * SKIP_POST_DEPLOYMENT_MIGRATIONS, all but the post-deployment ones.
 */
export async function migrateAll(config: Config): Promise<void> {
  for (const service of services) {
    const dataSource = await service.dataSource(config).initialize();
    try {
      await migrateServiceDatabase(dataSource, {
        skipPostDeployment: config.skipPostDeploymentMigrations,
      });
    } finally {
      await dataSource.destroy();
    }
  }
}

/** A service's schema and the migrations of this code it has not applied yet. */
export interface SchemaStatus {
  readonly service: string;
  readonly pending: readonly { readonly name: string; readonly postDeployment: boolean }[];
}

/** How long `schemaStatus` waits for a connection before counting PostgreSQL unreachable. */
const STATUS_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Every hosted service's pending migrations, read without changing anything. Throws when
 * PostgreSQL cannot be asked; a connection attempt gives up after a few seconds rather than
 * waiting out TCP's own timeout on an address that does not answer yet.
 */
export async function schemaStatus(config: Config): Promise<SchemaStatus[]> {
  const statuses: SchemaStatus[] = [];
  for (const service of services) {
    const dataSource = service.dataSource(config).setOptions({ connectTimeoutMS: STATUS_CONNECT_TIMEOUT_MS });
    await dataSource.initialize();
    try {
      statuses.push({ service: service.name, pending: await pendingMigrations(dataSource) });
    } finally {
      await dataSource.destroy();
    }
  }
  return statuses;
}

export interface RunningSystem {
  readonly app: NestFastifyApplication;
  readonly runtime: Runtime;
  /** `http://127.0.0.1:PORT` where it listens. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Every service and the gateway in one process, listening on `config.port` (0 picks a free port),
 * and with HEALTH_PORT on the health listener that serves `/metrics`.
 */
export async function startSystem(config: Config): Promise<RunningSystem> {
  const runtime = await createRuntime(config, 'all-in-one');
  let app: NestFastifyApplication | undefined;
  let health: { close(): Promise<void> } | undefined;
  try {
    app = await createGatewayApp(runtime, {
      modules: services.map((s) => s.module),
      gatewayModule: GatewayModule,
    });
    // The hosted services answer the bus through one transport; Nest closes it after HTTP.
    app.connectMicroservice({ strategy: runtime.busServer(services.map((s) => s.contracts)) });
    await app.init();
    await app.startAllMicroservices();
    await app.listen(config.port, config.host);
    health = await openHealthListener(app, runtime.metrics, config);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await runtime.close();
    throw error;
  }
  const listener = health;
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const running = app;
  return {
    app: running,
    runtime,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await listener.close();
      await running.close();
      await runtime.close();
    },
  };
}
