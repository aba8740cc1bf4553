import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every GIN index of the search schema takes its entries as they come (`fastupdate = off`), as the
 * terms' tsvector index does since CreateStatusTerms: with PostgreSQL's default, new entries wait
 * in a pending list of up to 4 MB that every search reads whole until a vacuum merges it. Account
 * names change all day on a federated instance (remote accounts arrive and update), and the
 * account search answers the mention autocomplete as one types. The entries already pending are
 * merged now.
 */
export class GinWithoutPendingLists1796600000600 implements MigrationInterface {
  name = 'GinWithoutPendingLists1796600000600';

  async up(q: QueryRunner): Promise<void> {
    for (const index of ['accounts_tsv_idx', 'status_terms_mentions_idx']) {
      await q.query(`ALTER INDEX "search"."${index}" SET (fastupdate = off)`);
      await q.query(`SELECT gin_clean_pending_list('"search"."${index}"'::regclass)`);
    }
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
