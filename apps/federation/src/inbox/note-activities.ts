import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, THREAD_PARENTS_LIMIT } from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, logger } from '@mammut/platform';
import { NOTE_LIMITS, NOTE_TYPES, type ParsedNote, parseNote, parseVote } from '../remote/note-parser';
import { type NoteParticipants, RemoteNotes } from '../remote/remote-notes';
import { RemoteObjects } from '../remote/remote-objects';
import { idOf, type Json, objectOf, hostOfId } from './activity-fields';
import type { InboxHandler } from './inbox-handler';

/** An Update of a note not stored here is taken as a Create only this soon after it was published. */
const UPDATE_AS_CREATE_MS = 24 * 60 * 60 * 1000;

/**
 * Statuses from remote servers, as Mastodon's Activity::Create, Update and Delete apply them:
 *
 * - origin: the object's id is on the actor's host and the note is attributed to the actor. An
 *   embedded note is used as sent only when both hold; otherwise it is read from its id (on the
 *   actor's host only), so nothing is stored on a third party's word;
 * - only what relates to a local account is stored: a note that mentions or addresses one, replies
 *   to a local status (public and unlisted ones), or whose author someone here follows;
 * - it is stored as every remote note is (RemoteNotes): mentions among the accounts known here,
 *   and the status a reply answers fetched afterwards when it is not known here;
 * - an Update edits a stored note (the statuses service keeps the newest `updated`), and stores
 *   an unknown one only as a Create would, within a day of its publication;
 * - a Delete (a Tombstone or an id) on the actor's host removes the actor's status and tombstones
 *   its uri, known or not;
 * - a Create of a vote (a Note naming an option of a local poll, in reply to its status, without
 *   content) is counted as one, never stored as a status; an invalid one (a closed poll, a second
 *   vote) is dropped. An Update of a Question refreshes its poll's counts.
 *
 * What is refused is logged and dropped: the peer has its 202 already.
 */
@Injectable()
export class NoteActivities implements InboxHandler {
  readonly routes = ['Create', 'Delete', ...NOTE_TYPES.map((type) => `Update:${type}`)];
  private readonly log = logger('federation:notes');
  private readonly localHost: string;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) config: Config,
    private readonly objects: RemoteObjects,
    private readonly notes: RemoteNotes,
  ) {
    this.localHost = new URL(config.publicOrigin).host;
  }

  async apply(activity: Json, actorId: string): Promise<void> {
    try {
      if (activity.type === 'Delete') await this.delete(activity, actorId);
      else await this.save(activity, actorId, activity.type === 'Update');
    } catch (error) {
      // A uri of another author, an author gone: nothing to store; a service down is retried.
      if (error instanceof ContractError && error.code !== 'unavailable') {
        this.log.info({ actorId, type: activity.type, err: error.message }, 'note not applied');
        return;
      }
      throw error;
    }
  }

  private async save(activity: Json, actorId: string, update: boolean): Promise<void> {
    if (!update && (await this.vote(activity, actorId))) return;
    const note = await this.noteOf(activity, actorId);
    if (!note) return;
    const participants = await this.notes.participants(note, actorId);
    if (!participants) return;
    const relates = await this.relatesHere(note, participants);
    const recent = Date.now() - Date.parse(note.published) < UPDATE_AS_CREATE_MS;
    if (!update && !relates) {
      this.log.debug({ actorId, uri: note.id }, 'note relates to no local account; not stored');
      return;
    }
    const { outcome } = await this.notes.store(note, participants, {
      mayCreate: relates && (!update || recent),
      parents: THREAD_PARENTS_LIMIT,
      fromUpdate: update,
    });
    this.log.debug({ actorId, uri: note.id, outcome }, 'note applied');
  }

  /**
   * The note the activity carries, if its origin holds: embedded and vouched for by the actor, or
   * else read from its id on the actor's host.
   */
  private async noteOf(activity: Json, actorId: string): Promise<ParsedNote | null> {
    const objectId = idOf(activity.object);
    if (!objectId || hostOfId(objectId) !== hostOfId(actorId)) {
      this.log.info({ actorId, objectId }, 'note not on the actor’s host; refused');
      return null;
    }
    const embedded = objectOf(activity.object);
    let parsed = embedded ? parseNote(embedded, activity) : null;
    if (!parsed?.ok || parsed.note.attributedTo !== actorId) {
      const fetched = await this.objects.read(objectId);
      parsed = fetched ? parseNote(fetched, activity) : null;
    }
    if (!parsed?.ok) {
      this.log.info({ actorId, objectId, error: parsed?.error }, 'note refused');
      return null;
    }
    if (parsed.note.attributedTo !== actorId) {
      this.log.info({ actorId, objectId }, 'note attributed to another actor; refused');
      return null;
    }
    return parsed.note;
  }

  /**
   * A vote the actor sends on a local poll (Mastodon's `poll_vote?`): embedded, by the actor, on its
   * host, in reply to a local status. Answers whether it was taken as a vote (counted or dropped);
   * false when the object is no vote on a poll here, to be read as a note.
   */
  private async vote(activity: Json, actorId: string): Promise<boolean> {
    const vote = parseVote(objectOf(activity.object));
    if (!vote || hostOfId(vote.inReplyTo) !== this.localHost) return false;
    if (vote.attributedTo !== actorId || hostOfId(vote.id) !== hostOfId(actorId)) return false;
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, {
      uris: [actorId, ...vote.addressed.filter((uri) => uri !== actorId).slice(0, 199)],
    });
    const voter = actors.find((actor) => actor.uri === actorId && actor.domain !== null);
    if (!voter) return false;
    const { outcome } = await this.bus.request(contracts.statuses.polls.saveRemoteVote, {
      accountId: voter.id,
      statusUri: vote.inReplyTo,
      name: vote.name,
      addressedIds: actors.flatMap((actor) => (actor.domain === null ? [actor.id] : [])),
    });
    this.log.debug({ actorId, uri: vote.id, outcome }, 'vote applied');
    return outcome !== 'notPoll';
  }

  /** Mastodon's related_to_local_activity?, for what a Create carries. */
  private async relatesHere(note: ParsedNote, participants: NoteParticipants): Promise<boolean> {
    const { author, visibility, addressed, known } = participants;
    if (addressed.some((uri) => known.get(uri)?.domain === null)) return true;
    if (visibility === 'direct') return false;
    if (visibility !== 'private' && note.inReplyTo && hostOfId(note.inReplyTo) === this.localHost)
      return true;
    const { followers } = await this.bus.request(contracts.accounts.relationships.listLocalFollowers, {
      accountId: author.id,
      after: null,
      limit: 1,
    });
    return followers.length > 0;
  }

  private async delete(activity: Json, actorId: string): Promise<void> {
    const uri = idOf(activity.object);
    if (!uri || uri.length > NOTE_LIMITS.uri || hostOfId(uri) !== hostOfId(actorId)) return;
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, { uris: [actorId] });
    const author = actors.find((actor) => actor.uri === actorId && actor.domain !== null);
    if (!author) return;
    const { deleted } = await this.bus.request(contracts.statuses.remote.deleteRemoteStatus, {
      uri,
      accountId: author.id,
    });
    this.log.debug({ actorId, uri, deleted }, 'delete applied');
  }
}
