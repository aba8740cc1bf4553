import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * For the in-process caches of the statuses service (ADR 0005): `s:<status id>` on every change to
 * a status row (counters, edits, deletion) or to its mentions (StatusRecordsCache; a new status
 * notifies nothing, nothing can have cached it), and `v:<account id>` on every change to what an
 * account did to statuses: its favourites, bookmarks, pins, muted threads and reblogs
 * (ViewerStateCache). Notifications with the same text are sent once per transaction, however many
 * rows changed.
 */
export class NotifyStatusChanges1796200000400 implements MigrationInterface {
  name = 'NotifyStatusChanges1796200000400';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `CREATE FUNCTION "${s}"."notify_status_change"() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE
         changed record;
       BEGIN
         IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
         IF TG_ARGV[0] = 'status' THEN
           IF TG_OP <> 'INSERT' THEN
             PERFORM pg_notify('mammut_statuses_changes', 's:' || changed.id::text);
           END IF;
           IF changed.reblog_of_id IS NOT NULL THEN
             PERFORM pg_notify('mammut_statuses_changes', 'v:' || changed.account_id::text);
           END IF;
         ELSIF TG_ARGV[0] = 'mention' THEN
           PERFORM pg_notify('mammut_statuses_changes', 's:' || changed.status_id::text);
         ELSE
           PERFORM pg_notify('mammut_statuses_changes', 'v:' || changed.account_id::text);
         END IF;
         RETURN NULL;
       END $$`,
      `CREATE TRIGGER "statuses_changed" AFTER UPDATE OR DELETE ON "${s}"."statuses"
         FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_status_change"('status')`,
      `CREATE TRIGGER "reblogs_added" AFTER INSERT ON "${s}"."statuses"
         FOR EACH ROW WHEN (NEW.reblog_of_id IS NOT NULL) EXECUTE FUNCTION "${s}"."notify_status_change"('status')`,
      `CREATE TRIGGER "mentions_changed" AFTER INSERT OR UPDATE OR DELETE ON "${s}"."mentions"
         FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_status_change"('mention')`,
      ...['favourites', 'bookmarks', 'status_pins', 'conversation_mutes'].map(
        (table) => `CREATE TRIGGER "${table}_changed" AFTER INSERT OR UPDATE OR DELETE ON "${s}"."${table}"
           FOR EACH ROW EXECUTE FUNCTION "${s}"."notify_status_change"('viewer')`,
      ),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
