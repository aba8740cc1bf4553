import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthChecks, PostgresHealthIndicator } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from './accounts-database';

/** The readiness indicator's key: `<service>.postgres`, one per hosted service. */
export const ACCOUNTS_DB_CHECK = 'accounts.postgres';

/** Readiness includes this service's database: a process that cannot reach it cannot answer. */
@Injectable()
export class AccountsHealth implements OnModuleInit {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly checks: HealthChecks,
    private readonly postgres: PostgresHealthIndicator,
  ) {}

  onModuleInit(): void {
    this.checks.register(ACCOUNTS_DB_CHECK, () => this.postgres.pingCheck(ACCOUNTS_DB_CHECK, this.db));
  }
}
