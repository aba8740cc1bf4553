import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { assertSchemaCurrent, busController, HealthModule, postgresReadiness } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { SEARCH_DB, searchDatabaseProvider } from './database/search-database';
import { SearchDirectory } from './directory/search-directory';
import { PostgresStatusIndex } from './index/postgres-status-index';
import { SearchIndexer } from './index/search-indexer';
import { STATUS_INDEX } from './index/status-index';
import { SearchHandlers } from './query/search.handlers';
import { SearchService } from './query/search.service';

/**
 * Search: an index of statuses, accounts and hashtags in its own schema, fed by status and
 * account events, answering `search.result.list` on the bus. PostgreSQL full text behind the
 * StatusIndex interface, where an Elasticsearch backend slots in later.
 */
@Module({
  imports: [HealthModule],
  controllers: [busController(contracts.search, SearchHandlers)],
  providers: [
    searchDatabaseProvider,
    postgresReadiness('search', SEARCH_DB),
    { provide: STATUS_INDEX, useClass: PostgresStatusIndex },
    SearchDirectory,
    SearchIndexer,
    SearchService,
    SearchHandlers,
  ],
})
export class SearchModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(SEARCH_DB) private readonly db: DataSource,
    private readonly indexer: SearchIndexer,
  ) {}

  /** Before the bus server listens: refuse a schema that is behind, then start consuming events. */
  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    await this.indexer.start();
  }

  /** After the bus has drained: the consumers finish their events, then the pool closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.indexer.stop();
    await this.db.destroy();
  }
}
