import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { Pins } from './pins.service';
import { RemoteReblogs } from './remote-reblogs.service';

@Injectable()
export class RemoteInteractionsHandlers {
  constructor(
    private readonly reblogs: RemoteReblogs,
    private readonly pins: Pins,
  ) {}

  readonly bound = defineHandlers(contracts.statuses.remoteInteractions, {
    saveRemoteReblog: (request) => this.reblogs.save(request),
    deleteRemoteReblog: ({ accountId, uri }) => this.reblogs.delete(accountId, uri),
    saveRemotePin: async ({ accountId, uri }) => ({ statusId: await this.pins.remote(accountId, uri, true) }),
    deleteRemotePin: async ({ accountId, uri }) => ({
      statusId: await this.pins.remote(accountId, uri, false),
    }),
  });
}
