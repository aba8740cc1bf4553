import {
  DataSource,
  type EntitySchema,
  type Migration,
  MigrationExecutor,
  type MigrationInterface,
} from 'typeorm';
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
  /**
   * Server settings every connection of the pool starts with (sent at connection start, as
   * libpq's `options`): planner costs fitting the service's queries. A pooler in between must
   * pass them on or ignore them (PgBouncer: `ignore_startup_parameters = options`).
   */
  readonly settings?: Readonly<Record<string, string>>;
}

/** `settings` as the startup `options` string: `-c name=value` each. */
const startupOptions = (settings: Readonly<Record<string, string>>): string =>
  Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');

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
      ...(options.settings ? { options: startupOptions(options.settings) } : {}),
    },
  });
}

const schemaOf = (dataSource: DataSource): string => (dataSource.options as { schema: string }).schema;

/**
 * A migration that contracts the schema: it drops or tightens what the previous release still
 * reads, so during an upgrade it runs only after every pod runs the new release (Mastodon's
 * post-deployment migrations). Everything else expands the schema and runs before the new
 * release starts; code must work with its post-deployment migrations pending or applied.
 */
export interface PostDeploymentMigration extends MigrationInterface {
  readonly postDeployment: true;
}

const isPostDeployment = (migration: Migration): boolean =>
  (migration.instance as Partial<PostDeploymentMigration> | undefined)?.postDeployment === true;

/** TypeORM's executor over the migrations that run before a release starts: all but contracts. */
class PreDeploymentExecutor extends MigrationExecutor {
  protected override getMigrations(): Migration[] {
    return super.getMigrations().filter((migration) => !isPostDeployment(migration));
  }
}

export interface MigrateOptions {
  /**
   * Leave post-deployment migrations pending (SKIP_POST_DEPLOYMENT_MIGRATIONS: the pre-upgrade
   * hook); a later run without it applies them.
   */
  readonly skipPostDeployment?: boolean;
}

/** Creates the schema when missing and applies pending migrations, one transaction each. */
export async function migrateServiceDatabase(
  dataSource: DataSource,
  options: MigrateOptions = {},
): Promise<string[]> {
  const schema = schemaOf(dataSource);
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  const executor = options.skipPostDeployment
    ? new PreDeploymentExecutor(dataSource)
    : new MigrationExecutor(dataSource);
  executor.transaction = 'each';
  const applied = await executor.executePendingMigrations();
  if (applied.length)
    logger('platform:database').info({ schema, applied: applied.map((m) => m.name) }, 'migrated');
  return applied.map((m) => m.name);
}

/** What a schema still needs: the names of its pending migrations, each marked as pre or post. */
export async function pendingMigrations(
  dataSource: DataSource,
): Promise<{ name: string; postDeployment: boolean }[]> {
  // A schema not created yet has no migrations table: everything is pending.
  const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
  return pending.map((migration) => ({ name: migration.name, postDeployment: isPostDeployment(migration) }));
}

export class SchemaBehindError extends Error {}

/**
 * A service refuses to start on a schema that is behind its code. Pending post-deployment
 * migrations do not count: during an upgrade the new release starts before they run.
 */
export async function assertSchemaCurrent(dataSource: DataSource): Promise<void> {
  const schema = schemaOf(dataSource);
  if ((await pendingMigrations(dataSource)).some((migration) => !migration.postDeployment)) {
    throw new SchemaBehindError(
      `The "${schema}" schema is behind this code: run the migrations (npm run mammut -- db migrate)`,
    );
  }
}
