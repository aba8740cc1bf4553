import type { PostDeploymentMigration } from '@mammut/platform';
import type { QueryRunner } from 'typeorm';

/** The properties only some statuses have, each walked newest first through an index of its own. */
export const INDEXED_PROPERTIES = ['media', 'image', 'video', 'audio', 'poll', 'link'];

/**
 * `has:media` (and `has:image`, `has:poll`, …) with a word: the search walks the statuses newest
 * first until the page is full, and with a property only one status in ten (or fewer) has, it
 * walked ten times as many. A partial index of each such property's statuses by id lets it walk
 * those alone. (`is:reply` and `is:sensitive` match too many statuses to gain from one.)
 *
 * Built concurrently, after the deployment: searches work without them, only slower, and a large
 * index takes a while to build.
 */
export class IndexStatusProperties1796600000300 implements PostDeploymentMigration {
  name = 'IndexStatusProperties1796600000300';
  readonly postDeployment = true;
  readonly transaction = false;

  async up(q: QueryRunner): Promise<void> {
    for (const property of INDEXED_PROPERTIES)
      await q.query(
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS "statuses_with_${property}_idx" ON "search"."statuses" ("id")
           WHERE "properties" @> '{${property}}'::text[]`,
      );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
