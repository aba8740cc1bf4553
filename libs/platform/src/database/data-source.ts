import { DataSource, type EntitySchema, MigrationExecutor, type MigrationInterface } from 'typeorm';
import { logger } from '../logging/logger';
import { MammutNamingStrategy } from './naming-strategy';
import { PreparingClient } from './prepared-statements';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityTarget = Function | EntitySchema;
type MigrationClass = new () => MigrationInterface;

export interface ServiceDatabaseOptions {
  /** The service's own PostgreSQL schema; nothing else reads or writes it. */
  readonly schema: string;
  readonly url: string;
  readonly entities: EntityTarget[];
  readonly migrations: MigrationClass[];
  readonly poolSize?: number;
  /** Connections prepare their parameterised statements (PreparingClient); default true. */
  readonly preparedStatements?: boolean;
}

export function createServiceDataSource(options: ServiceDatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new MammutNamingStrategy(),
    synchronize: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      application_name: `mammut-${options.schema}`,
      ...(options.preparedStatements === false ? {} : { Client: PreparingClient }),
    },
  });
}

/** Creates the schema when missing and applies pending migrations. */
const schemaOf = (dataSource: DataSource): string => (dataSource.options as { schema: string }).schema;

export async function migrateServiceDatabase(dataSource: DataSource): Promise<string[]> {
  const schema = schemaOf(dataSource);
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  if (applied.length)
    logger('platform:database').info({ schema, applied: applied.map((m) => m.name) }, 'migrated');
  return applied.map((m) => m.name);
}

export class SchemaBehindError extends Error {}

/** A service refuses to start on a schema that is behind its code. */
export async function assertSchemaCurrent(dataSource: DataSource): Promise<void> {
  const schema = schemaOf(dataSource);
  const exists: unknown[] = await dataSource.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
  if (!exists.length || (await dataSource.showMigrations())) {
    throw new SchemaBehindError(
      `The "${schema}" schema is behind this code: run the migrations (npm run mammut -- db migrate)`,
    );
  }
}

/** The migrations of this code the schema has not applied, in order; all of them when it does not exist. */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
  return pending.map((migration) => migration.name);
}
