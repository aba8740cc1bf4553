import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { CreateStatus } from './create-status.service';
import { DeleteStatus } from './delete-status.service';
import { StatusesQueries } from './statuses.queries';
import { UpdateStatus } from './update-status.service';

@Injectable()
export class StatusesHandlers {
  constructor(
    private readonly queries: StatusesQueries,
    private readonly createStatus: CreateStatus,
    private readonly deleteStatus: DeleteStatus,
    private readonly updateStatus: UpdateStatus,
  ) {}

  readonly bound = defineHandlers(contracts.statuses.statuses, {
    createStatus: (request) => this.createStatus.execute(request),
    updateStatus: (request) => this.updateStatus.execute(request),
    listStatusEdits: async ({ statusId }) => ({ edits: await this.queries.edits(statusId) }),
    getStatuses: ({ ids }) => this.queries.byIds(ids),
    lookupStatuses: ({ urls }) => this.queries.byUrls(urls),
    deleteStatus: ({ accountId, statusId, deleteMedia }) =>
      this.deleteStatus.execute(accountId, statusId, { keepMedia: deleteMedia !== true }),
    listAuthorStatuses: async (request) => this.queries.withReblogged(await this.queries.byAuthor(request)),
    listStatusesByAuthors: async (request) => ({ statuses: await this.queries.byAuthors(request) }),
    getContext: ({ statusId, ...limits }) => this.queries.context(statusId, limits),
    getStatistics: ({ weekStarts }) => this.queries.statistics(weekStarts),
    listPublicStatuses: async ({ local, onlyMedia, page }) => ({
      statuses: await this.queries.publicTimeline(local, page, onlyMedia ?? false),
    }),
  });
}
