import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ResolveRemoteStatus } from './resolve-remote-status';

/** `federation.remote_status.*` on the bus. */
@Injectable()
export class RemoteStatusesHandlers {
  constructor(private readonly resolveRemoteStatus: ResolveRemoteStatus) {}

  readonly bound = defineHandlers(contracts.federation.remoteStatuses, {
    resolve: ({ uri }) => this.resolveRemoteStatus.execute(uri),
  });
}
