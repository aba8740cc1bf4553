import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ResolveRemoteAccount } from './resolve-remote-account';

/** `federation.remote_account.*` on the bus. */
@Injectable()
export class RemoteAccountsHandlers {
  constructor(private readonly resolveRemoteAccount: ResolveRemoteAccount) {}

  readonly bound = defineHandlers(contracts.federation.remoteAccounts, {
    resolve: (target) => this.resolveRemoteAccount.execute(target),
  });
}
