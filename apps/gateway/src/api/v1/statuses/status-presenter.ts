import { Inject, Injectable } from '@nestjs/common';
import {
  type AccountRecord,
  contracts,
  type FilterContext,
  type MediaAttachmentRecord,
  type PollRecord,
  type StatusRecord,
} from '@mammut/contracts';
import {
  type CompiledFilters,
  compileFilters,
  type FilterMatch,
  hiddenBy,
  type MStatus,
  type SerializeContext,
  serializeStatus,
  type StatusContext as StatusSerializeContext,
  statusJsonText,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { isId } from '../../../http/params';
import type { JsonText } from '../../../http/rendered-json';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import { mayView, type StatusContext, timelineShows, type ViewerFacts } from './status-rules';

/** How a list of statuses is presented. */
export interface PresentOptions {
  readonly withText?: boolean;
  readonly context?: StatusContext;
  /** Where `hide` filters leave statuses out; null: nowhere (they are only marked, as in search). */
  readonly filterContext?: FilterContext | null;
  readonly reblogged?: readonly StatusRecord[];
}

/** Statuses hydrated with their accounts and the viewer's facts about each author. */
export interface Hydrated {
  readonly accounts: ReadonlyMap<string, AccountRecord>;
  readonly facts: ReadonlyMap<string, ViewerFacts>;
}

/** Whether the viewer wrote or follows the author of `record`. */
const followsAuthor = (
  record: StatusRecord,
  viewerId: string | null,
  factsOf: (id: string) => ViewerFacts | undefined,
): boolean => record.accountId === viewerId || factsOf(record.accountId)?.following === true;

/**
 * Presents statuses to one viewer: hydrate (authors and mentioned accounts in one request, the
 * viewer's relationships to the authors in another), apply the rules (who may see what; authors
 * that are gone or suspended take their statuses along), then Mastodon's JSON. Never a request per
 * status.
 */
@Injectable()
export class StatusPresenter {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  /**
   * The statuses the viewer may see, in order, as entities, each with the viewer's filters it
   * matches (a reblog, those the status it shares matches). Where a list is shown (`filterContext`,
   * by default the home or public timeline of `context`), statuses that a `hide` filter of that
   * place matches are left out. `reblogged` holds the statuses the reblogs among them share, when
   * the list came with them; any missing are fetched in one request.
   */
  async present(
    records: readonly StatusRecord[],
    viewerId: string | null,
    options: PresentOptions = {},
  ): Promise<MStatus[]> {
    const { visible, status } = await this.prepare(records, viewerId, options);
    return visible.map((record) => serializeStatus(record, status, this.ctx));
  }

  /**
   * What `present` answers, as JSON text: the part of each status every viewer shares is rendered
   * once per change (statusJsonText), for the lists asked most (home and public timelines).
   */
  async presentJson(
    records: readonly StatusRecord[],
    viewerId: string | null,
    options: PresentOptions = {},
  ): Promise<JsonText<MStatus[]>> {
    const texts = await this.presentEachJson(records, viewerId, options);
    if (!texts.length) return '[]';
    // Brackets put on the first and last text, so that one join writes the page as one flat
    // string: wrapping the joined text would make a new string to be copied again before sending.
    texts[0] = `[${texts[0]}`;
    texts[texts.length - 1] = `${texts[texts.length - 1]}]`;
    return texts.join(',');
  }

  /** Each status the viewer may see as its JSON text (a stream event's payload is one). */
  async presentEachJson(
    records: readonly StatusRecord[],
    viewerId: string | null,
    options: PresentOptions = {},
  ): Promise<JsonText<MStatus>[]> {
    const { visible, status } = await this.prepare(records, viewerId, options);
    return visible.map((record) => statusJsonText(record, status, this.ctx));
  }

  private async prepare(
    records: readonly StatusRecord[],
    viewerId: string | null,
    options: PresentOptions,
  ): Promise<{ visible: StatusRecord[]; status: StatusSerializeContext }> {
    const context = options.context ?? 'single';
    const shared = await this.sharedBy(records, options.reblogged ?? []);
    const [hydrated, filters] = await Promise.all([
      this.hydrate([...records, ...shared.values()], viewerId, context),
      this.viewerFilters(records, viewerId),
    ]);
    const place = options.filterContext === undefined ? LIST_PLACE[context] : options.filterContext;
    const filtered = new Map<string, FilterMatch[]>();
    const visible = this.visible(records, viewerId, hydrated, context, shared).filter((record) => {
      const content = record.reblogOfId ? (shared.get(record.reblogOfId) ?? record) : record;
      const matches = filters.match(content);
      if (matches.length) for (const id of new Set([record.id, content.id])) filtered.set(id, matches);
      // The viewer's own statuses are never hidden from them.
      return !(place && content.accountId !== viewerId && hiddenBy(matches, place));
    });
    // What the viewer did to them (and to the statuses reblogs share), their polls and their
    // media: one request each per page.
    const [state, polls, media] = await Promise.all([
      viewerId && visible.length
        ? this.bus.request(contracts.statuses.interactions.getViewerState, {
            accountId: viewerId,
            statusIds: [...new Set(visible.flatMap((record) => [record.id, record.reblogOfId ?? []].flat()))],
          })
        : { favourited: [], bookmarked: [], reblogged: [], pinned: [], muted: [] },
      this.pollsOf(visible, shared, viewerId),
      this.mediaOf(visible, shared),
    ]);
    return {
      visible,
      status: {
        accounts: hydrated.accounts,
        viewerId,
        withText: options.withText,
        shared,
        filtered,
        polls,
        media,
        favourited: new Set(state.favourited),
        bookmarked: new Set(state.bookmarked),
        reblogged: new Set(state.reblogged),
        pinned: new Set(state.pinned),
        muted: new Set(state.muted),
      },
    };
  }

  /** The polls of the statuses (and of those reblogs share), with the viewer's votes, by poll id. */
  private async pollsOf(
    records: readonly StatusRecord[],
    shared: ReadonlyMap<string, StatusRecord>,
    viewerId: string | null,
  ): Promise<Map<string, PollRecord>> {
    const ids = records.flatMap((record) => {
      const content = record.reblogOfId ? shared.get(record.reblogOfId) : record;
      return content?.pollId ?? [];
    });
    if (!ids.length) return new Map();
    const { polls } = await this.bus.request(contracts.statuses.polls.getPolls, {
      ids: [...new Set(ids)],
      viewerId,
    });
    return new Map(polls.map((poll) => [poll.id, poll]));
  }

  /**
   * The media attachments of the statuses (and of those reblogs share), by id: whoever may see a
   * status may see its media, so no owner is checked.
   */
  private async mediaOf(
    records: readonly StatusRecord[],
    shared: ReadonlyMap<string, StatusRecord>,
  ): Promise<Map<string, MediaAttachmentRecord>> {
    const ids = records.flatMap((record) => {
      const content = record.reblogOfId ? shared.get(record.reblogOfId) : record;
      // Absent in a record cached before statuses carried media.
      const mediaIds: readonly string[] | undefined = content?.mediaIds;
      return mediaIds ?? [];
    });
    return this.mediaById(ids);
  }

  /** Media attachments by id, in one request (none for no ids); unknown ones are left out. */
  async mediaById(ids: readonly string[]): Promise<Map<string, MediaAttachmentRecord>> {
    if (!ids.length) return new Map();
    const { attachments } = await this.bus.request(contracts.media.attachments.list, {
      ids: [...new Set(ids)],
    });
    return new Map(attachments.map((attachment) => [attachment.id, attachment]));
  }

  /** The viewer's active filters: one request for the page, beside the hydrating ones. */
  private async viewerFilters(
    records: readonly StatusRecord[],
    viewerId: string | null,
  ): Promise<CompiledFilters> {
    if (!viewerId || !records.length) return compileFilters([]);
    const { filters } = await this.bus.request(contracts.accounts.filters.listActiveFilters, { viewerId });
    return compileFilters(filters);
  }

  /** One status by id, if `id` is one, it exists and the viewer may see it. */
  async findVisible(id: string, viewerId: string | null): Promise<StatusRecord | undefined> {
    if (!isId(id)) return undefined;
    const { statuses, reblogged } = await this.bus.request(contracts.statuses.statuses.getStatuses, {
      ids: [id],
    });
    const shared = new Map(reblogged.map((record) => [record.id, record]));
    const hydrated = await this.hydrate([...statuses, ...reblogged], viewerId);
    return this.visible(statuses, viewerId, hydrated, 'single', shared)[0];
  }

  /**
   * The statuses the viewer may see, of those given. A reblog is seen only with the status it
   * shares: both must pass, and timelines leave out reblogs of accounts the viewer blocks or mutes.
   */
  visible(
    records: readonly StatusRecord[],
    viewerId: string | null,
    hydrated: Hydrated,
    context: StatusContext = 'single',
    shared: ReadonlyMap<string, StatusRecord> = new Map(),
  ): StatusRecord[] {
    const factsOf = (id: string): ViewerFacts | undefined => hydrated.facts.get(id);
    const shows = (record: StatusRecord, where: StatusContext): boolean => {
      const author = hydrated.accounts.get(record.accountId);
      if (!author || author.suspended) return false;
      // A limited (silenced) author reaches only its followers beyond its own page, as Mastodon's
      // public feeds, streams and StatusFilter leave it out.
      if (where === 'public' && author.limited && !followsAuthor(record, viewerId, factsOf)) return false;
      return (
        mayView(record, viewerId, factsOf(record.accountId)) &&
        timelineShows(record, viewerId, where, factsOf)
      );
    };
    return records.filter((record) => {
      if (!shows(record, context)) return false;
      if (record.reblogOfId === null) return true;
      const original = shared.get(record.reblogOfId);
      // A shared reply stays in the home feed whoever it answers: the reblogger chose to show it.
      const where = context === 'home' ? 'public' : context;
      return original !== undefined && original.reblogOfId === null && shows(original, where);
    });
  }

  /** The statuses the reblogs among `records` share: those given, and the rest fetched at once. */
  private async sharedBy(
    records: readonly StatusRecord[],
    given: readonly StatusRecord[],
  ): Promise<Map<string, StatusRecord>> {
    const shared = new Map(given.map((record) => [record.id, record]));
    const missing = [...new Set(records.flatMap((r) => r.reblogOfId ?? []))].filter((id) => !shared.has(id));
    if (missing.length) {
      const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids: missing });
      for (const record of statuses) shared.set(record.id, record);
    }
    return shared;
  }

  async hydrate(
    records: readonly StatusRecord[],
    viewerId: string | null,
    context: StatusContext = 'single',
  ): Promise<Hydrated> {
    const authorIds = [...new Set(records.map((r) => r.accountId))];
    const accountIds = [...new Set([...authorIds, ...records.flatMap((r) => r.mentions)])];
    // The home feed also asks whether the viewer follows the accounts replied to.
    const repliedTo = context === 'home' ? records.flatMap((r) => r.inReplyToAccountId ?? []) : [];
    const others = [...new Set([...authorIds, ...repliedTo])].filter((id) => id !== viewerId);
    // One request per service; a page mentioning more accounts than a request carries takes more.
    const [accounts, relationships] = await Promise.all([
      Promise.all(
        chunks(accountIds).map(
          async (ids) => (await this.bus.request(contracts.accounts.profiles.getAccounts, { ids })).accounts,
        ),
      ),
      Promise.all(
        (viewerId ? chunks(others) : []).map(
          async (ids) =>
            (
              await this.bus.request(contracts.accounts.relationships.getRelationships, {
                viewerId: viewerId as string,
                ids,
                withSuspended: false,
              })
            ).relationships,
        ),
      ),
    ]);
    return {
      accounts: new Map(accounts.flat().map((account) => [account.id, account])),
      facts: new Map(relationships.flat().map((r) => [r.id, r])),
    };
  }
}

/** The filter context of the lists a presenting context stands for; a single status is no list. */
const LIST_PLACE: Readonly<Record<StatusContext, FilterContext | undefined>> = {
  home: 'home',
  public: 'public',
  single: undefined,
};

/** The most ids one accounts request takes. */
const BATCH = 200;

function chunks(ids: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += BATCH) out.push(ids.slice(i, i + BATCH));
  return out;
}
