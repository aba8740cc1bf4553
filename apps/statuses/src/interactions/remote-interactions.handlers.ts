import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { RemoteReblogs } from './remote-reblogs.service';

@Injectable()
export class RemoteInteractionsHandlers {
  constructor(private readonly reblogs: RemoteReblogs) {}

  readonly bound = defineHandlers(contracts.statuses.remoteInteractions, {
    saveRemoteReblog: (request) => this.reblogs.save(request),
    deleteRemoteReblog: ({ accountId, uri }) => this.reblogs.delete(accountId, uri),
  });
}
