import { Inject, Injectable } from '@nestjs/common';
import { type AccountRecord, contracts, type FilterContext, type StatusRecord } from '@mammut/contracts';
import {
  type CompiledFilters,
  compileFilters,
  type FilterMatch,
  hiddenBy,
  type MStatus,
  type SerializeContext,
  serializeStatus,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { isId } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import { mayView, type StatusContext, timelineShows, type ViewerFacts } from './status-rules';

/** Statuses hydrated with their accounts and the viewer's facts about each author. */
export interface Hydrated {
  readonly accounts: ReadonlyMap<string, AccountRecord>;
  readonly facts: ReadonlyMap<string, ViewerFacts>;
}

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
   * matches. Where a list is shown (`filterContext`, by default the home or public timeline of
   * `context`), statuses that a `hide` filter of that place matches are left out.
   */
  async present(
    records: readonly StatusRecord[],
    viewerId: string | null,
    options: { withText?: boolean; context?: StatusContext; filterContext?: FilterContext } = {},
  ): Promise<MStatus[]> {
    const context = options.context ?? 'single';
    const [hydrated, filters] = await Promise.all([
      this.hydrate(records, viewerId, context),
      this.viewerFilters(records, viewerId),
    ]);
    const place = options.filterContext ?? LIST_PLACE[context];
    const filtered = new Map<string, FilterMatch[]>();
    const visible = this.visible(records, viewerId, hydrated, context).filter((record) => {
      const matches = filters.match(record);
      if (matches.length) filtered.set(record.id, matches);
      // The viewer's own statuses are never hidden from them.
      return !(place && record.accountId !== viewerId && hiddenBy(matches, place));
    });
    // What the viewer did to them: one more request, for the page, never one per status.
    const state =
      viewerId && visible.length
        ? await this.bus.request(contracts.statuses.interactions.getViewerState, {
            accountId: viewerId,
            statusIds: visible.map((record) => record.id),
          })
        : { favourited: [], bookmarked: [] };
    const favourited = new Set(state.favourited);
    const bookmarked = new Set(state.bookmarked);
    return visible.map((record) =>
      serializeStatus(
        record,
        {
          accounts: hydrated.accounts,
          viewerId,
          withText: options.withText,
          favourited,
          bookmarked,
          filtered,
        },
        this.ctx,
      ),
    );
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
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [id] });
    return this.visible(statuses, viewerId, await this.hydrate(statuses, viewerId))[0];
  }

  /** The statuses the viewer may see, of those given. */
  visible(
    records: readonly StatusRecord[],
    viewerId: string | null,
    hydrated: Hydrated,
    context: StatusContext = 'single',
  ): StatusRecord[] {
    const factsOf = (id: string): ViewerFacts | undefined => hydrated.facts.get(id);
    return records.filter((record) => {
      const author = hydrated.accounts.get(record.accountId);
      if (!author || author.suspended) return false;
      return (
        mayView(record, viewerId, factsOf(record.accountId)) &&
        timelineShows(record, viewerId, context, factsOf)
      );
    });
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
