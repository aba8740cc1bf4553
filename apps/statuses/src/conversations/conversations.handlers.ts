import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ConversationMutes } from './conversation-mutes.service';
import { Conversations } from './conversations.service';

@Injectable()
export class ConversationsHandlers {
  constructor(
    private readonly conversations: Conversations,
    private readonly mutes: ConversationMutes,
  ) {}

  readonly bound = defineHandlers(contracts.statuses.conversations, {
    listConversations: async ({ accountId, page }) => ({
      conversations: await this.conversations.list(accountId, page),
    }),
    getConversationOfStatus: async ({ accountId, statusId }) => ({
      conversation: await this.conversations.ofStatus(accountId, statusId),
    }),
    markConversationRead: ({ accountId, conversationId }) =>
      this.conversations.markRead(accountId, conversationId),
    removeConversation: async ({ accountId, conversationId }) => {
      await this.conversations.remove(accountId, conversationId);
      return {};
    },
    muteConversation: ({ accountId, statusId }) => this.mutes.mute(accountId, statusId),
    unmuteConversation: ({ accountId, statusId }) => this.mutes.unmute(accountId, statusId),
    filterConversationMuters: async ({ statusId, accountIds }) => ({
      accountIds: await this.mutes.mutersAmong(statusId, accountIds),
    }),
  });
}
