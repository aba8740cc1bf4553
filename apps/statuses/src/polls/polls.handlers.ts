import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { Polls } from './polls.service';

@Injectable()
export class PollsHandlers {
  constructor(private readonly polls: Polls) {}

  readonly bound = defineHandlers(contracts.statuses.polls, {
    getPolls: async ({ ids, viewerId }) => ({ polls: await this.polls.get(ids, viewerId) }),
    vote: ({ accountId, pollId, choices }) => this.polls.vote(accountId, pollId, choices),
    saveRemoteVote: async ({ accountId, statusUri, name, addressedIds }) => ({
      outcome: await this.polls.saveRemoteVote(accountId, statusUri, name, addressedIds),
    }),
    listVoters: async ({ pollId, after, limit }) => ({
      accountIds: await this.polls.voters(pollId, after, limit),
    }),
  });
}
