import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import {
  assertSchemaCurrent,
  busController,
  HealthModule,
  OutboxRelay,
  postgresReadiness,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import {
  MODERATION_DB,
  MODERATION_SCHEMA,
  moderationDatabaseProviders,
} from './database/moderation-database';
import { Reports } from './reports/reports';
import { ReportsHandlers } from './reports/reports.handlers';

/**
 * Moderation: reports now (filed by local users, arriving from other servers as Flags), with the
 * admin actions and audit log to come; answers `moderation.*` on the bus and publishes
 * `events.moderation.*` from its outbox.
 */
@Module({
  imports: [HealthModule],
  controllers: [busController(contracts.moderation.reports, ReportsHandlers)],
  providers: [
    ...moderationDatabaseProviders,
    postgresReadiness('moderation', MODERATION_DB),
    Reports,
    ReportsHandlers,
  ],
})
export class ModerationModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(MODERATION_DB) private readonly db: DataSource,
  ) {}

  /** Before the bus server listens: refuse a schema that is behind, then start relaying events. */
  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    this.relay = await OutboxRelay.started(this.runtime, MODERATION_SCHEMA, this.db);
  }

  /** Last, after the bus has drained: the relay finishes its batch, then the pool closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.db.destroy();
  }
}
