import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { DeleteRemoteStatus } from './delete-remote-status.service';
import { SaveRemoteStatus } from './save-remote-status.service';

@Injectable()
export class RemoteStatusesHandlers {
  constructor(
    private readonly saveRemoteStatus: SaveRemoteStatus,
    private readonly deleteRemoteStatus: DeleteRemoteStatus,
  ) {}

  readonly bound = defineHandlers(contracts.statuses.remote, {
    saveRemoteStatus: (request) => this.saveRemoteStatus.execute(request),
    deleteRemoteStatus: ({ uri, accountId }) => this.deleteRemoteStatus.execute(uri, accountId),
  });
}
