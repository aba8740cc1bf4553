import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ReadYourWrites as ReadYourWritesSubscriber } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { AccountChangesListener } from './account-changes.listener';

/** Every transaction on the accounts schema waits until its own changes reached the read caches. */
@Injectable()
export class ReadYourWrites implements OnModuleInit {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly changes: AccountChangesListener,
  ) {}

  onModuleInit(): void {
    this.db.subscribers.push(new ReadYourWritesSubscriber(this.changes));
  }
}
