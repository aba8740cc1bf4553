import { timestampIdColumnSql, timestampIdFunctionsSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ids minted by PostgreSQL (ADR 0007): the schema's `timestamp_id` functions, with a secret made
 * here and now, and a sequence and default on every id column, so that the service's replicas,
 * the operator CLI and SQL by hand never make the same id. Rows already there keep theirs.
 */
export class AddTimestampIds1796067176833 implements MigrationInterface {
  name = 'AddTimestampIds1796067176833';

  async up(q: QueryRunner): Promise<void> {
    const s = 'accounts';
    const tables = [
      'accounts',
      'users',
      'oauth_applications',
      'oauth_access_grants',
      'oauth_access_tokens',
      'follows',
      'follow_requests',
      'blocks',
      'mutes',
      'account_domain_blocks',
      'account_notes',
      'account_endorsements',
      'outbox',
    ];
    const statements = [
      ...timestampIdFunctionsSql(s),
      ...tables.flatMap((table) => timestampIdColumnSql(s, table)),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
