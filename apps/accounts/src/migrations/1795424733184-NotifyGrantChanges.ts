import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifies `mammut_accounts_grants` whenever what a token grants may have narrowed: the token
 * revoked or deleted, its user disabled, re-roled, unconfirmed, unapproved or deleted, its account
 * suspended or deleted. Triggers rather than application code, so every writer (any replica, the
 * operator CLI, SQL by hand) invalidates the token caches. Payloads: `t:<token digest>`,
 * `u:<user id>`, `a:<account id>`.
 */
export class NotifyGrantChanges1795424733184 implements MigrationInterface {
  name = 'NotifyGrantChanges1795424733184';

  async up(q: QueryRunner): Promise<void> {
    const s = 'accounts';
    const statements = [
      `CREATE FUNCTION "${s}"."notify_grant_change"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         -- Separate statements: PL/pgSQL plans each on first use, and users have no token_digest.
         IF TG_ARGV[0] = 't' THEN
           PERFORM pg_notify('mammut_accounts_grants', 't:' || OLD.token_digest);
         ELSE
           PERFORM pg_notify('mammut_accounts_grants', TG_ARGV[0] || ':' || OLD.id::text);
         END IF;
         RETURN NULL;
       END $$`,
      `CREATE TRIGGER "oauth_access_tokens_grant_changed" AFTER UPDATE ON "${s}"."oauth_access_tokens"
         FOR EACH ROW WHEN ((OLD.revoked_at, OLD.token_digest, OLD.user_id, OLD.application_id, OLD.scopes)
           IS DISTINCT FROM (NEW.revoked_at, NEW.token_digest, NEW.user_id, NEW.application_id, NEW.scopes))
         EXECUTE FUNCTION "${s}"."notify_grant_change"('t')`,
      `CREATE TRIGGER "oauth_access_tokens_grant_deleted" AFTER DELETE ON "${s}"."oauth_access_tokens"
         FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_grant_change"('t')`,
      `CREATE TRIGGER "users_grant_changed" AFTER UPDATE ON "${s}"."users"
         FOR EACH ROW WHEN ((OLD.account_id, OLD.role, OLD.confirmed_at, OLD.approved, OLD.disabled)
           IS DISTINCT FROM (NEW.account_id, NEW.role, NEW.confirmed_at, NEW.approved, NEW.disabled))
         EXECUTE FUNCTION "${s}"."notify_grant_change"('u')`,
      `CREATE TRIGGER "users_grant_deleted" AFTER DELETE ON "${s}"."users"
         FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_grant_change"('u')`,
      `CREATE TRIGGER "accounts_grant_changed" AFTER UPDATE ON "${s}"."accounts"
         FOR EACH ROW WHEN (OLD.suspended_at IS DISTINCT FROM NEW.suspended_at)
         EXECUTE FUNCTION "${s}"."notify_grant_change"('a')`,
      `CREATE TRIGGER "accounts_grant_deleted" AFTER DELETE ON "${s}"."accounts"
         FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_grant_change"('a')`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
