import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, defineHandlers } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import { PeerUnavailable, RemoteActors } from './remote-actors';
import { ResolveRemoteAccount } from './resolve-remote-account';

/** `federation.remote_account.*` on the bus. */
@Injectable()
export class RemoteAccountsHandlers {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly resolveRemoteAccount: ResolveRemoteAccount,
    private readonly actors: RemoteActors,
  ) {}

  readonly bound = defineHandlers(contracts.federation.remoteAccounts, {
    resolve: (target) => this.resolveRemoteAccount.execute(target),
    refresh: ({ accountId }) => this.refresh(accountId),
  });

  private async refresh(accountId: string): Promise<{ accountId: string }> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, { ids: [accountId] });
    const account = actors[0];
    if (!account) throw new ContractError('not_found', 'Record not found');
    if (account.domain === null) return { accountId };
    try {
      if (!(await this.actors.reload(account.uri)))
        throw new ContractError('not_found', 'Actor not readable');
    } catch (error) {
      if (error instanceof PeerUnavailable) throw new ContractError('unavailable', error.message);
      throw error;
    }
    return { accountId };
  }
}
