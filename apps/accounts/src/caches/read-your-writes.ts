import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { AccountChangesListener } from './account-changes.listener';

/**
 * Read-your-writes for the in-process caches: every transaction this process commits on the
 * accounts schema waits until the notifications its triggers sent have been heard and applied,
 * so the answer to a change, and any read after it, never comes from a cache entry from before.
 * Other replicas hear the same notifications a moment later.
 */
@Injectable()
export class ReadYourWrites implements EntitySubscriberInterface, OnModuleInit {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly changes: AccountChangesListener,
  ) {}

  onModuleInit(): void {
    this.db.subscribers.push(this);
  }

  afterTransactionCommit(): Promise<void> {
    return this.changes.caughtUp();
  }
}
