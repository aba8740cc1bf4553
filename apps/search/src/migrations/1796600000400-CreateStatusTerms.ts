import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Who may find a status (everyone, hidden), from its author's row (`a`, left joined) and its visibility. */
export const FLAGS = (v: string): string => `
  ${v} = 'public' AND coalesce(a.indexable AND NOT (a.suspended OR a.deleted), false),
  coalesce(a.suspended OR a.deleted, false)`;

/**
 * A search walks the statuses newest first until its page is full, a few hundred to a few thousand
 * rows for a word of middling frequency, and each row it passes costs what the row weighs and
 * what it joins: the whole document (its text, its media) and the author's row for who may find
 * it. `search.status_terms` holds only what a search matches and filters on, with the author's
 * flags kept on each row (`everyone`: public, author indexable and not gone; `hidden`: author
 * suspended or deleted), so the walk reads a third fewer pages and joins nothing.
 *
 * Its GIN indexes take each status as it comes (`fastupdate = off`): with PostgreSQL's default,
 * new entries wait in a pending list of up to 4 MB until a vacuum merges them, and every search
 * reads that whole list (two words: 1.1 ms with it empty, 3.5 ms with it full). Indexing a status
 * costs more instead (about 50 µs), once.
 * `search.statuses` keeps the document for `search deploy`; its tsvector and the indexes over it
 * go in the post-deployment migration (DropStatusesTsv), once no release searches it.
 *
 * Meanwhile the previous release still writes `search.statuses` alone, tsvector included: a
 * trigger mirrors what it writes into the terms. This release writes no tsvector there (the
 * column may be null from now on), and a row it updates keeps its old tsvector unchanged, which
 * the trigger leaves alone; it writes the terms itself.
 */
export class CreateStatusTerms1796600000400 implements MigrationInterface {
  name = 'CreateStatusTerms1796600000400';

  async up(q: QueryRunner): Promise<void> {
    const s = 'search';
    const columns = `id, account_id, visibility, language, tsv, properties, tags, mentions, created_at, everyone, hidden`;
    const copied = `
       SELECT st.id, st.account_id, st.visibility, st.language, st.tsv, st.properties, st.tags,
              st.mentions, st.created_at, ${FLAGS('st.visibility')}
         FROM "${s}"."statuses" st LEFT JOIN "${s}"."accounts" a ON a.id = st.account_id`;
    const upsert = columns
      .split(', ')
      .filter((column) => column !== 'id')
      .map((column) => `${column} = EXCLUDED.${column}`)
      .join(', ');
    const statements = [
      `CREATE TABLE "${s}"."status_terms" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "visibility" text NOT NULL,
        "language" text,
        "tsv" tsvector NOT NULL,
        "properties" text[] NOT NULL DEFAULT '{}',
        "tags" text[] NOT NULL DEFAULT '{}',
        "mentions" bigint[] NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL,
        "everyone" boolean NOT NULL,
        "hidden" boolean NOT NULL,
        CONSTRAINT "status_terms_pkey" PRIMARY KEY ("id"))`,
      `INSERT INTO "${s}"."status_terms" (${columns}) ${copied}`,
      `CREATE INDEX "status_terms_tsv_idx" ON "${s}"."status_terms" USING gin ("tsv") WITH (fastupdate = off)`,
      `CREATE INDEX "status_terms_tags_idx" ON "${s}"."status_terms" USING gin ("tags") WITH (fastupdate = off)`,
      `CREATE INDEX "status_terms_mentions_idx" ON "${s}"."status_terms" USING gin ("mentions")`,
      `CREATE INDEX "status_terms_account_id_idx" ON "${s}"."status_terms" ("account_id", "id" DESC)`,
      // What the previous release wrote while the copy ran, before the trigger mirrors it: with
      // its writers held off from here to the end, the statuses indexed or touched lately are
      // copied again and the terms of statuses deleted meanwhile go. (An indexing transaction
      // stamps its rows when it begins, and takes milliseconds, not an hour.)
      `LOCK TABLE "${s}"."statuses" IN SHARE ROW EXCLUSIVE MODE`,
      `INSERT INTO "${s}"."status_terms" (${columns}) ${copied}
        WHERE st.indexed_at >= transaction_timestamp() - interval '1 hour'
       ON CONFLICT (id) DO UPDATE SET ${upsert}`,
      `DELETE FROM "${s}"."status_terms" t
        WHERE NOT EXISTS (SELECT 1 FROM "${s}"."statuses" st WHERE st.id = t.id)`,
      `CREATE FUNCTION "${s}"."mirror_status_terms"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           DELETE FROM "${s}"."status_terms" WHERE id = OLD.id;
           RETURN OLD;
         END IF;
         INSERT INTO "${s}"."status_terms" (${columns})
         SELECT NEW.id, NEW.account_id, NEW.visibility, NEW.language, NEW.tsv, NEW.properties,
                NEW.tags, NEW.mentions, NEW.created_at, ${FLAGS('NEW.visibility')}
           FROM (SELECT) AS one LEFT JOIN "${s}"."accounts" a ON a.id = NEW.account_id
         ON CONFLICT (id) DO UPDATE SET ${upsert};
         RETURN NEW;
       END $$`,
      // The previous release's writes only: a tsvector written or changed (this release writes none).
      `CREATE TRIGGER "statuses_mirror_insert" AFTER INSERT ON "${s}"."statuses"
         FOR EACH ROW WHEN (NEW.tsv IS NOT NULL) EXECUTE FUNCTION "${s}"."mirror_status_terms"()`,
      `CREATE TRIGGER "statuses_mirror_update" AFTER UPDATE ON "${s}"."statuses"
         FOR EACH ROW WHEN (NEW.tsv IS NOT NULL AND NEW.tsv IS DISTINCT FROM OLD.tsv)
         EXECUTE FUNCTION "${s}"."mirror_status_terms"()`,
      `CREATE TRIGGER "statuses_mirror_delete" AFTER DELETE ON "${s}"."statuses"
         FOR EACH ROW EXECUTE FUNCTION "${s}"."mirror_status_terms"()`,
      `ALTER TABLE "${s}"."statuses" ALTER COLUMN "tsv" DROP NOT NULL`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
