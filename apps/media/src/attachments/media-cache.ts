import { Inject, Injectable } from '@nestjs/common';
import type { MediaAttachmentRecord } from '@mammut/contracts';
import { CLOCK, type Clock, CONFIG, type Config, SchemaChangeListener, TaggedCache } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { MEDIA_DB } from '../database/media-database';

/** The channel the media schema's trigger notifies on (its migration spells it out too). */
export const MEDIA_CHANGES_CHANNEL = 'mammut_media_changes';

/** How long a cached attachment is trusted without a new read, should an invalidation ever go missing. */
const MEDIA_TTL_MS = 60_000;

/**
 * Attachments as every page of statuses asks for them, by id: filed under `m:<attachment id>`,
 * which PostgreSQL notifies on every change to the row (processed, described, attached, fetched,
 * removed). Only attachments found are kept: an id not there yet is read again next time.
 */
@Injectable()
export class MediaRecordsCache extends TaggedCache<MediaAttachmentRecord> {
  constructor(@Inject(CLOCK) clock: Clock) {
    super({ ttlMs: MEDIA_TTL_MS, max: 100_000, now: () => clock.millis() });
  }
}

/**
 * Keeps MediaRecordsCache true to PostgreSQL: every replica hears every change (ChangeListener),
 * and every write on the media schema waits until its own changes reached the cache.
 */
@Injectable()
export class MediaChangesListener extends SchemaChangeListener {
  constructor(
    @Inject(CONFIG) config: Config,
    @Inject(MEDIA_DB) db: DataSource,
    attachments: MediaRecordsCache,
  ) {
    super(db, {
      databaseUrl: config.databaseUrl,
      channel: MEDIA_CHANGES_CHANNEL,
      name: 'mammut-media-changes',
      tags: /^m:\d+$/,
      caches: [attachments] as TaggedCache<unknown>[],
    });
  }
}
