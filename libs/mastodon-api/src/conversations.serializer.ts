import type { AccountRecord, ConversationRecord } from '@mammut/contracts';
import { serializeAccount } from './accounts.serializer';
import type { SerializeContext } from './context';
import type { MAccount } from './entities';
import type { MStatus } from './statuses.serializer';

/** Mastodon's Conversation entity: a direct thread as one participant sees it. */
export interface MConversation {
  id: string;
  unread: boolean;
  /** The other participants (the viewer alone when it wrote only to itself). */
  accounts: MAccount[];
  last_status: MStatus | null;
}

export function serializeConversation(
  conversation: ConversationRecord,
  participants: readonly AccountRecord[],
  lastStatus: MStatus | null,
  ctx: SerializeContext,
): MConversation {
  return {
    id: conversation.id,
    unread: conversation.unread,
    accounts: participants.map((account) => serializeAccount(account, ctx)),
    last_status: lastStatus,
  };
}
