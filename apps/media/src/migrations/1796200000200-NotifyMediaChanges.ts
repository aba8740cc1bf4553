import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * For the media service's in-process cache of attachments (ADR 0005): `m:<attachment id>` on every
 * change to an attachment's row (processed, described, attached, fetched, removed). A new row
 * notifies nothing: nothing can have cached it. Notifications with the same text are sent once per
 * transaction, however many times the row changed.
 */
export class NotifyMediaChanges1796200000200 implements MigrationInterface {
  name = 'NotifyMediaChanges1796200000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE FUNCTION "media"."notify_media_change"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM pg_notify('mammut_media_changes', 'm:' || OLD.id::text);
         RETURN NULL;
       END $$`,
    );
    await q.query(
      `CREATE TRIGGER "media_attachments_changed" AFTER UPDATE OR DELETE ON "media"."media_attachments"
         FOR EACH ROW EXECUTE FUNCTION "media"."notify_media_change"()`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
