import { cloneTemplateDatabase, dropDatabase, testInfra, uniqueName } from '@mammut/testing';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  assertSchemaCurrent,
  createServiceDataSource,
  migrateServiceDatabase,
  pendingMigrations,
  type PostDeploymentMigration,
  SchemaBehindError,
} from './data-source';

jest.setTimeout(60_000);

/**
 * An upgrade in two steps, on real PostgreSQL in a schema of this file's own: the pre-upgrade run
 * (SKIP_POST_DEPLOYMENT_MIGRATIONS) expands the schema and leaves the contracting migration
 * pending, services start on it all the same, and the post-upgrade run contracts it.
 */
describe('post-deployment migrations', () => {
  const infra = testInfra();
  const schema = uniqueName('upgrade_');
  let databaseUrl: string;

  // Release 1 had `name`; release 2 reads `display_name` only, and drops `name` once it is out.
  class CreateThings1000000000000 implements MigrationInterface {
    async up(q: QueryRunner): Promise<void> {
      await q.query(`CREATE TABLE "${schema}"."things" ("id" bigint PRIMARY KEY, "name" text)`);
    }
    async down(): Promise<void> {}
  }
  class AddDisplayName1000000000100 implements MigrationInterface {
    async up(q: QueryRunner): Promise<void> {
      await q.query(`ALTER TABLE "${schema}"."things" ADD COLUMN "display_name" text`);
    }
    async down(): Promise<void> {}
  }
  class DropName1000000000200 implements PostDeploymentMigration {
    readonly postDeployment = true;
    async up(q: QueryRunner): Promise<void> {
      await q.query(`ALTER TABLE "${schema}"."things" DROP COLUMN "name"`);
    }
    async down(): Promise<void> {}
  }
  class AddIndex1000000000300 implements MigrationInterface {
    async up(q: QueryRunner): Promise<void> {
      await q.query(`CREATE INDEX "things_display_name_idx" ON "${schema}"."things" ("display_name")`);
    }
    async down(): Promise<void> {}
  }

  const dataSource = (migrations: (new () => MigrationInterface)[]) =>
    createServiceDataSource({ schema, url: databaseUrl, entities: [], migrations }).initialize();

  const columns = async (): Promise<string[]> => {
    const db = await dataSource([]);
    try {
      const rows: { column_name: string }[] = await db.query(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = $1 AND table_name = 'things' ORDER BY column_name`,
        [schema],
      );
      return rows.map((row) => row.column_name);
    } finally {
      await db.destroy();
    }
  };

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
  });

  afterAll(async () => {
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  it('expands before the upgrade, lets the new release start, and contracts after it', async () => {
    const release1 = await dataSource([CreateThings1000000000000]);
    expect(await migrateServiceDatabase(release1)).toEqual(['CreateThings1000000000000']);
    await release1.destroy();

    const release2 = await dataSource([
      CreateThings1000000000000,
      AddDisplayName1000000000100,
      DropName1000000000200,
      AddIndex1000000000300,
    ]);
    try {
      await expect(assertSchemaCurrent(release2)).rejects.toBeInstanceOf(SchemaBehindError);
      // The pre-upgrade hook: everything but the contraction, in order (the index after it too).
      expect(await migrateServiceDatabase(release2, { skipPostDeployment: true })).toEqual([
        'AddDisplayName1000000000100',
        'AddIndex1000000000300',
      ]);
      expect(await columns()).toEqual(['display_name', 'id', 'name']);
      expect(await pendingMigrations(release2)).toEqual([
        { name: 'DropName1000000000200', postDeployment: true },
      ]);
      // Release 2 starts while the contraction is pending; running it again changes nothing.
      await expect(assertSchemaCurrent(release2)).resolves.toBeUndefined();
      expect(await migrateServiceDatabase(release2, { skipPostDeployment: true })).toEqual([]);
      // The post-upgrade run.
      expect(await migrateServiceDatabase(release2)).toEqual(['DropName1000000000200']);
      expect(await columns()).toEqual(['display_name', 'id']);
      expect(await pendingMigrations(release2)).toEqual([]);
    } finally {
      await release2.destroy();
    }
  });

  it('counts every migration of a schema not created yet as pending', async () => {
    const fresh = await createServiceDataSource({
      schema: uniqueName('fresh_'),
      url: databaseUrl,
      entities: [],
      migrations: [CreateThings1000000000000, DropName1000000000200],
    }).initialize();
    try {
      expect(await pendingMigrations(fresh)).toEqual([
        { name: 'CreateThings1000000000000', postDeployment: false },
        { name: 'DropName1000000000200', postDeployment: true },
      ]);
      await expect(assertSchemaCurrent(fresh)).rejects.toBeInstanceOf(SchemaBehindError);
    } finally {
      await fresh.destroy();
    }
  });
});
