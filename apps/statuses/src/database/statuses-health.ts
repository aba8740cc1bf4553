import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthChecks, PostgresHealthIndicator } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB } from './statuses-database';

/** The readiness indicator's key: `<service>.postgres`, one per hosted service. */
export const STATUSES_DB_CHECK = 'statuses.postgres';

/** Readiness includes this service's database: a process that cannot reach it cannot answer. */
@Injectable()
export class StatusesHealth implements OnModuleInit {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    private readonly checks: HealthChecks,
    private readonly postgres: PostgresHealthIndicator,
  ) {}

  onModuleInit(): void {
    this.checks.register(STATUSES_DB_CHECK, () => this.postgres.pingCheck(STATUSES_DB_CHECK, this.db));
  }
}
