import { Inject, Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { CONFIG, type Config } from '@mammut/platform';
import { AuthenticateToken } from '../tokens/authenticate-token.service';
import { AccountsQueries } from './accounts.queries';
import { UpdateCredentials } from './update-credentials.service';

@Injectable()
export class ProfilesHandlers {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly queries: AccountsQueries,
    private readonly updateCredentials: UpdateCredentials,
    private readonly authenticateToken: AuthenticateToken,
  ) {}

  readonly bound = defineHandlers(contracts.accounts.profiles, {
    getAccounts: ({ ids }) => this.queries.byIds(ids),
    lookupAccounts: ({ accts }) => this.queries.byAccts(accts, this.config.localDomain),
    getCredentials: ({ accountId }) => this.queries.credentials(accountId),
    updateCredentials: (changes) => this.updateCredentials.execute(changes),
    authenticateToken: async ({ token }) => ({ grant: await this.authenticateToken.execute(token) }),
  });
}
