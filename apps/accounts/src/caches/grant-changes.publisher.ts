import { Inject, Injectable } from '@nestjs/common';
import { type GrantChangedMessage, grantChangedSubject, grantTag } from '@mammut/contracts';
import { CONFIG, type Config, logger, RUNTIME, type Runtime } from '@mammut/platform';

const log = logger('accounts:grant-changes');
const encoder = new TextEncoder();
/** The tags that narrow a grant; the listener's other tags (credentials, relationships, filters) do not. */
const GRANT_TAG_PREFIX = /^[tua]:/;

/**
 * Passes on what narrows a grant, as AccountChangesListener hears it from PostgreSQL, to everyone
 * on the bus (`broadcast.accounts.grant.changed`): the gateway ends the streams of a token that no
 * longer grants anything when told, instead of asking about every open stream's token all the
 * time. Every replica hears every notification and passes it on, so receivers get it once per
 * replica; that also means one replica's lost message is another's delivered one.
 */
@Injectable()
export class GrantChangesPublisher {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  /** A tag heard, or `undefined` when changes may have gone unheard (everything may have narrowed). */
  heard(tag: string | undefined): void {
    if (tag !== undefined && !GRANT_TAG_PREFIX.test(tag)) return;
    // A grant tag this code cannot read (a digest of another shape) narrows something unknown.
    const message: GrantChangedMessage =
      tag !== undefined && grantTag.safeParse(tag).success ? { tag } : { everything: true };
    const prefix = this.config.natsPrefix;
    const subject = prefix ? `${prefix}.${grantChangedSubject}` : grantChangedSubject;
    // Core NATS buffers while reconnecting; a connection closing or draining (shutting down)
    // throws, and must not take the PostgreSQL listener that called this down with it.
    try {
      this.runtime.nats.publish(subject, encoder.encode(JSON.stringify(message)));
    } catch (err) {
      log.warn({ err }, 'could not pass a grant change on');
    }
  }
}
