import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { Reports } from './reports';

/** `moderation.report.*` on the bus. */
@Injectable()
export class ReportsHandlers {
  constructor(private readonly reports: Reports) {}

  readonly bound = defineHandlers(contracts.moderation.reports, {
    create: async (input) => ({ report: await this.reports.create(input) }),
    getReports: async ({ ids }) => ({ reports: await this.reports.get(ids) }),
    list: async ({ resolved, limit }) => ({ reports: await this.reports.list(resolved, limit) }),
  });
}
