import { z } from 'zod';
import { defineRequest } from '../define';
import { id, pageRequest } from '../accounts/records';
import { statusRecord } from './statuses.contracts';

/**
 * One account's view of a direct thread (Mastodon's AccountConversation): the other
 * participants, whether a status of someone else arrived since the account last read it, and
 * the thread's last direct status.
 */
export const conversationRecord = z.object({
  id,
  accountId: id,
  /** The other participants, by id (none: the account wrote only to itself). */
  participantIds: z.array(id),
  unread: z.boolean(),
  lastStatus: statusRecord,
});
export type ConversationRecord = z.infer<typeof conversationRecord>;

/** One account acting on one of its conversations; someone else's answers `not_found`. */
const own = z.object({ accountId: id, conversationId: id });
/** One account acting on the conversation of a status it may see (the caller checked that). */
const ofStatus = z.object({ accountId: id, statusId: id });

/** Direct conversations and muted threads, both kept by the statuses service. */
export const statusesConversations = {
  /** The account's conversations, most recent last status first, cursored by that status's id. */
  listConversations: defineRequest('statuses.conversation.list', {
    request: z.object({ accountId: id, page: pageRequest }),
    response: z.object({ conversations: z.array(conversationRecord) }),
  }),
  /** The account's conversation holding this status, if it has one (the direct stream's event). */
  getConversationOfStatus: defineRequest('statuses.status_conversation.get', {
    request: ofStatus,
    response: z.object({ conversation: conversationRecord.nullable() }),
  }),
  markConversationRead: defineRequest('statuses.conversation.read', {
    request: own,
    response: conversationRecord,
  }),
  /** Removes the conversation from the account's list; a new status in the thread brings it back. */
  removeConversation: defineRequest('statuses.conversation.remove', {
    request: own,
    response: z.object({}),
  }),
  /**
   * Mutes the thread of a status for the account (no notifications from it any more), which must
   * be its author or mentioned by it (`unprocessable` otherwise); answers the status.
   */
  muteConversation: defineRequest('statuses.conversation_mute.create', {
    request: ofStatus,
    response: statusRecord,
  }),
  unmuteConversation: defineRequest('statuses.conversation_mute.delete', {
    request: ofStatus,
    response: statusRecord,
  }),
  /** Of `accountIds`, those who muted the thread of this status (one question per status notified about). */
  filterConversationMuters: defineRequest('statuses.conversation_muter.filter', {
    request: z.object({ statusId: id, accountIds: z.array(id).max(200) }),
    response: z.object({ accountIds: z.array(id) }),
  }),
};
