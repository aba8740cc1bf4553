import { Inject, Injectable } from '@nestjs/common';
import { type ActorRecord, contracts, type ResponseOf, type Visibility } from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, logger } from '@mammut/platform';
import { NOTE_LIMITS, type ParsedNote, visibilityOf } from './note-parser';
import { DomainBlocks } from '../domain-blocks/domain-blocks';
import { ResolveRemoteAccount } from './resolve-remote-account';
import { ThreadQueue } from './thread-queue';
import { hostOfId } from '../inbox/activity-fields';

type Saved = ResponseOf<typeof contracts.statuses.remote.saveRemoteStatus>;

/**
 * Unknown remote accounts a note mentions are resolved while it is stored (Mastodon resolves them
 * in a worker of their own), a few at a time and within a deadline: past it, the mention is left
 * as the text it is in the content.
 */
const MENTIONS_RESOLVED = 5;
const MENTION_DEADLINE_MS = 3000;

/** A note's author and the accounts it names (mentions, `to`, `cc`), as far as they are known here. */
export interface NoteParticipants {
  readonly author: ActorRecord;
  readonly visibility: Visibility;
  /** The ids the note addresses or mentions (URLs only). */
  readonly addressed: readonly string[];
  readonly known: ReadonlyMap<string, ActorRecord>;
}

/**
 * The one way a parsed remote note is stored, whether it arrived in an inbox, was asked for by a
 * user, or is the parent of a reply: its author and mentioned accounts looked up among the known
 * ones (a few unknown remote mentions resolved within a deadline), its visibility read from its addressing, saved by the
 * statuses service; and when it was created as a reply to a status not known here, that status is
 * queued to be fetched (ThreadQueue), within the budget of parents the caller still has.
 */
@Injectable()
export class RemoteNotes {
  private readonly log = logger('federation:notes');
  private readonly localHost: string;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) config: Config,
    private readonly threads: ThreadQueue,
    private readonly accounts: ResolveRemoteAccount,
    private readonly blocks: DomainBlocks,
  ) {
    this.localHost = new URL(config.publicOrigin).host;
  }

  /** Who the note is by and names; null when its author is not a known remote account. */
  async participants(note: ParsedNote, authorUri: string): Promise<NoteParticipants | null> {
    const addressed = [...new Set([...note.mentions, ...note.to, ...note.cc])].filter((uri) => hostOfId(uri));
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, {
      uris: [authorUri, ...addressed.filter((uri) => uri !== authorUri)].slice(0, NOTE_LIMITS.mentions),
    });
    const author = actors.find((actor) => actor.uri === authorUri && actor.domain !== null);
    if (!author) return null;
    const known = new Map(actors.map((actor) => [actor.uri, actor]));
    for (const actor of await this.resolveMentions(note.mentions, known)) known.set(actor.uri, actor);
    return { author, visibility: visibilityOf(note, author.followersUrl), addressed, known };
  }

  /** The remote accounts among `mentions` not known yet that could be resolved in time. */
  private async resolveMentions(
    mentions: readonly string[],
    known: ReadonlyMap<string, ActorRecord>,
  ): Promise<ActorRecord[]> {
    const unknown = mentions
      .filter((uri) => !known.has(uri) && hostOfId(uri) !== null && hostOfId(uri) !== this.localHost)
      .slice(0, MENTIONS_RESOLVED);
    if (!unknown.length) return [];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), MENTION_DEADLINE_MS);
    });
    const resolved = await Promise.all(
      unknown.map((uri) =>
        Promise.race([
          this.accounts.execute({ uri }).then(
            () => uri,
            (error: unknown) => {
              this.log.debug({ uri, err: String(error) }, 'mention not resolved');
              return undefined;
            },
          ),
          deadline,
        ]),
      ),
    );
    clearTimeout(timer);
    const uris = resolved.filter((uri): uri is string => uri !== undefined);
    if (!uris.length) return [];
    return (await this.bus.request(contracts.accounts.remote.getActorsByUri, { uris })).actors;
  }

  /**
   * Saves the note for its author; `parents` is how many more statuses up its thread may still be
   * fetched for the arrival that brought it (0: none); `fromUpdate` when an Update brought it.
   */
  async store(
    note: ParsedNote,
    participants: NoteParticipants,
    options: { mayCreate: boolean; parents: number; fromUpdate?: boolean },
  ): Promise<Saved> {
    const mentions = note.mentions.flatMap((uri) => participants.known.get(uri)?.id ?? []);
    const rejectsMedia =
      participants.author.domain !== null && (await this.blocks.rejectsMedia(participants.author.domain));
    // Attachments are rows of the media service's; with the domain's media rejected, links only.
    const { ids: mediaIds } = note.attachments.length
      ? await this.bus.request(contracts.media.remote.save, {
          accountId: participants.author.id,
          attachments: note.attachments,
          download: !rejectsMedia,
        })
      : { ids: [] };
    const saved = await this.bus.request(contracts.statuses.remote.saveRemoteStatus, {
      uri: note.id,
      url: note.url,
      accountId: participants.author.id,
      content: note.content,
      spoilerText: note.spoilerText,
      sensitive: note.sensitive,
      language: note.language,
      visibility: participants.visibility,
      published: note.published,
      updated: note.updated,
      inReplyToUri: note.inReplyTo,
      mentions,
      tags: note.tags,
      mayCreate: options.mayCreate,
      poll: note.poll,
      // Custom emoji are media: none are kept from a domain whose media is rejected.
      emojis: rejectsMedia ? [] : note.emojis,
      mediaIds,
      fromUpdate: options.fromUpdate ?? false,
    });
    const parent = note.inReplyTo;
    if (
      saved.outcome === 'created' &&
      saved.status?.inReplyToId === null &&
      parent &&
      hostOfId(parent) !== this.localHost &&
      options.parents > 0
    ) {
      await this.threads.enqueue(parent, options.parents);
      this.log.debug({ uri: note.id, parent }, 'unknown parent queued');
    }
    return saved;
  }
}
