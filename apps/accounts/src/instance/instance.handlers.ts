import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { PROFILE_LIMITS } from '../profiles/update-credentials.service';
import { InstanceQueries } from './instance.queries';

@Injectable()
export class InstanceHandlers {
  constructor(private readonly queries: InstanceQueries) {}

  readonly bound = defineHandlers(contracts.accounts.instance, {
    describeInstance: async () => {
      const [users, domainCount, contactAccount] = await Promise.all([
        this.queries.userCounts(),
        this.queries.domainCount(),
        this.queries.contactAccount(),
      ]);
      // The limits update_credentials enforces, so the instance document cannot advertise others.
      return { users, domainCount, contactAccount, profileLimits: { ...PROFILE_LIMITS } };
    },
    listPeers: async () => ({ domains: await this.queries.peerDomains() }),
    getActivity: async ({ weeks }) => ({ weeks: await this.queries.activity(weeks) }),
  });
}
