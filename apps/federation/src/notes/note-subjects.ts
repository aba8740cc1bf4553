import { Inject, Injectable } from '@nestjs/common';
import { contracts, type StatusRecord } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import type { NoteSubject } from './note-documents';

/**
 * What a local status's Note names besides the status itself (its author, the accounts it
 * mentions, the status it replies to, its poll), read in one batch per service.
 */
@Injectable()
export class NoteSubjects {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  /** Null when the status is not a local author's own (a remote status, or an author gone). */
  async of(status: StatusRecord): Promise<NoteSubject | null> {
    if (!status.local) return null;
    const [{ actors }, parent, polls] = await Promise.all([
      this.bus.request(contracts.accounts.remote.getActors, { ids: [status.accountId, ...status.mentions] }),
      status.inReplyToId
        ? this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [status.inReplyToId] })
        : null,
      status.pollId
        ? this.bus.request(contracts.statuses.polls.getPolls, { ids: [status.pollId], viewerId: null })
        : null,
    ]);
    const author = actors.find((actor) => actor.id === status.accountId);
    if (!author || author.domain !== null) return null;
    const byId = new Map(actors.map((actor) => [actor.id, actor]));
    return {
      status,
      author,
      mentions: status.mentions.flatMap((id) => byId.get(id) ?? []),
      inReplyToUri: parent?.statuses[0]?.uri ?? null,
      poll: polls?.polls[0] ?? null,
    };
  }
}
