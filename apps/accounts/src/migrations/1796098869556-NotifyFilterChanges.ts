import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifies `f:<account id>` on every change to an account's filters, their keywords or statuses,
 * for the in-process cache of each viewer's active filters (FiltersCache), on the channel the
 * other read caches hear. A keyword or status removed with its filter finds no filter any more:
 * the filter's own deletion has notified already.
 */
export class NotifyFilterChanges1796098869556 implements MigrationInterface {
  name = 'NotifyFilterChanges1796098869556';

  async up(q: QueryRunner): Promise<void> {
    const s = 'accounts';
    const statements = [
      `CREATE FUNCTION "${s}"."notify_filter_change"() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE
         changed record;
         owner bigint;
       BEGIN
         IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
         IF TG_ARGV[0] = 'filter' THEN
           owner := changed.account_id;
         ELSE
           SELECT f.account_id INTO owner FROM "${s}"."filters" f WHERE f.id = changed.filter_id;
         END IF;
         IF owner IS NOT NULL THEN
           PERFORM pg_notify('mammut_accounts_grants', 'f:' || owner::text);
         END IF;
         RETURN NULL;
       END $$`,
      ...['filters', 'filter_keywords', 'filter_statuses'].map(
        (table) => `CREATE TRIGGER "${table}_changed" AFTER INSERT OR UPDATE OR DELETE ON "${s}"."${table}"
           FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_filter_change"('${table === 'filters' ? 'filter' : 'part'}')`,
      ),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
