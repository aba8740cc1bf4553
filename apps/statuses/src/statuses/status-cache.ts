import { Inject, Injectable } from '@nestjs/common';
import type { StatusRecord } from '@mammut/contracts';
import { CLOCK, type Clock, CONFIG, type Config, SchemaChangeListener, TaggedCache } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';

/** The channel the statuses schema's triggers notify on (their migration spells it out too). */
export const STATUS_CHANGES_CHANNEL = 'mammut_statuses_changes';

/** How long a cached status is trusted without a new read, should an invalidation ever go missing. */
const STATUS_TTL_MS = 60_000;

/**
 * Statuses as every page of a timeline asks for them, by id: filed under `s:<status id>`, which
 * PostgreSQL notifies on every change to the row (its counters, an edit, the deletion) or to its
 * mentions. Only statuses found are kept. A busy status is read again after each favourite; the
 * many quiet ones on every page are not.
 */
@Injectable()
export class StatusRecordsCache extends TaggedCache<StatusRecord> {
  constructor(@Inject(CLOCK) clock: Clock) {
    super({ ttlMs: STATUS_TTL_MS, max: 100_000, now: () => clock.millis() });
  }
}

/**
 * What a viewer did to a status, as every page shown to it asks (`f`avourited, `b`ookmarked,
 * `r`eblogged, `p`inned, thread `m`uted; an empty string for nothing), by `<viewer>:<status>`:
 * filed under `v:<viewer id>`, which PostgreSQL notifies on every favourite, bookmark, pin, thread
 * mute and reblog of the viewer, added or withdrawn.
 */
@Injectable()
export class ViewerStateCache extends TaggedCache<string> {
  constructor(@Inject(CLOCK) clock: Clock) {
    super({ ttlMs: STATUS_TTL_MS, max: 200_000, now: () => clock.millis() });
  }
}

/**
 * Keeps StatusRecordsCache and ViewerStateCache true to PostgreSQL: every replica hears every
 * change (ChangeListener), and every write on the statuses schema waits until its own changes
 * reached the caches.
 */
@Injectable()
export class StatusChangesListener extends SchemaChangeListener {
  constructor(
    @Inject(CONFIG) config: Config,
    @Inject(STATUSES_DB) db: DataSource,
    statuses: StatusRecordsCache,
    viewerStates: ViewerStateCache,
  ) {
    super(db, {
      databaseUrl: config.databaseUrl,
      channel: STATUS_CHANGES_CHANNEL,
      name: 'mammut-statuses-changes',
      tags: /^[sv]:\d+$/,
      caches: [statuses, viewerStates] as TaggedCache<unknown>[],
    });
  }
}
