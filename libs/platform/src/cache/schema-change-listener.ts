import type { OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ChangeListener, type ChangeListenerOptions, ReadYourWrites } from './change-listener';

/**
 * A service's ChangeListener as a Nest provider over its schema's DataSource: every write there
 * waits until its own notifications reached the caches (ReadYourWrites), and it listens from the
 * application's bootstrap until the module is destroyed.
 */
export abstract class SchemaChangeListener
  extends ChangeListener
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy
{
  protected constructor(
    private readonly db: DataSource,
    options: ChangeListenerOptions,
  ) {
    super(options);
  }

  onModuleInit(): void {
    this.db.subscribers.push(new ReadYourWrites(this));
  }

  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }
}
