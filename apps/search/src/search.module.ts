import type { Client } from '@elastic/elasticsearch';
import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import {
  assertSchemaCurrent,
  busController,
  CONFIG,
  type Config,
  HealthModule,
  postgresReadiness,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { SEARCH_DB, searchDatabaseProvider } from './database/search-database';
import { SearchDirectory } from './directory/search-directory';
import { createElasticsearchClient, ELASTICSEARCH } from './elasticsearch/elasticsearch-client';
import { ElasticsearchStatusIndex } from './elasticsearch/elasticsearch-status-index';
import { PostgresStatusIndex } from './index/postgres-status-index';
import { SearchIndexer } from './index/search-indexer';
import { STATUS_INDEX } from './index/status-index';
import { SearchHandlers } from './query/search.handlers';
import { SearchService } from './query/search.service';

/**
 * Search: an index of statuses, accounts and hashtags in its own schema, fed by status and
 * account events, answering `search.result.list` on the bus. Statuses are searched behind the
 * StatusIndex interface: PostgreSQL full text, or Elasticsearch/OpenSearch when ELASTICSEARCH_URL
 * is set (which keeps the tables as well, its source for `search deploy`).
 */
@Module({
  imports: [HealthModule],
  controllers: [busController(contracts.search, SearchHandlers)],
  providers: [
    searchDatabaseProvider,
    postgresReadiness('search', SEARCH_DB),
    PostgresStatusIndex,
    {
      provide: ELASTICSEARCH,
      inject: [CONFIG],
      useFactory: (config: Config): Client | null =>
        config.search.elasticsearch ? createElasticsearchClient(config.search.elasticsearch) : null,
    },
    {
      provide: STATUS_INDEX,
      inject: [CONFIG, ELASTICSEARCH, PostgresStatusIndex],
      useFactory: (config: Config, client: Client | null, tables: PostgresStatusIndex) =>
        client && config.search.elasticsearch
          ? new ElasticsearchStatusIndex(client, config.search.elasticsearch.prefix, tables)
          : tables,
    },
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
    @Optional() @Inject(ELASTICSEARCH) private readonly elasticsearch: Client | null,
  ) {}

  /** Before the bus server listens: refuse a schema that is behind, then start consuming events. */
  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    await this.indexer.start();
  }

  /** After the bus has drained: the consumers finish their events, then the pool closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.indexer.stop();
    await this.elasticsearch?.close();
    await this.db.destroy();
  }
}
