import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifies what the in-process read caches hold (ADR 0005): `c:<account id>` when an account or
 * its user changes or a follow request to it comes or goes (credentials), `r:<account id>` for both
 * sides of a follow, request, block, mute, note or endorsement, and for the owner of a domain block
 * (relationships). On the channel the grant triggers use, so one listener hears everything.
 * Notifications with the same text are sent once per transaction, however many rows changed.
 */
export class NotifyAccountChanges1796071345568 implements MigrationInterface {
  name = 'NotifyAccountChanges1796071345568';

  async up(q: QueryRunner): Promise<void> {
    const s = 'accounts';
    const pairs = ['follows', 'follow_requests', 'blocks', 'mutes', 'account_notes', 'account_endorsements'];
    const statements = [
      `CREATE FUNCTION "${s}"."notify_account_change"() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE
         changed record;
       BEGIN
         IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
         -- Separate statements: PL/pgSQL plans each on first use, and the tables differ in columns.
         IF TG_ARGV[0] = 'account' THEN
           PERFORM pg_notify('mammut_accounts_grants', 'c:' || changed.id::text);
         ELSIF TG_ARGV[0] = 'user' THEN
           PERFORM pg_notify('mammut_accounts_grants', 'c:' || changed.account_id::text);
         ELSIF TG_ARGV[0] = 'owner' THEN
           PERFORM pg_notify('mammut_accounts_grants', 'r:' || changed.account_id::text);
         ELSE
           PERFORM pg_notify('mammut_accounts_grants', 'r:' || changed.account_id::text);
           PERFORM pg_notify('mammut_accounts_grants', 'r:' || changed.target_account_id::text);
           IF TG_ARGV[0] = 'request' THEN
             PERFORM pg_notify('mammut_accounts_grants', 'c:' || changed.target_account_id::text);
           END IF;
         END IF;
         RETURN NULL;
       END $$`,
      `CREATE TRIGGER "accounts_changed" AFTER UPDATE OR DELETE ON "${s}"."accounts"
         FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_account_change"('account')`,
      `CREATE TRIGGER "users_changed" AFTER UPDATE OR DELETE ON "${s}"."users"
         FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_account_change"('user')`,
      `CREATE TRIGGER "account_domain_blocks_changed" AFTER INSERT OR UPDATE OR DELETE ON "${s}"."account_domain_blocks"
         FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_account_change"('owner')`,
      ...pairs.map(
        (table) => `CREATE TRIGGER "${table}_changed" AFTER INSERT OR UPDATE OR DELETE ON "${s}"."${table}"
           FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_account_change"('${table === 'follow_requests' ? 'request' : 'pair'}')`,
      ),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
