import { Inject, Injectable } from '@nestjs/common';
import { type ActorRecord, contracts, type RawHttpResponse, type StatusRecord } from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config } from '@mammut/platform';
import { ACTIVITY_JSON, ACTIVITY_TYPES, answer } from '../http/responses';
import { announceOf, createOf, noteDocument } from './note-documents';
import { NoteSubjects } from './note-subjects';

const notFound = (): RawHttpResponse => answer(404, 'Record not found');

/** Which document of a status a URL names: the Note at its id, or the activity that carried it. */
export type StatusDocumentKind = 'note' | 'activity';

/**
 * Local statuses at their ActivityPub ids (`/users/<name>/statuses/<id>`, and `/activity` for the
 * Create, or the Announce of a reblog), as Mastodon's StatusesController serves them: JSON to peers,
 * a redirect to the status's page to browsers (`Vary: Accept`). Only public and unlisted statuses
 * are served: without authorized fetch nobody can prove they may see the others, so those, like
 * unknown, deleted and remote statuses, are 404 to everyone.
 */
@Injectable()
export class StatusDocuments {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly subjects: NoteSubjects,
  ) {}

  async serve(
    username: string,
    id: string,
    kind: StatusDocumentKind,
    accept: string,
  ): Promise<RawHttpResponse> {
    const { statuses, reblogged } = await this.bus.request(contracts.statuses.statuses.getStatuses, {
      ids: [id],
    });
    const status = statuses[0];
    if (!status?.local || (status.visibility !== 'public' && status.visibility !== 'unlisted'))
      return notFound();
    const original = status.reblogOfId ? reblogged.find((shared) => shared.id === status.reblogOfId) : null;
    // A reblog has no Note of its own: only its Announce, at `/activity`.
    if (status.reblogOfId && (kind === 'note' || !original)) return notFound();
    const subject = await this.subjects.of(status);
    if (!subject || subject.author.username.toLowerCase() !== username.toLowerCase()) return notFound();
    if (!ACTIVITY_TYPES.test(accept)) {
      const page = original ? (original.url ?? original.uri) : (status.url ?? status.uri);
      return { status: 302, headers: { location: page, vary: 'Accept' }, body: '' };
    }
    const document = original
      ? await this.announce(status, original, subject.author)
      : kind === 'note'
        ? noteDocument(subject, this.config)
        : createOf(subject, this.config);
    if (!document) return notFound();
    return {
      status: 200,
      headers: {
        'content-type': ACTIVITY_JSON,
        vary: 'Accept',
        // As Mastodon caches its JSON outside authorized-fetch mode: peers fetching a popular
        // status in a burst are spared a trip each.
        'cache-control': 'max-age=180, public',
      },
      body: JSON.stringify(document),
    };
  }

  private async announce(
    reblog: StatusRecord,
    original: StatusRecord,
    booster: ActorRecord,
  ): Promise<Record<string, unknown> | null> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, {
      ids: [original.accountId],
    });
    const author = actors[0];
    if (!author) return null;
    return announceOf({
      id: reblog.id,
      uri: reblog.uri,
      visibility: reblog.visibility,
      createdAt: reblog.createdAt,
      booster,
      originalUri: original.uri,
      originalAuthorUri: author.uri,
    });
  }
}
