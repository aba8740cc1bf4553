import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, THREAD_PARENTS_LIMIT } from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, logger } from '@mammut/platform';
import type { Json } from '../inbox/activity-fields';
import { allowedUrl } from './jrd';
import { parseNote } from './note-parser';
import { PeerUnavailable } from './remote-actors';
import { RemoteNotes } from './remote-notes';
import { RemoteObjects } from './remote-objects';
import { ResolveRemoteAccount } from './resolve-remote-account';

const notFound = (message: string): ContractError => new ContractError('not_found', message);

const hostOf = (uri: string): string | null => {
  try {
    return new URL(uri).host;
  } catch {
    return null;
  }
};

/**
 * A remote status by URL, as Mastodon's FetchRemoteStatusService finds one for a search or a
 * thread: a status stored here under that uri (or page) is the answer without a request; else the
 * object is read signed from its server (the URL may be a page whose document names the note on
 * the same host), must be attributed to an actor on the note's own host, whose account is resolved
 * (fetched when unknown), and is stored as a status someone here asked for. Our own URLs are never
 * fetched: a local status is stored or does not exist.
 */
@Injectable()
export class ResolveRemoteStatus {
  private readonly log = logger('federation:resolve');

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly objects: RemoteObjects,
    private readonly accounts: ResolveRemoteAccount,
    private readonly notes: RemoteNotes,
  ) {}

  /** `parents`: how many statuses up its thread may still be fetched after this one. */
  async execute(uri: string, parents = THREAD_PARENTS_LIMIT): Promise<{ statusId: string }> {
    if (!allowedUrl(uri, this.config.federation.scheme)) throw notFound('not a URL we may fetch');
    const { statuses } = await this.bus.request(contracts.statuses.statuses.lookupStatuses, { urls: [uri] });
    if (statuses[0]) return { statusId: statuses[0].id };
    if (new URL(uri).origin === this.config.publicOrigin.toLowerCase())
      throw notFound('no such local status');
    const parsed = parseNote(await this.fetched(uri));
    if (!parsed.ok) throw notFound(`not a status: ${parsed.error}`);
    const { note } = parsed;
    const authorUri = note.attributedTo;
    if (!authorUri || hostOf(authorUri) !== hostOf(note.id)) {
      this.log.info({ uri, authorUri }, 'status attributed to another host; refused');
      throw notFound('the status is attributed to an actor on another host');
    }
    await this.accounts.execute({ uri: authorUri });
    const participants = await this.notes.participants(note, authorUri);
    if (!participants) throw notFound('the author is not a remote account');
    let saved;
    try {
      saved = await this.notes.store(note, participants, { mayCreate: true, parents });
    } catch (error) {
      if (error instanceof ContractError && error.code === 'conflict') throw notFound(error.message);
      throw error;
    }
    if (!saved.status) throw notFound(`status not stored: ${saved.outcome}`);
    return { statusId: saved.status.id };
  }

  private async fetched(uri: string): Promise<Json> {
    let object: Json | null;
    try {
      object = await this.objects.resolve(uri);
    } catch (error) {
      if (error instanceof PeerUnavailable) throw new ContractError('unavailable', error.message);
      throw error;
    }
    if (!object) throw notFound(`no acceptable object at ${uri}`);
    return object;
  }
}
