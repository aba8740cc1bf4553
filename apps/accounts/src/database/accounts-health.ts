import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthChecks } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from './accounts-database';

/** Readiness includes this service's database: a process that cannot reach it cannot answer. */
@Injectable()
export class AccountsHealth implements OnModuleInit {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly checks: HealthChecks,
  ) {}

  onModuleInit(): void {
    this.checks.register('postgres', () => this.db.query('SELECT 1'));
  }
}
