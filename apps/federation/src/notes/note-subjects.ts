import { Inject, Injectable } from '@nestjs/common';
import { type ActorRecord, contracts, type StatusRecord } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import type { NoteSubject } from './note-documents';

/** The most accounts `accounts.actor.get` reads at once. */
const ACTOR_BATCH = 200;

/**
 * What a local status's Note names besides the status itself (its author, the accounts it
 * mentions, the status it replies to, its poll), read in one batch per service.
 */
@Injectable()
export class NoteSubjects {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  /** Null when the status is not a local author's own (a remote status, or an author gone). */
  async of(status: StatusRecord): Promise<NoteSubject | null> {
    return (await this.ofEach([status]))[0];
  }

  /**
   * The subjects of several statuses (an outbox page, the pinned ones), in their order, with the
   * same nulls as `of`; one request per service for all of them.
   */
  async ofEach(statuses: readonly StatusRecord[]): Promise<(NoteSubject | null)[]> {
    const local = statuses.filter((status) => status.local);
    if (!local.length) return statuses.map(() => null);
    const accountIds = [...new Set(local.flatMap((status) => [status.accountId, ...status.mentions]))];
    const parentIds = [...new Set(local.flatMap((status) => status.inReplyToId ?? []))];
    const pollIds = [...new Set(local.flatMap((status) => status.pollId ?? []))];
    const mediaIds = [...new Set(local.flatMap((status) => status.mediaIds))];
    const [actors, parents, polls, media] = await Promise.all([
      this.actors(accountIds),
      parentIds.length ? this.bus.request(contracts.statuses.statuses.getStatuses, { ids: parentIds }) : null,
      pollIds.length
        ? this.bus.request(contracts.statuses.polls.getPolls, { ids: pollIds, viewerId: null })
        : null,
      mediaIds.length ? this.bus.request(contracts.media.attachments.list, { ids: mediaIds }) : null,
    ]);
    const mediaById = new Map(media?.attachments.map((attachment) => [attachment.id, attachment]));
    const byId = new Map(actors.map((actor) => [actor.id, actor]));
    const parentUris = new Map(parents?.statuses.map((parent) => [parent.id, parent.uri]));
    const pollsById = new Map(polls?.polls.map((poll) => [poll.id, poll]));
    return statuses.map((status) => {
      const author = byId.get(status.accountId);
      if (!status.local || !author || author.domain !== null) return null;
      return {
        status,
        author,
        mentions: status.mentions.flatMap((id) => byId.get(id) ?? []),
        inReplyToUri: parentUris.get(status.inReplyToId ?? '') ?? null,
        poll: pollsById.get(status.pollId ?? '') ?? null,
        media: status.mediaIds.flatMap((id) => mediaById.get(id) ?? []),
      };
    });
  }

  /** Accounts by id, in as many requests as the contract's batch limit asks. */
  private async actors(ids: string[]): Promise<ActorRecord[]> {
    const batches: string[][] = [];
    for (let start = 0; start < ids.length; start += ACTOR_BATCH)
      batches.push(ids.slice(start, start + ACTOR_BATCH));
    const pages = await Promise.all(
      batches.map((batch) => this.bus.request(contracts.accounts.remote.getActors, { ids: batch })),
    );
    return pages.flatMap((page) => page.actors);
  }
}
