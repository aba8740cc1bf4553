import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { NotificationPoliciesRepository } from './notification-policies.repository';

@Injectable()
export class NotificationPolicyHandlers {
  constructor(private readonly policies: NotificationPoliciesRepository) {}

  readonly bound = defineHandlers(contracts.timelines.notificationPolicy, {
    getPolicy: ({ accountId }) => this.policies.policy(accountId),
    updatePolicy: ({ accountId, changes }) => this.policies.update(accountId, changes),
    listRequests: async ({ accountId, page }) => ({
      requests: await this.policies.listRequests(accountId, page),
    }),
    getRequest: ({ accountId, id }) => this.policies.getRequest(accountId, id),
    acceptRequests: async ({ accountId, ids }) => ({ ids: await this.policies.accept(accountId, ids) }),
    dismissRequests: async ({ accountId, ids }) => ({ ids: await this.policies.dismiss(accountId, ids) }),
  });
}
