import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a remote account's cached avatar or header came from (its server's `icon`/`image`): the
 * image is fetched again only when its server names another.
 */
export class AddProfileImageRemoteUrl1796200000100 implements MigrationInterface {
  name = 'AddProfileImageRemoteUrl1796200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "media"."profile_images" ADD COLUMN "remote_url" text`);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
