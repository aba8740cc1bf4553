import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { Applications } from './applications.service';
import { AuthorizationCodes } from './authorization-codes.service';
import { CheckSignIn } from './check-sign-in.service';
import { ClientTokens } from './client-tokens.service';
import { SignInStates } from './sign-in-states';

@Injectable()
export class OAuthHandlers {
  constructor(
    private readonly applications: Applications,
    private readonly codes: AuthorizationCodes,
    private readonly clientTokens: ClientTokens,
    private readonly signIn: CheckSignIn,
    private readonly signInStates: SignInStates,
  ) {}

  readonly bound = defineHandlers(contracts.accounts.oauth, {
    createApplication: (input) => this.applications.create(input),
    getApplications: async ({ ids, clientIds }) => ({
      applications: await this.applications.find(ids, clientIds),
    }),
    createAuthorizationCode: (input) => this.codes.create(input),
    findPriorAuthorization: (input) => this.codes.priorAuthorization(input),
    exchangeAuthorizationCode: (input) => this.codes.exchange(input),
    createClientToken: (input) => this.clientTokens.issue(input),
    revokeToken: (input) => this.clientTokens.revoke(input),
    checkSignIn: ({ email, password }) => this.signIn.execute(email, password),
    getSignInStates: ({ userIds }) => this.signInStates.get(userIds),
  });
}
