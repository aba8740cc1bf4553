import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthChecks, PostgresHealthIndicator } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { TIMELINES_DB } from './timelines-database';

/** The readiness indicator's key: `<service>.postgres`, one per hosted service. */
export const TIMELINES_DB_CHECK = 'timelines.postgres';

/** Readiness includes this service's database: a process that cannot reach it cannot answer. */
@Injectable()
export class TimelinesHealth implements OnModuleInit {
  constructor(
    @Inject(TIMELINES_DB) private readonly db: DataSource,
    private readonly checks: HealthChecks,
    private readonly postgres: PostgresHealthIndicator,
  ) {}

  onModuleInit(): void {
    this.checks.register(TIMELINES_DB_CHECK, () => this.postgres.pingCheck(TIMELINES_DB_CHECK, this.db));
  }
}
