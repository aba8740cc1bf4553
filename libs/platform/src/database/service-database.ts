import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { CONFIG } from '../runtime/platform.module';
import { createServiceDataSource, type ServiceDatabaseOptions } from './data-source';

/** A service's database: how to open it (migrations, CLI) and the Nest provider of its pool. */
export interface ServiceDatabase {
  readonly dataSource: (config: Config) => DataSource;
  /** Provides the initialised DataSource under `token`. */
  readonly provider: Provider;
}

/** The one way a service declares its schema: its name, its migrations, the token it is injected by. */
export function serviceDatabase(
  token: symbol,
  options: Pick<ServiceDatabaseOptions, 'schema' | 'migrations' | 'settings'>,
): ServiceDatabase {
  const dataSource = (config: Config): DataSource =>
    createServiceDataSource({
      ...options,
      url: config.databaseUrl,
      entities: [],
      preparedStatements: config.databasePreparedStatements,
    });
  return {
    dataSource,
    provider: {
      provide: token,
      inject: [CONFIG],
      useFactory: (config: Config): Promise<DataSource> => dataSource(config).initialize(),
    },
  };
}
